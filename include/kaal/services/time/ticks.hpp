// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

namespace kaal::services::time {

// The counter clients read (counter.hpp: CNTPCT_EL0 on aarch64, the TSC on x86_64): 64 bits,
// which at any frequency a counter runs at does not wrap in the life of a machine.
using Ticks = std::uint64_t;

// value * num / den, rounded down, without the product overflowing: whole multiples of `den`
// and the remainder apart, exact while (den - 1) * num fits in 64 bits (a rate up to 10 GHz
// against nanoseconds does).
constexpr std::uint64_t scaled(std::uint64_t value, std::uint64_t num, std::uint64_t den) {
    return value / den * num + value % den * num / den;
}

} // namespace kaal::services::time
