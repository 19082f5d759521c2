// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include <kaal/broker/device_table.hpp>
#include <kaal/platform/message.hpp>

// The KaaL composer: a system described once, in C++, for both platform modes. A description is
// a function that builds a System:
//
//   void kaal_describe(kaal::composer::System& s) {
//       auto& server = s.pd("server", "ipc_ppc_server").priority(150);
//       auto& client = s.pd("client", "ipc_ppc_client").priority(100);
//       s.call(client, server, "adder");
//   }
//
// and the composer, run on the build machine (composer/README.md), checks it and writes what
// each mode needs: the Microkit .system file, the runtime root task's SystemDescription, and for
// every protection domain a C++ header `kaal_config.hpp` naming its channel ids, region
// addresses and sizes and anything a subsystem adds (`config::adder`, `config::ring_region`),
// so component code never holds a number that must match another file. Channel ids, virtual
// addresses and region names are allocated here; a description pins one only where an ABI
// fixes it. Every call records where in the description it was made (std::source_location),
// and every problem is reported against that line.
//
// This is host code (the composer is a build tool): it allocates and uses the standard library
// freely. Nothing here is linked into a component.
namespace kaal::composer {

// A line of the description.
struct Place {
    std::string file;
    unsigned line = 0;
    static Place of(const std::source_location& where) {
        return {where.file_name(), static_cast<unsigned>(where.line())};
    }
};

// A PD name as a C identifier, for the configuration names a building block derives from it
// ('-', which PD names may have, becomes '_').
[[nodiscard]] std::string identifier(std::string name);

class Pd;
// The name of `pd`'s symbol table (a kaal::debug::SymbolTable) in the configuration of a PD
// that holds it (Pd::symbol_tables).
[[nodiscard]] std::string symbol_table_name(const Pd& pd);

// Which board, and so which platform mode, the description is composed for.
enum class Board : std::uint8_t { qemu_virt_aarch64, pc99_x86_64 };
[[nodiscard]] const DeviceTable& device_table(Board board);
[[nodiscard]] const char* board_name(Board board);

// Read-only or read-write. There is no execute: KaaL maps no shared memory executable (W^X).
enum class Perms : std::uint8_t { r, rw };

class Pd;

// Memory shared by the PDs that map it, or a device's registers (`paddr` set).
struct Region {
    std::string name;
    Word size = 0;
    std::optional<Word> paddr; // device memory at a fixed physical address
    bool device = false;       // registers: mapped uncached, never executable
    Place where;
    // Memory a device reaches by DMA: physically contiguous, its physical address published to
    // every PD that maps it (config::<var>_paddr). On Microkit it is one 2 MiB large page, the
    // one way the tool guarantees contiguity without a fixed address; so each mapping of it is
    // 2 MiB-aligned and takes 2 MiB of the PD's address space.
    bool dma = false;

    static constexpr Word dma_page = 0x20'0000;
    static constexpr Word max_dma_size = 0x10'0000; // runtime mode: one retype of 256 frames
    // What a mapping of it takes of a PD's address space.
    [[nodiscard]] Word span() const {
        constexpr Word page = 0x1000;
        return dma ? dma_page : (size + page - 1) & ~(page - 1);
    }
};

struct Map {
    Region* region = nullptr;
    std::string var; // the component's variable that holds the address (setvar_vaddr)
    Word vaddr = 0;  // allocated unless pinned
    bool pinned = false;
    Perms perms = Perms::rw;
    bool cached = true;
    Place where;
};

// A device the PD drives, from the board's table: its registers are mapped (Microkit) or granted
// (runtime), its IRQ delivered on a channel of the PD's own.
struct DeviceUse {
    DeviceId id;
    std::string name; // its config names: `<name>_regs` (address), `<name>_irq` (channel)
    int irq_id = -1;  // the PD's channel id for the IRQ; allocated unless pinned
    std::optional<Word> irq_number; // pinned by the description: must equal the table's
    Place where;
};

struct ChannelEnd {
    Pd* pd = nullptr;
    std::string name; // the constant in this end's config: config::<name>
    int id = -1;      // allocated unless pinned
    bool pp = false;  // this end may call the other (Microkit pp="true")
};

struct Channel {
    ChannelEnd a;
    ChannelEnd b;
    Place where;
};

// C++ a subsystem puts into a PD's configuration header (a multiplexer's client table).
struct ConfigSection {
    std::vector<std::string> includes;
    std::string code; // inside namespace config
};

class Pd {
public:
    Pd(std::string name, std::string component, Place where)
        : name_(std::move(name)), component_(std::move(component)), where_(std::move(where)) {}

    Pd& priority(unsigned value, std::source_location at = std::source_location::current());
    Pd& stack_size(Word bytes, std::source_location at = std::source_location::current());
    // The region at an address the composer chooses, held in variable `var`.
    Pd& map(Region& region, std::string var, Perms perms = Perms::rw,
            std::source_location at = std::source_location::current());
    // The same at an address the description fixes.
    Pd& map_at(Region& region, Word vaddr, std::string var, Perms perms = Perms::rw,
               std::source_location at = std::source_location::current());
    // A board device: registers and IRQ from the board's table.
    Pd& device(DeviceId id, std::string name,
               std::source_location at = std::source_location::current());
    // Pins the device's IRQ channel id (an ABI fixes it), or states its IRQ number, which must
    // then agree with the board's table.
    Pd& device_irq(std::string name, std::optional<int> channel_id, std::optional<Word> irq_number,
                   std::source_location at = std::source_location::current());
    // A child PD of this one (Microkit): its faults come to this PD's fault() hook.
    Pd& child(Pd& child, unsigned id, std::source_location at = std::source_location::current());
    // A named constant in the configuration header: `constexpr <type> <name> = <value>;`.
    Pd& constant(std::string name, std::string type, std::string value,
                 std::source_location at = std::source_location::current());
    Pd& section(ConfigSection section);

    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] const std::string& component() const { return component_; }
    [[nodiscard]] const Place& where() const { return where_; }

    // What the writers read (filled in by System::compose).
    unsigned prio = 100;
    Place prio_where;
    Word stack = 0x1000;
    Place stack_where;
    std::vector<Map> maps;
    std::vector<DeviceUse> devices;
    struct Constant {
        std::string name;
        std::string type;
        std::string value;
        Place where;
    };
    std::vector<Constant> constants;
    std::vector<ConfigSection> sections;
    Pd* parent = nullptr;
    unsigned child_id = 0;
    Place parent_where;
    // PDs whose symbol tables (cmake/symbol_table.py) this PD's image holds, each as
    // config::<symbol_table_name>: a supervisor's children.
    std::vector<const Pd*> symbol_tables;
    // Bytes of the page its initial data is kept in for restarts (Microkit), mapped at
    // kaal::microkit::restart_page_vaddr; 0: it has none.
    Word restart_page = 0;
    // Its restart policy in runtime mode, where the root task applies it.
    unsigned restarts = 0;
    std::uint64_t backoff_ns = 0;

private:
    std::string name_;
    std::string component_;
    Place where_;
};

// What is wrong with a description: the line, the rule broken, and what broke it.
struct Problem {
    Place where;
    std::string rule;
    std::string detail;
};

class System {
public:
    System(std::string name, Board board) : name_(std::move(name)), board_(board) {}

    // A protection domain running the component `component` (a kaal_add_component name).
    Pd& pd(std::string name, std::string component,
           std::source_location at = std::source_location::current());
    Region& region(std::string name, Word size,
                   std::source_location at = std::source_location::current());
    // Shared memory a device reads and writes by DMA (Region::dma): at most 1 MiB.
    Region& dma_region(std::string name, Word size,
                       std::source_location at = std::source_location::current());
    // Device memory at a fixed physical address, for a device the board's table does not name
    // in a way the description can use; it must still lie in the board's device map. Prefer
    // Pd::device, which takes the address and IRQ from the table.
    Region& device_memory(std::string name, Word paddr, Word size,
                          std::source_location at = std::source_location::current());
    // A channel for notifications both ways. Each end's config names it `a_name` / `b_name`.
    Channel& channel(Pd& a, std::string a_name, Pd& b, std::string b_name,
                     std::source_location at = std::source_location::current());
    // A channel on which `caller` may also make protected calls to `callee` (pp="true").
    Channel& call(Pd& caller, std::string caller_name, Pd& callee, std::string callee_name,
                  std::source_location at = std::source_location::current());

    // Runs the subsystems' hooks, allocates ids and addresses, and checks every rule. Empty: the
    // system is sound and the writers may run.
    [[nodiscard]] std::vector<Problem> compose();
    // A hook a subsystem registers to add its PDs' configuration once every client is known.
    void on_compose(std::function<void(System&)> hook) { hooks_.push_back(std::move(hook)); }
    // The component names that have a build target (given by the build); empty: not checked.
    void known_components(std::vector<std::string> names) { known_ = std::move(names); }

    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] Board board() const { return board_; }
    [[nodiscard]] const std::deque<Pd>& pds() const { return pds_; }
    [[nodiscard]] const std::deque<Region>& regions() const { return regions_; }
    [[nodiscard]] const std::deque<Channel>& channels() const { return channels_; }
    [[nodiscard]] std::size_t index_of(const Pd& pd) const;
    [[nodiscard]] std::size_t index_of(const Region& region) const;
    // A problem found while the description was being built (a bad argument); compose() reports
    // it with the rest.
    void problem(Place where, std::string rule, std::string detail) {
        early_.push_back({std::move(where), std::move(rule), std::move(detail)});
    }

    // Microkit's limits (Microkit 2.0.1 tool, sdf.rs): 63 PDs, channel ids 0..61, priorities
    // 0..254, stacks of 4 KiB to 16 MiB; names of at most 63 characters.
    static constexpr std::size_t max_pds = 63;
    static constexpr int max_channel_id = 61;
    static constexpr unsigned max_priority = 254;
    static constexpr Word min_stack = 0x1000;
    static constexpr Word max_stack = Word{16} << 20;
    static constexpr std::size_t max_name = 63;
    // Where the composer puts a PD's mappings: from 32 MiB up, below every PD's image.
    static constexpr Word first_vaddr = 0x200'0000;
    // Each PD's image is linked at an address of its own, the PD's index in the system times
    // image_slot above first_image_base, so that one instruction address names one PD: a
    // debugger's breakpoint stops in that PD only (QEMU's breakpoints match the virtual PC in
    // whatever address space is current), and a fault's PC says whose code ran. The images
    // lie in [1 GiB, 2 GiB): x86_64's small code model, which runtime mode compiles with,
    // needs every address of an image below 2 GiB (System V AMD64 psABI 3.5.1), and 63 slots
    // of 16 MiB fit there. The mappings have [32 MiB, 1 GiB).
    static constexpr Word first_image_base = Word{1} << 30;
    static constexpr Word image_slot = Word{16} << 20;
    [[nodiscard]] static constexpr Word image_base(std::size_t pd_index) {
        return first_image_base + pd_index * image_slot;
    }

private:
    void allocate();
    void validate(std::vector<Problem>& out) const;

    std::string name_;
    Board board_;
    std::deque<Pd> pds_;
    std::deque<Region> regions_;
    std::deque<Channel> channels_;
    std::vector<std::function<void(System&)>> hooks_;
    std::vector<std::string> known_;
    std::vector<Problem> early_;
};

} // namespace kaal::composer
