// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/platform/cap.hpp>
#include <kaal/platform/object_type.hpp>

// What the kernel hands the root task at boot: the caps it placed in the root CNode and the
// description of every untyped (seL4 manual, "BootInfo"; libsel4 sel4/bootinfo_types.h). This is
// the part of seL4_BootInfo KaaL uses, with the same meaning field by field; runtime mode copies
// it out of the real bootinfo frame, the mock kernel fills it in as the kernel would.
namespace kaal {

// The fixed slots of the root task's CNode (seL4_RootCNodeCapSlots).
namespace initial_cap {
inline constexpr CPtr null = 0;
inline constexpr CPtr tcb = 1;
inline constexpr CPtr cnode = 2;
inline constexpr CPtr vspace = 3;
inline constexpr CPtr irq_control = 4;
inline constexpr CPtr asid_control = 5;
inline constexpr CPtr asid_pool = 6;
inline constexpr CPtr io_port_control = 7; // a null cap except on x86
inline constexpr CPtr io_space = 8;
inline constexpr CPtr bootinfo_frame = 9;
inline constexpr CPtr ipc_buffer = 10;
inline constexpr CPtr domain = 11;
inline constexpr CPtr count = 16; // seL4_NumInitialCaps
} // namespace initial_cap

// The root task's own CNode and VSpace, typed, and the address of a slot of its CNode as CNode
// invocations take it: the kernel gives the root CNode a guard that covers the bits its radix
// does not (seL4 manual, "BootInfo"), so it resolves a whole CPtr in one level and a slot number
// is its own address.
namespace root_task {
inline constexpr Cap<cap::CNode> cnode{initial_cap::cnode};
inline constexpr Cap<cap::VSpace> vspace{initial_cap::vspace};
inline constexpr std::uint8_t cptr_bits = 64;
constexpr SlotPath slot(CPtr index) {
    return {cnode, index, cptr_bits};
}
} // namespace root_task

// Slots [start, end), as seL4_SlotRegion.
struct SlotRegion {
    CPtr start = 0;
    CPtr end = 0;
    [[nodiscard]] constexpr CPtr size() const { return end > start ? end - start : 0; }
};

// One untyped cap's description, as seL4_UntypedDesc.
struct UntypedDesc {
    Word paddr = 0;
    std::uint8_t size_bits = 0;
    bool is_device = false;
};

struct BootInfo {
    // CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS of the kernels KaaL is built against.
    static constexpr unsigned max_untypeds = 230;

    Arch arch = native_arch;
    SlotRegion empty;   // null slots the root task may fill
    SlotRegion untyped; // untyped_list[i] describes the cap in slot untyped.start + i
    unsigned init_cnode_size_bits = 0;
    UntypedDesc untyped_list[max_untypeds] = {};

    [[nodiscard]] constexpr unsigned untyped_count() const {
        return static_cast<unsigned>(untyped.size());
    }
};

} // namespace kaal
