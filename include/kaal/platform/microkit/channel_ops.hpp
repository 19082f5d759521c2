// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/microkit/abi.hpp>
#include <kaal/platform/sel4_message.hpp>

namespace kaal {

inline Status notify(Channel ch) {
    if (!detail::wired(microkit_notifications, ch)) {
        return Error::invalid_channel;
    }
    seL4_Signal(microkit::base_output_notification_cap + ch.id());
    return {};
}

inline Status irq_ack(Channel ch) {
    if (!detail::wired(microkit_irqs, ch)) {
        return Error::invalid_channel;
    }
    return static_cast<Error>(seL4_IRQHandler_Ack(microkit::base_irq_cap + ch.id()));
}

// Protected procedure call: the message registers are the caller's to fill before and to read
// after; the reply's label and length come back as the value.
inline Result<MessageInfo> ppcall(Channel ch, MessageInfo msg) {
    if (!detail::wired(microkit_pps, ch)) {
        return Error::invalid_channel;
    }
    return detail::from_sel4(
        seL4_Call(microkit::base_endpoint_cap + ch.id(), detail::to_sel4(msg)));
}

inline void mr_set(unsigned index, Word value) {
    seL4_SetMR(static_cast<int>(index), value);
}
inline Word mr_get(unsigned index) {
    return seL4_GetMR(static_cast<int>(index));
}

// The PD's name in the .system file, which the Microkit tool writes into libmicrokit.
inline const char* component_name() {
    return microkit_name;
}

} // namespace kaal
