// SPDX-License-Identifier: BSD-2-Clause
// The operating-system half of KaaL's lwIP port. With NO_SYS=1 lwIP needs only a millisecond
// clock (sys_now, lwip/sys.h); arch/cc.h adds diagnostics, assertions and random numbers.
#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include <kaal/core/siphash.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/time/counter.hpp>
#include <kaal/services/time/ticks.hpp>

#include "arch/cc.h"
#include "kaal_lwip_hooks.h"
#include "lwip/sys.h"

namespace {

using kaal::services::time::read_counter;

// The counter's rate in Hz. On AArch64 CNTFRQ_EL0, which the firmware sets once at boot and
// which EL0 may read whenever CNTKCTL_EL1.EL0PCTEN lets it read CNTPCT_EL0 (Arm ARM, the
// CNTFRQ_EL0 register description), as the Microkit kernel does (drivers/timer/arm_generic):
// so no kernel entry, and no dependency on the time service's clock page, which would tie every
// network client to a time service it may not otherwise use. In mock mode read_counter()
// counts nanoseconds of the host's steady clock (counter.hpp).
std::uint64_t read_counter_hz() {
#if defined(__aarch64__)
    std::uint64_t hz = 0;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(hz));
    return hz;
#elif defined(KAAL_PLATFORM_MOCK)
    return 1'000'000'000;
#else
// Runtime mode's TSC rate is known to the time service alone; lwIP is not built there.
#error "sys_now: no counter frequency for this platform"
#endif
}

std::uint64_t counter_hz() {
    // Read once: the rate does not change after boot.
    static const std::uint64_t hz = read_counter_hz();
    if (hz == 0) {
        kaal_lwip_assert("the system counter's frequency (CNTFRQ_EL0) is 0", __FILE__, __LINE__);
    }
    return hz;
}

// SplitMix64 (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number Generators",
// OOPSLA 2014): a Weyl sequence through a 64-bit finaliser. The counter is added in at every
// draw, so numbers drawn at different times differ even from one seed.
std::uint64_t rand_state = 0;

std::uint64_t splitmix64(std::uint64_t& state) {
    state += 0x9e3779b97f4a7c15U;
    std::uint64_t z = state;
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9U;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebU;
    return z ^ (z >> 31U);
}

// RFC 6528's secret, set when a stack starts (LwipStack::start).
kaal::SipHashKey isn_key{};

} // namespace

extern "C" {

u32_t sys_now(void) {
    // Milliseconds, truncated to 32 bits: lwIP compares times only as differences, which wrap
    // correctly (lwip/sys.h: "Don't care for wraparound").
    return static_cast<u32_t>(kaal::services::time::scaled(read_counter(), 1000, counter_hz()));
}

void kaal_lwip_diag(const char* format_string, ...) {
    // picolibc's vsnprintf (the host's in mock mode): one line of lwIP's debug output is short,
    // and a longer one is cut, never overrun.
    std::array<char, 160> line{};
    std::va_list args;
    va_start(args, format_string);
    static_cast<void>(std::vsnprintf(line.data(), line.size(), format_string, args));
    va_end(args);
    kaal::debug::put(line.data());
}

void kaal_lwip_assert(const char* message, const char* file, int line) {
    kaal::debug::print("lwip: assertion \"", message, "\" failed at ", file, ":", line, "\n");
    __builtin_trap();
}

uint32_t kaal_lwip_rand(void) {
    rand_state += read_counter();
    return static_cast<std::uint32_t>(splitmix64(rand_state) >> 32U);
}

void kaal_lwip_rand_seed(uint64_t seed) {
    rand_state ^= splitmix64(seed);
}

void kaal_lwip_isn_key(const uint8_t key[16]) {
    std::copy(key, key + isn_key.size(), isn_key.begin());
}

u32_t kaal_lwip_tcp_isn(const ip_addr_t* local_ip, u16_t local_port, const ip_addr_t* remote_ip,
                        u16_t remote_port) {
    // F's input: the connection's four values, addresses as they travel (network order).
    std::array<std::uint8_t, 12> tuple{};
    const std::uint32_t local = ip4_addr_get_u32(ip_2_ip4(local_ip));
    const std::uint32_t remote = ip4_addr_get_u32(ip_2_ip4(remote_ip));
    std::memcpy(tuple.data(), &local, 4);
    std::memcpy(tuple.data() + 4, &remote, 4);
    tuple[8] = static_cast<std::uint8_t>(local_port >> 8U);
    tuple[9] = static_cast<std::uint8_t>(local_port);
    tuple[10] = static_cast<std::uint8_t>(remote_port >> 8U);
    tuple[11] = static_cast<std::uint8_t>(remote_port);
    // M: "a timer that is incremented every 4 microseconds" (RFC 6528 section 3), so a
    // connection reopened on the same four values starts past the old one's numbers.
    const auto m = static_cast<std::uint32_t>(
        kaal::services::time::scaled(read_counter(), 250'000, counter_hz()));
    return m + static_cast<std::uint32_t>(kaal::siphash24(isn_key, tuple));
}

} // extern "C"
