// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/channel.hpp>
#include <kaal/platform/held_notifications.hpp>

// kaal::wait_for(Channel ch) blocks the calling handler until `ch` is notified, and is how a
// component written as a sequence (sleep, then act) lives in an event-driven PD:
//
//   Status wait_for(Channel ch);
//
// While it waits, protected calls and faults that arrive are answered in place with the
// component's own hooks, and notifications of other channels are held and delivered once the
// handler that waited returns (held_notifications.hpp says why). Errors: invalid_channel if
// nothing can notify `ch`; illegal_operation inside a protected call, whose caller is blocked on
// the reply.
#if defined(KAAL_PLATFORM_MICROKIT)
#include <kaal/platform/microkit/wait.hpp>
#elif defined(KAAL_PLATFORM_RUNTIME)
#include <kaal/platform/runtime/wait.hpp>
#else
#include <kaal/platform/mock/wait.hpp>
#endif
