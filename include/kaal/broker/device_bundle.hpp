// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/broker/device_table.hpp>
#include <kaal/core/result.hpp>
#include <kaal/platform/cap.hpp>

// Everything a driver needs to run one device, in the same shape in every platform mode: in
// runtime and mock mode the capability broker builds it from untyped memory and IRQ caps; in
// Microkit mode it is built from the memory regions and IRQ channels the .system file gave the
// protection domain (see static_resources.hpp). Drivers take a DeviceBundle and are written once.
namespace kaal {

// The device's registers, mapped uncached. `vaddr` is the address of `paddr`, not of the page.
struct MmioRegion {
    Word paddr = 0;
    Word vaddr = 0;
    Word size = 0;
    [[nodiscard]] constexpr bool present() const { return size != 0; }
};

// The device's interrupt. In runtime and mock mode the handler cap delivers it as a signal with
// `badge` on `notification`; in Microkit mode it arrives as `notified(channel)`.
struct DeviceIrq {
    static constexpr unsigned no_channel = ~0U;

    Word number = no_irq;
    Cap<cap::IrqHandler> handler;
    Cap<cap::Notification> notification;
    Word badge = 0;
    unsigned channel = no_channel;
    [[nodiscard]] constexpr bool present() const { return number != no_irq; }
};

// Physically contiguous memory the device may reach by DMA, mapped at `vaddr`. Drivers hand
// the device `paddr_of` their buffers.
struct DmaPool {
    Word vaddr = 0;
    Word paddr = 0;
    Word size = 0;

    [[nodiscard]] constexpr bool present() const { return size != 0; }
    [[nodiscard]] constexpr Result<Word> paddr_of(Word virt) const {
        if (virt < vaddr || virt - vaddr >= size) {
            return Error::range_error;
        }
        return paddr + (virt - vaddr);
    }
    [[nodiscard]] constexpr Result<Word> vaddr_of(Word phys) const {
        if (phys < paddr || phys - paddr >= size) {
            return Error::range_error;
        }
        return vaddr + (phys - paddr);
    }
};

// x86 I/O ports [first, last].
struct IoPortRange {
    Cap<cap::IoPort> cap;
    Word first = 1;
    Word last = 0;
    [[nodiscard]] constexpr bool present() const { return first <= last; }
};

struct DeviceBundle {
    DeviceId id;
    MmioRegion mmio;
    DeviceIrq irq;
    DmaPool dma;
    IoPortRange io_ports;
};

} // namespace kaal
