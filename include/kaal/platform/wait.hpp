// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/channel.hpp>
#include <kaal/platform/held_notifications.hpp>

// kaal::wait_for(Channel ch) blocks the calling handler until `ch` is notified, and is how a
// component written as a sequence (sleep, then act) lives in an event-driven PD;
// wait_for_any until one of several is, and says which (the lowest, if several were):
//
//   Status wait_for(Channel ch);
//   Result<Channel> wait_for_any(ChannelSet channels);
//
// The others of the set that were notified stay held: the next wait_for_any takes them at once,
// or the entry point delivers them after the handler, so none is lost between two waits.
// While it waits, protected calls and faults that arrive are answered in place with the
// component's own hooks, and notifications of other channels are held and delivered once the
// handler that waited returns (held_notifications.hpp says why). Errors: invalid_channel if
// nothing can notify `ch` (or one of the set, or the set is empty); illegal_operation inside a
// protected call, whose caller is blocked on the reply.
#if defined(KAAL_PLATFORM_MICROKIT)
#include <kaal/platform/microkit/wait.hpp>
#elif defined(KAAL_PLATFORM_RUNTIME)
#include <kaal/platform/runtime/wait.hpp>
#else
#include <kaal/platform/mock/wait.hpp>
#endif

namespace kaal {

inline Status wait_for(Channel ch) {
    const auto woke = wait_for_any(ChannelSet{ch});
    return woke ? Status{} : Status{woke.error()};
}

} // namespace kaal
