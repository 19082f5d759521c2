// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#if !defined(__aarch64__)
#include <chrono>
#endif

// Time for the throughput measurement: the ARM generic timer's counter. The Microkit SDK's
// qemu_virt_aarch64 kernel is configured with KernelArmExportPCNTUser on and
// KernelArmExportVCNTUser off (board/qemu_virt_aarch64/*/include/kernel/gen_config.h), so EL0
// may read the physical count CNTPCT_EL0 but not the virtual one; CNTFRQ_EL0 gives its rate
// (ARM ARM, D11 "The Generic Timer in AArch64 state"). On the host (mock mode) the steady
// clock stands in.
namespace composition {

inline std::uint64_t counter_ticks() {
#if defined(__aarch64__)
    std::uint64_t ticks = 0;
    // ISB: the read is not hoisted above earlier work (ARM ARM, "Ordering and the counter").
    asm volatile("isb; mrs %0, cntpct_el0" : "=r"(ticks)::"memory");
    return ticks;
#else
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

inline std::uint64_t counter_hz() {
#if defined(__aarch64__)
    std::uint64_t hz = 0;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(hz));
    return hz;
#else
    return std::chrono::steady_clock::period::den / std::chrono::steady_clock::period::num;
#endif
}

} // namespace composition
