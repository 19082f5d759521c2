// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/ipc/ring_buffer.hpp>
#include <kaal/platform/message.hpp>

// What a client learns of its fired timeouts: one entry per expiry in a ring in a 4 KiB region
// shared with the time service, which pushes; the client pops (the client library's drain). The
// ring's notification suppression (ring_buffer.hpp) decides when the service signals.
namespace kaal::services::time {

struct FiredTimeout {
    Word cookie;   // the client's, from SetTimeout
    Word id;       // the service's, from SetTimeout's reply
    Word deadline; // the deadline it fired for, in ticks
    Word fired_at; // the counter when the service fired it: fired_at - deadline is the lateness
    Word overruns; // periodic: periods that passed while this entry waited
};

using FiredRing = ipc::RingBuffer<FiredTimeout>;

inline constexpr ipc::RingIndex fired_queue_capacity = 64;
inline constexpr std::size_t fired_queue_bytes = 0x1000;
static_assert(FiredRing::region_size(fired_queue_capacity) <= fired_queue_bytes);

} // namespace kaal::services::time
