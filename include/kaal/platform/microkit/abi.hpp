// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/microkit/sel4.hpp>

// The ABI between a protection domain and the Microkit 2.0.1 tool and libmicrokit: the CSpace
// slots the tool fills in for every PD, and the symbols libmicrokit exports. These are facts of
// Microkit 2.0.1 (libmicrokit's microkit.h, "Protection Domain" in the Microkit manual); a new
// SDK version must be checked against them.
namespace kaal::microkit {

inline constexpr seL4_CPtr input_cap = 1; // the endpoint every PD receives on
inline constexpr seL4_CPtr reply_cap = 4;
inline constexpr seL4_CPtr monitor_endpoint_cap = 5;
inline constexpr seL4_CPtr base_output_notification_cap = 10; // + channel id
inline constexpr seL4_CPtr base_endpoint_cap = 74;            // + channel id, for ppcall
inline constexpr seL4_CPtr base_irq_cap = 138;                // + channel id
inline constexpr seL4_CPtr base_tcb_cap = 202;                // + child id, in a parent PD
inline constexpr unsigned name_length = 64;
// Where Microkit puts the top of a PD's stack: the top of its address space, 1 TiB with the
// hypervisor and 40-bit physical addresses as on qemu_virt_aarch64 (Microkit 2.0.1 tool,
// sel4.rs pd_stack_top). A supervisor restarts a child with its SP there.
inline constexpr seL4_Word stack_top = seL4_Word{1} << 40;

// The badge a PD's receive returns (handler_loop in libmicrokit's main.c): bit 62 a child's
// fault, with the child's id in the low byte; else bit 63 a protected call, with the channel in
// the low 6 bits; else one bit per notified channel.
inline constexpr bool is_fault_badge(seL4_Word badge) {
    return ((badge >> 62) & 1U) != 0;
}
inline constexpr bool is_call_badge(seL4_Word badge) {
    return !is_fault_badge(badge) && (badge >> 63) != 0;
}

} // namespace kaal::microkit

extern "C" {
// Defined by libmicrokit; the tool patches the masks with one bit per channel of this PD that
// may be notified, acked as an IRQ, or called.
extern char microkit_name[kaal::microkit::name_length];
extern seL4_Word microkit_irqs;
extern seL4_Word microkit_notifications;
extern seL4_Word microkit_pps;
void microkit_dbg_putc(int c);
void microkit_dbg_puts(const char* s);
}
