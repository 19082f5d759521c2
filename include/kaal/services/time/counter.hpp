// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#if !defined(__aarch64__)
#include <chrono>
#endif

// The system counter a client reads the time from, with no kernel entry: CNTPCT_EL0 on aarch64
// (exported to EL0 by the Microkit kernel: drivers/timer/arm_generic/README.md), the TSC in
// runtime mode on x86_64, the host's steady clock in mock mode (in nanoseconds).
namespace kaal::services::time {

inline std::uint64_t read_counter() {
#if defined(__aarch64__)
    std::uint64_t ticks = 0;
    // ISB: the read is not taken early, ahead of the code before it (ARM ARM D11.2.2).
    asm volatile("isb; mrs %0, cntpct_el0" : "=r"(ticks)::"memory");
    return ticks;
#elif defined(KAAL_PLATFORM_RUNTIME) && defined(__x86_64__)
    // The TSC, which seL4 leaves readable at user level (CR4.TSD clear); the time service
    // publishes its rate, calibrated against the HPET. LFENCE: the read is not taken early
    // (Intel SDM vol. 2B, RDTSC).
    std::uint32_t low = 0;
    std::uint32_t high = 0;
    asm volatile("lfence; rdtsc" : "=a"(low), "=d"(high)::"memory");
    return (std::uint64_t{high} << 32) | low;
#else
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
#endif
}

} // namespace kaal::services::time
