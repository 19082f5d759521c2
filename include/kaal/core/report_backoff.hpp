// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

// How KaaL reports a condition that may repeat without end (a peer's corrupt indices, rejected
// calls, forged fault messages, receive overruns): on the 1st, 2nd, 4th, 8th... occurrence. The
// n-th occurrence costs a report only log2(n) times, so whoever causes it cannot flood the
// console that reports it, and exact counts stay in the reporter's statistics.
namespace kaal {

constexpr bool worth_reporting(std::uint64_t count) {
    return count != 0 && (count & (count - 1)) == 0;
}

} // namespace kaal
