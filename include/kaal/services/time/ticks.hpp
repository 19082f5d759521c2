// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

namespace kaal::services::time {

// The system counter's ticks (CNTPCT_EL0 on aarch64, the HPET's main counter on x86_64): 64 bits,
// which at any frequency a counter runs at does not wrap in the life of a machine.
using Ticks = std::uint64_t;

} // namespace kaal::services::time
