// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#if !defined(__aarch64__)
#include <chrono>
#endif

// The system counter a client reads the time from, with no kernel entry: CNTPCT_EL0 on aarch64
// (exported to EL0 by the Microkit kernel: drivers/timer/arm_generic/README.md); the host's
// steady clock in mock mode, in nanoseconds. Runtime mode on x86_64 reads the HPET's main counter
// instead, which is not built yet.
namespace kaal::services::time {

inline std::uint64_t read_counter() {
#if defined(__aarch64__)
    std::uint64_t ticks = 0;
    // ISB: the read is not taken early, ahead of the code before it (ARM ARM D11.2.2).
    asm volatile("isb; mrs %0, cntpct_el0" : "=r"(ticks)::"memory");
    return ticks;
#elif defined(KAAL_PLATFORM_RUNTIME)
#error "kaal/services/time: the x86_64 counter (the HPET) is not built yet"
#else
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
#endif
}

} // namespace kaal::services::time
