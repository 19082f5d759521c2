// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/held_notifications.hpp>
#include <kaal/platform/runtime/abi.hpp>
#include <kaal/platform/runtime/channel_ops.hpp>

namespace kaal {

// The receive of run_component (runtime/entry.hpp), with its badges (runtime/abi.hpp). The
// x86_64 kernel is not MCS: a protected call is answered with Reply, which uses the caller's
// one-shot reply cap in the TCB (seL4 manual, "Endpoints").
inline Result<Channel> wait_for_any(ChannelSet channels) {
    auto& held = detail::held_notifications;
    if (!channels.valid() || (channels.bits() & ~Word{runtime::start_info->notifications |
                                                      runtime::start_info->irqs}) != 0) {
        return Error::invalid_channel;
    }
    if (held.in_protected_call) {
        return Error::illegal_operation;
    }
    for (;;) {
        if (const auto ch = held.take_any(channels.bits())) {
            return *ch;
        }
        seL4_Word badge = 0;
        const seL4_MessageInfo_t tag = seL4_Recv(runtime::input_cap, &badge);
        if ((badge & runtime::ppc_badge_bit) != 0) {
            const MessageInfo reply = held.serve.serve_call(
                Channel{static_cast<unsigned>(badge & runtime::badge_channel_mask)},
                detail::from_sel4(tag));
            seL4_Reply(detail::to_sel4(reply));
        } else {
            held.hold(badge);
        }
    }
}

} // namespace kaal
