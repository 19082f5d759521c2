// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/broker/device_bundle.hpp>
#include <kaal/core/result.hpp>
#include <kaal/platform/runtime/abi.hpp>

// The runtime-mode twin of static_resources.hpp: a component spawned by the KaaL root task finds
// the devices it was granted in its start record, with their caps at fixed slots, and gets the
// same DeviceBundle a Microkit PD builds from its .system resources.
namespace kaal {

inline Result<DeviceBundle> granted_device(const runtime::StartInfo& info, std::size_t index) {
    if (index >= info.device_count || index >= runtime::max_device_grants) {
        return Error::no_such_device;
    }
    const runtime::DeviceGrantInfo& grant = info.devices[index];
    DeviceBundle bundle{};
    if (grant.io_port_first <= grant.io_port_last) {
        bundle.io_ports = {Cap<cap::IoPort>{runtime::io_port_cap_base + index}, grant.io_port_first,
                           grant.io_port_last};
    }
    if (grant.mmio_size != 0) {
        bundle.mmio = {grant.mmio_paddr, grant.mmio_vaddr, grant.mmio_size};
    }
    if (grant.irq != no_irq) {
        bundle.irq.number = grant.irq;
        bundle.irq.channel = static_cast<unsigned>(grant.irq_channel);
        bundle.irq.handler = Cap<cap::IrqHandler>{runtime::base_irq_cap + grant.irq_channel};
    }
    return bundle;
}

} // namespace kaal
