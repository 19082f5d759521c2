// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/runtime/abi.hpp>
#include <kaal/platform/runtime/sel4.hpp>
#include <kaal/platform/sel4_message.hpp>

// Channel operations of a runtime-mode component: the same invocations as Microkit's, on the
// caps the root task placed at the same slots, checked against the masks in the start record.
namespace kaal {

inline Status notify(Channel ch) {
    if (!detail::wired(runtime::start_info->notifications, ch)) {
        return Error::invalid_channel;
    }
    seL4_Signal(runtime::base_output_notification_cap + ch.id());
    return {};
}

inline Status irq_ack(Channel ch) {
    if (!detail::wired(runtime::start_info->irqs, ch)) {
        return Error::invalid_channel;
    }
    return static_cast<Error>(seL4_IRQHandler_Ack(runtime::base_irq_cap + ch.id()));
}

inline Result<MessageInfo> ppcall(Channel ch, MessageInfo msg) {
    if (!detail::wired(runtime::start_info->pps, ch)) {
        return Error::invalid_channel;
    }
    return detail::from_sel4(seL4_Call(runtime::base_endpoint_cap + ch.id(), detail::to_sel4(msg)));
}

inline void mr_set(unsigned index, Word value) {
    seL4_SetMR(static_cast<int>(index), value);
}
inline Word mr_get(unsigned index) {
    return seL4_GetMR(static_cast<int>(index));
}

// The component's name in the system description, from its start record.
inline const char* component_name() {
    return runtime::start_info->name;
}

} // namespace kaal
