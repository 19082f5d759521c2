// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/broker/device_bundle.hpp>
#include <kaal/core/result.hpp>

// Microkit mode has no broker at run time: the Microkit tool creates the device's frames, maps
// them and wires its IRQ to a channel as the .system file says. A PD learns the virtual
// addresses from variables the tool patches (`setvar_vaddr` on a <map>), and the physical
// addresses from the `phys_addr` it gave the <memory_region>, which Microkit 2.0.1 does not
// patch into the PD, so the PD states it as a constant next to the .system file's. This turns
// those facts into the same DeviceBundle the broker builds, after checking them.
namespace kaal {

struct StaticDeviceResources {
    DeviceId id;
    Word mmio_vaddr = 0; // setvar_vaddr of the device's <map>
    Word mmio_paddr = 0; // the region's phys_addr plus the device's offset in it
    Word mmio_size = 0;
    Word irq = no_irq;                            // the <irq irq="..."> number
    unsigned irq_channel = DeviceIrq::no_channel; // its id="..."
    Word dma_vaddr = 0;                           // setvar_vaddr of the DMA region's <map>
    Word dma_paddr = 0;                           // the DMA region's phys_addr
    Word dma_size = 0;
};

namespace detail {
inline constexpr Word page_offset_mask = 0xfff;
inline constexpr unsigned max_microkit_channel = 62;
} // namespace detail

// Rejects what would make a driver touch the wrong memory: a variable the tool did not patch
// (still 0), virtual and physical addresses at different offsets in their pages, or an IRQ
// without a valid channel.
constexpr Result<DeviceBundle> bundle_from_static_resources(const StaticDeviceResources& r) {
    DeviceBundle bundle{};
    bundle.id = r.id;
    if (r.mmio_size != 0) {
        if (r.mmio_vaddr == 0 || (r.mmio_vaddr & detail::page_offset_mask) !=
                                     (r.mmio_paddr & detail::page_offset_mask)) {
            return Error::invalid_argument;
        }
        bundle.mmio = {r.mmio_paddr, r.mmio_vaddr, r.mmio_size};
    }
    if (r.irq != no_irq) {
        if (r.irq_channel > detail::max_microkit_channel) {
            return Error::invalid_channel;
        }
        bundle.irq.number = r.irq;
        bundle.irq.channel = r.irq_channel;
    }
    if (r.dma_size != 0) {
        if (r.dma_vaddr == 0 || ((r.dma_vaddr | r.dma_paddr) & detail::page_offset_mask) != 0) {
            return Error::invalid_argument;
        }
        bundle.dma = {r.dma_vaddr, r.dma_paddr, r.dma_size};
    }
    return bundle;
}

} // namespace kaal
