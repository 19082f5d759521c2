// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <kaal/broker/device_table.hpp>
#include <kaal/core/result.hpp>
#include <kaal/platform/cap.hpp>
#include <kaal/platform/symbol_table.hpp>

// The system a runtime-mode root task builds, compiled into it: what a Microkit .system file says,
// as C++ data. Components, the memory regions they share, the channels between them and the
// devices they drive. `validate` checks it against itself and the platform's limits before the
// root task spends a single capability on it.
namespace kaal::runtime {

// A component's program image, embedded in the root task by kaal_add_runtime_system().
struct EmbeddedImage {
    const char* name;
    const unsigned char* begin;
    const unsigned char* end;
    // Its functions and lines, which the root task names a fault's address by (none: addresses).
    const debug::SymbolTable* symbols = nullptr;
};

// Zero-filled RAM shared by the components that map it; `size` is a multiple of 4 KiB. A
// `contiguous` region lies at consecutive physical addresses, which a mapping may publish: memory
// a device reaches by DMA (a virtio queue, a client's data buffers).
struct MemoryRegion {
    const char* name = nullptr;
    Word size = 0;
    bool contiguous = false;
};

// <map mr=... vaddr=... perms=... cached=... setvar_vaddr=...>: the region at `vaddr`, and if
// `setvar_vaddr` is set, that variable of the image holds `vaddr` when the component starts. For
// a contiguous region, `setvar_paddr` is Microkit's <setvar region_paddr=...>: the variable that
// holds the region's physical address.
struct Mapping {
    std::size_t region = 0;
    Word vaddr = 0;
    bool writable = false;
    bool cached = true;
    const char* setvar_vaddr = nullptr;
    const char* setvar_paddr = nullptr;
};

// A board device the component drives: its I/O ports (x86), its IRQ, delivered as
// `notified(irq_channel)` and acknowledged with `irq_ack(irq_channel)` as in Microkit, and its
// registers, mapped uncached at `mmio_vaddr` (page-aligned; the page the registers start in).
struct DeviceGrant {
    DeviceId device;
    unsigned irq_channel = 0;
    Word mmio_vaddr = 0;
};

struct Component {
    const char* name;
    const char* image;
    std::uint8_t priority;
    std::span<const Mapping> maps;
    std::span<const DeviceGrant> devices;
    // How many times the root task restarts it after a fault, on its image's initial data
    // (kaal::composer::RestartPolicy); after that, or with 0, it is stopped for good.
    unsigned restarts = 0;
    // The wait before its first restart, doubled before each after it; 0: at once. Timed with
    // the PIT (backoff_timer.hpp), which no component may then be granted.
    std::uint64_t backoff_ns = 0;
};

// One end of a channel: the component (index in `components`) and the id it knows it by. With
// `pp`, this end may make protected calls to the other (Microkit's pp="true").
struct ChannelEnd {
    std::size_t component;
    unsigned id;
    bool pp;
};

struct Channel {
    ChannelEnd a;
    ChannelEnd b;
};

struct SystemDescription {
    static constexpr std::size_t max_components = 63; // Microkit's PD limit; same here
    // The root task runs at the top priority so it can report faults as they happen.
    static constexpr std::uint8_t max_priority = 254;
    // One retype of frames from one RAM piece (CapabilityBroker::create_contiguous_frames).
    static constexpr Word max_contiguous_bytes = Word{256} * 4096;

    const char* name;
    std::span<const MemoryRegion> regions;
    std::span<const Component> components;
    std::span<const Channel> channels;
};

// What `validate` found wrong, for the root task to print before it stops.
struct SystemError {
    Error error = Error::ok;
    const char* what = "";  // the rule broken
    const char* where = ""; // the component, region or image concerned
    [[nodiscard]] constexpr bool ok() const { return error == Error::ok; }
};

// Checks names, images, priorities, channel ids (0..62, unique per component, no channel to
// itself), region sizes and mapping addresses (page-aligned, below the image range limit, not
// over each other or the pages the root task reserves), that no device is granted twice, and
// that a system with restart back-offs grants neither the PIT, which times them, nor the HPET,
// whose legacy replacement mode would silence the PIT (drivers/timer/pit/README.md).
// Returns the first problem.
[[nodiscard]] SystemError validate(const SystemDescription& system,
                                   std::span<const EmbeddedImage> images);

// The system a root task builds: defined by the system's description source file.
// NOLINTBEGIN(bugprone-dynamic-static-initializers): declarations of constant-initialized data
extern const SystemDescription system_description;
// Defined by the file kaal_add_runtime_system() generates: the embedded component images.
extern const EmbeddedImage embedded_images[];
extern const std::size_t embedded_image_count;
// NOLINTEND(bugprone-dynamic-static-initializers)

// The image a component names, if embedded.
const EmbeddedImage* find_image(std::span<const EmbeddedImage> images, const char* name);

} // namespace kaal::runtime
