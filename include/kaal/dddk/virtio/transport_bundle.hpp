// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/broker/device_bundle.hpp>
#include <kaal/broker/device_table.hpp>
#include <kaal/broker/static_resources.hpp>
#include <kaal/core/result.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/virtio/mmio_transport.hpp>
#include <kaal/platform/channel.hpp>

// A virtio-mmio transport's DeviceBundle from a Microkit PD's mappings, for every virtio driver:
// the transport's board-table entry, the page the composer mapped its registers into
// (config::<name>_regs), its IRQ channel, and the DMA pool of `dma_size` bytes the driver keeps
// its virtqueues in. The registers may lie anywhere in their page (QEMU virt packs eight
// transports into one), so their offset in it is added here.
namespace kaal::dddk::virtio {

constexpr Result<DeviceBundle> transport_bundle(const DeviceDesc& transport, Word regs_page,
                                                Channel irq, Word dma_vaddr, Word dma_paddr,
                                                Word dma_size) {
    constexpr Word page_offset = 0xfff;
    return bundle_from_static_resources({
        .id = transport.id,
        .mmio_vaddr = regs_page + (transport.mmio_paddr & page_offset),
        .mmio_paddr = transport.mmio_paddr,
        .mmio_size = transport.mmio_size,
        .irq = transport.irq,
        .irq_channel = irq.id(),
        .dma_vaddr = dma_vaddr,
        .dma_paddr = dma_paddr,
        .dma_size = dma_size,
    });
}

// A virtio driver over its transport's registers, for the drivers made by
// `Driver<MmioBus>::create(bus, dma)` (virtio-blk, virtio-rng): from a bundle, or straight from
// the PD's mappings as transport_bundle takes them, with the driver's own DMA size.
//
//   auto driver = make_mmio_driver<VirtioBlkDriver>(transport, config::blk_regs, ...);
template <template <typename> class Driver>
Result<Driver<MmioBus>> make_mmio_driver(const DeviceBundle& bundle, const DmaPool& dma) {
    KAAL_TRY(const auto bus, MmioBus::create(bundle.mmio, MmioRegisters::span));
    return Driver<MmioBus>::create(bus, dma);
}

template <template <typename> class Driver>
Result<Driver<MmioBus>> make_mmio_driver(const DeviceDesc& transport, Word regs_page, Channel irq,
                                         Word dma_vaddr, Word dma_paddr) {
    KAAL_TRY(const DeviceBundle bundle, transport_bundle(transport, regs_page, irq, dma_vaddr,
                                                         dma_paddr, Driver<MmioBus>::dma_bytes));
    return make_mmio_driver<Driver>(bundle, bundle.dma);
}

} // namespace kaal::dddk::virtio
