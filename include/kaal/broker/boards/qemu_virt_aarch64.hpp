// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/broker/device_table.hpp>

// QEMU's `virt` machine for aarch64, from its device tree (`qemu-system-aarch64 -M virt,
// dumpdtb=virt.dtb`) and hw/arm/virt.c's memory map. GIC interrupt numbers are INTIDs: shared
// peripheral interrupts start at 32, private ones (PPIs) at 16.
namespace kaal::boards::qemu_virt_aarch64 {

inline constexpr DeviceId uart{DeviceKind::serial, 0};
inline constexpr DeviceId gic{DeviceKind::interrupt_controller, 0};
inline constexpr DeviceId timer{DeviceKind::timer, 0};
inline constexpr DeviceId rtc{DeviceKind::rtc, 0};
inline constexpr unsigned virtio_mmio_count = 32;
constexpr DeviceId virtio_mmio(unsigned index) {
    return {DeviceKind::virtio_mmio, static_cast<std::uint8_t>(index)};
}

inline constexpr Word virtio_mmio_base = 0x0a00'0000;
inline constexpr Word virtio_mmio_stride = 0x200;
inline constexpr Word virtio_mmio_first_irq = 48; // SPI 16
inline constexpr Word virtio_dma_bytes = Word{64} * 1024;

namespace detail {
constexpr DeviceDesc virtio(unsigned i) {
    DeviceDesc d{};
    d.id = virtio_mmio(i);
    d.name = "virtio-mmio";
    d.compatible = "virtio,mmio";
    d.mmio_paddr = virtio_mmio_base + i * virtio_mmio_stride;
    d.mmio_size = virtio_mmio_stride;
    d.irq = virtio_mmio_first_irq + i;
    d.dma_bytes = virtio_dma_bytes;
    return d;
}
} // namespace detail

// clang-format off
inline constexpr DeviceDesc devices[] = {
    // PL011 UART: SPI 1.
    {uart, "pl011", "arm,pl011", 0x0900'0000, 0x1000, 33, 1, 0, 0, false},
    // GICv2 distributor and CPU interface: the kernel's, listed so a request says so.
    {gic, "gic", "arm,cortex-a15-gic", 0x0800'0000, 0x2'0000, no_irq, 1, 0, 0, true},
    // ARM generic timer: system registers, no MMIO. The EL1 physical timer, PPI 14 = INTID 30:
    // the Microkit 2.0.1 kernel runs at EL2 and keeps the hypervisor timer (PPI 10) for its
    // tick, and exports the physical timer and counter to EL0 (KernelArmExportPTMRUser and
    // PCNTUser: CNTKCTL_EL1.EL0PTEN, EL0PCTEN); the virtual timer is not exported.
    {timer, "generic-timer", "arm,armv8-timer", 0, 0, 30, 1, 0, 0, false},
    // PL031 real-time clock: SPI 2.
    {rtc, "pl031", "arm,pl031", 0x0901'0000, 0x1000, 34, 1, 0, 0, false},
    detail::virtio(0),  detail::virtio(1),  detail::virtio(2),  detail::virtio(3),
    detail::virtio(4),  detail::virtio(5),  detail::virtio(6),  detail::virtio(7),
    detail::virtio(8),  detail::virtio(9),  detail::virtio(10), detail::virtio(11),
    detail::virtio(12), detail::virtio(13), detail::virtio(14), detail::virtio(15),
    detail::virtio(16), detail::virtio(17), detail::virtio(18), detail::virtio(19),
    detail::virtio(20), detail::virtio(21), detail::virtio(22), detail::virtio(23),
    detail::virtio(24), detail::virtio(25), detail::virtio(26), detail::virtio(27),
    detail::virtio(28), detail::virtio(29), detail::virtio(30), detail::virtio(31),
};
// clang-format on

inline constexpr DeviceTable table{Arch::aarch64, devices};

} // namespace kaal::boards::qemu_virt_aarch64
