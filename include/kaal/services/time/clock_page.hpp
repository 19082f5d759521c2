// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <atomic>
#include <cstdint>

#include <kaal/platform/message.hpp>
#include <kaal/services/time/ticks.hpp>

// The page the time service publishes and every client maps read-only: how to turn the counter
// into nanoseconds, and the wall-clock time at a known count. Clients read it and the counter
// with no kernel entry. The service writes it once at start, before it answers a call, with
// `version` stored last with release; a client loads `version` with acquire, and a zero means
// the service has not started (the client library says so as an error).
namespace kaal::services::time {

struct ClockPage {
    std::uint64_t version;             // 1 once the fields below are valid
    std::uint64_t counter_hz;          // the counter's frequency (CNTFRQ_EL0, the HPET's period)
    std::uint64_t boot_counter;        // the count at which realtime_at_boot_ns was read
    std::uint64_t realtime_at_boot_ns; // the RTC's time at boot_counter, ns since 1970 (UTC)
    std::uint64_t rtc_resolution_ns;   // the RTC's resolution: the wall clock's accuracy bound
};

inline constexpr std::uint64_t clock_page_version = 1;

// Without overflow for any tick count a 64-bit counter reaches at <= 10 GHz (ticks.hpp).
constexpr std::uint64_t ticks_to_ns(std::uint64_t ticks, std::uint64_t hz) {
    return scaled(ticks, 1'000'000'000U, hz);
}
constexpr std::uint64_t ns_to_ticks(std::uint64_t ns, std::uint64_t hz) {
    return scaled(ns, hz, 1'000'000'000U);
}

inline const ClockPage* published(const ClockPage* page) {
    // Acquire: the fields are read after the version that says they are valid.
    const std::uint64_t v = __atomic_load_n(&page->version, __ATOMIC_ACQUIRE);
    return v == clock_page_version ? page : nullptr;
}

} // namespace kaal::services::time
