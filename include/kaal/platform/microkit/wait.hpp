// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/held_notifications.hpp>
#include <kaal/platform/microkit/abi.hpp>
#include <kaal/platform/sel4_message.hpp>

namespace kaal {

// The receive of libmicrokit's own loop (handler_loop in libmicrokit's main.c), with its badge
// layout (microkit/abi.hpp). The reply object is the PD's one (slot 4 on the MCS
// kernel Microkit runs); a reply is a Send on it (seL4 manual, "Reply Objects").
inline Result<Channel> wait_for_any(ChannelSet channels) {
    auto& held = detail::held_notifications;
    if (!channels.valid() ||
        (channels.bits() & ~Word{microkit_notifications | microkit_irqs}) != 0) {
        return Error::invalid_channel;
    }
    if (held.in_protected_call) {
        return Error::illegal_operation;
    }
    constexpr Word child_mask = 0xff;
    constexpr Word channel_mask = 0x3f;
    for (;;) {
        if (const auto ch = held.take_any(channels.bits())) {
            return *ch;
        }
        seL4_Word badge = 0;
        const seL4_MessageInfo_t tag = seL4_Recv(microkit::input_cap, &badge, microkit::reply_cap);
        if (microkit::is_fault_badge(badge)) {
            if (const auto action = held.serve.serve_fault(
                    Child{static_cast<unsigned>(badge & child_mask)}, detail::from_sel4(tag))) {
                seL4_Send(microkit::reply_cap, detail::to_sel4(*action));
            }
        } else if (microkit::is_call_badge(badge)) {
            const MessageInfo reply = held.serve.serve_call(
                Channel{static_cast<unsigned>(badge & channel_mask)}, detail::from_sel4(tag));
            seL4_Send(microkit::reply_cap, detail::to_sel4(reply));
        } else {
            held.hold(badge);
        }
    }
}

} // namespace kaal
