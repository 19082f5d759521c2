// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <bit>
#include <optional>

#include <kaal/platform/channel.hpp>

// What `wait_for` (each backend's channel_ops.hpp) needs to block a handler without breaking the
// event model every component is written against: one handler at a time, each notification
// delivered once, in ascending channel order.
//
// A wait receives on the component's input endpoint, as the event loop does, so whatever else
// arrives meanwhile reaches it too:
//  - a notification of another channel is held here and delivered by the entry point once the
//    waiting handler has returned, so no notified() runs inside another;
//  - a protected call (or a child's fault) cannot wait: its caller is blocked on the reply. The
//    wait answers it in place through `serve`, which the entry point fills in with the
//    component's own hooks. A protected-call handler must therefore not wait itself: it would
//    hold its caller for as long, and the reply object it answers on is the one a wait receives
//    with (Microkit), so wait_for refuses there.
namespace kaal::detail {

// The component's own hooks, behind a context pointer: a wait is a blocking path, where one
// indirect call per message that arrives during it costs nothing that matters, and it keeps the
// backends' wait_for free of the component's type.
struct WaitHooks {
    void* component = nullptr;
    MessageInfo (*protected_call)(void* component, Channel, MessageInfo) = nullptr;
    std::optional<MessageInfo> (*fault)(void* component, Child, MessageInfo) = nullptr;

    [[nodiscard]] MessageInfo serve_call(Channel ch, MessageInfo msg) const {
        return protected_call != nullptr ? protected_call(component, ch, msg)
                                         : error_reply(Error::unsupported);
    }
    [[nodiscard]] std::optional<MessageInfo> serve_fault(Child child, MessageInfo msg) const {
        return fault != nullptr ? fault(component, child, msg) : std::nullopt;
    }
};

class HeldNotifications {
public:
    void hold(Word badge) { held_ |= badge; }
    // Takes the lowest channel of `mask` that has been held: a wait for it is over before it
    // starts, and the others stay held for the next wait or for delivery.
    std::optional<Channel> take_any(Word mask) {
        const Word held = held_ & mask;
        if (held == 0) {
            return std::nullopt;
        }
        const auto id = static_cast<unsigned>(std::countr_zero(held));
        held_ &= ~(Word{1} << id);
        return Channel{id};
    }

    // Called by the entry point after every handler: each held channel once, lowest first, as
    // libmicrokit's loop orders a badge. A handler run here may wait and hold more; those are
    // delivered in the same loop.
    template <typename Notified>
    void deliver(Notified&& notified) {
        while (held_ != 0) {
            const auto id = static_cast<unsigned>(std::countr_zero(held_));
            held_ &= held_ - 1;
            notified(Channel{id});
        }
    }

    bool in_protected_call = false;
    WaitHooks serve{};

private:
    Word held_ = 0;
};

// One per protection domain: a PD has one thread (Microkit manual, "Protection Domain"); a mock
// PD is a host thread.
#if defined(KAAL_PLATFORM_MOCK)
inline constinit thread_local HeldNotifications held_notifications{};
#else
inline constinit HeldNotifications held_notifications{};
#endif

} // namespace kaal::detail
