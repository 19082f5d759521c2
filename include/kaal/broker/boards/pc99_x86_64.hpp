// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/broker/device_table.hpp>

// A pc99 PC: the legacy ISA devices at their fixed I/O ports and IRQs (as QEMU's `pc` machine
// has them), and the HPET at the address the ACPI HPET table gives on QEMU and most chipsets.
// IRQ numbers are I/O APIC pins, which equal the ISA IRQs 1..15; ISA IRQ 0, the PIT's, is pin 2,
// as the MADT's interrupt source override on QEMU and most PCs says (ACPI 6.4, 5.2.12.5).
namespace kaal::boards::pc99_x86_64 {

inline constexpr DeviceId com1{DeviceKind::serial, 0};
inline constexpr DeviceId pit{DeviceKind::pit, 0};
inline constexpr DeviceId hpet{DeviceKind::hpet, 0};
inline constexpr DeviceId cmos_rtc{DeviceKind::rtc, 0};

// clang-format off
inline constexpr DeviceDesc devices[] = {
    // 16550 UART: ports 0x3f8-0x3ff, ISA IRQ 4.
    {com1, "com1", "ns16550a", 0, 0, 4, 0x3f8, 0x3ff, 0, false},
    // 8254 PIT: ports 0x40-0x43, ISA IRQ 0 on pin 2, which the HPET's legacy mode takes over.
    {pit, "pit", "intel,8254", 0, 0, 2, 0x40, 0x43, 0, false},
    // HPET: 1 KiB of registers; in legacy replacement mode timer 0 drives I/O APIC pin 2.
    {hpet, "hpet", "intel,hpet", 0xfed0'0000, 0x400, 2, 1, 0, 0, false},
    // CMOS real-time clock: index and data ports 0x70-0x71; its IRQ 8 is not used.
    {cmos_rtc, "cmos-rtc", "motorola,mc146818", 0, 0, no_irq, 0x70, 0x71, 0, false},
};
// clang-format on

inline constexpr DeviceTable table{Arch::x86_64, devices};

} // namespace kaal::boards::pc99_x86_64
