// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>

#include <kaal/ipc/message_codec.hpp>

// The time service's protected calls. Reading the time is not one of them: a client reads the
// counter itself and converts with the clock page (clock_page.hpp); a call only arms or cancels
// a timeout. Deadlines are counter ticks (absolute); a relative timeout is now() + delta, done by
// the client library. A fired timeout's cookie, chosen by the client, arrives in the client's
// fired queue (fired_queue.hpp) with a notification, so the client learns which timeouts fired
// without another call.
namespace kaal::services::time {

// The most timeouts one client may hold armed at once (one-shots count until delivered): the
// limit that keeps one client from starving the others of the service's memory.
inline constexpr std::size_t timeouts_per_client = 128;

// The id the service gives an armed timeout, for Cancel; unique among the client's own.
struct TimeoutId {
    Word id;
};

// Arms a timeout for `deadline` ticks; `period` 0 for one-shot, else it re-arms itself every
// `period` ticks after each expiry until cancelled. A deadline already passed fires at once.
// Errors: range_error for a deadline beyond what the service accepts (further than
// max_horizon_ticks from now), or a period below min_period_ticks; out_of_slots when the client
// holds its limit of timeouts.
struct SetTimeout {
    static constexpr Word label = 1;
    using Reply = TimeoutId;
    Word cookie;
    Word deadline;
    Word period;
};

// Disarms a timeout; after the reply it will never fire. invalid_argument if the id is not an
// armed timeout of this client (one that fired, was cancelled, or never was).
struct CancelTimeout {
    static constexpr Word label = 2;
    using Reply = ipc::EmptyPayload;
    Word id;
};

using TimeProtocol = ipc::Protocol<SetTimeout, CancelTimeout>;

} // namespace kaal::services::time
