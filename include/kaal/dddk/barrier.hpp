// SPDX-License-Identifier: BSD-2-Clause
#pragma once

// Ordering between device accesses and ordinary memory, for drivers.
//
// What needs no barrier. A `volatile` access (bus.hpp) is emitted exactly once, at its width,
// and never reordered by the compiler with other volatile accesses. On AArch64 Microkit maps a
// region with cached="false" without seL4_ARM_PageCacheable, and seL4 gives such a user mapping
// the Device-nGnRnE memory type (seL4 src/arch/arm/64/kernel/vspace.c). Accesses to Device
// memory that is non-Reordering ("nR") reach one peripheral in program order (ARM ARM, "Device
// memory"), and "nE" means a write is acknowledged by the device itself, not by a buffer on the
// way. So a driver that only talks to its registers, like the PL011 driver, needs no barrier.
// On x86-64, uncached MMIO and port I/O are strongly ordered (Intel SDM vol. 3A, 8.2.2 "Memory
// ordering in P6 and more recent processor families"), so only the compiler must be stopped.
//
// What does. Device accesses are *not* ordered against accesses to Normal (cacheable) memory, and
// the compiler may move ordinary loads and stores across a volatile access. Both matter when the
// device reads or writes memory by DMA:
//   - before the register write that hands a buffer to the device (a doorbell, "kick DMA"), the
//     buffer and descriptor stores must be visible to the device: io_write_barrier();
//   - after a register read that says the device finished writing memory (a status bit), the
//     buffer loads must not be satisfied early: io_read_barrier().
// io_completion_barrier() additionally waits until earlier accesses have completed, e.g. before
// a write that would make the device reset, or before telling another agent the device is idle.
// Shared-memory queues between protection domains are ordered by their own atomics
// (kaal/ipc/ring_buffer.hpp) and need none of these.
namespace kaal::dddk {

// No instruction: stops the compiler from moving memory accesses across this point.
inline void compiler_barrier() {
    __asm__ __volatile__("" ::: "memory");
}

// Normal-memory stores before it are observable by devices before device writes after it.
// AArch64: DMB OSHST, the outer-shareable store barrier (what Linux's writel() puts before the
// store for the same reason). x86-64: stores are not reordered with other stores (SDM 8.2.2).
inline void io_write_barrier() {
#if defined(__aarch64__)
    __asm__ __volatile__("dmb oshst" ::: "memory");
#else
    compiler_barrier();
#endif
}

// Device reads before it complete before normal-memory reads after it. AArch64: DMB OSHLD.
// x86-64: loads are not reordered with other loads (SDM 8.2.2).
inline void io_read_barrier() {
#if defined(__aarch64__)
    __asm__ __volatile__("dmb oshld" ::: "memory");
#else
    compiler_barrier();
#endif
}

// Every access before it has completed before any access after it begins. AArch64: DSB SY.
// x86-64: MFENCE.
inline void io_completion_barrier() {
#if defined(__aarch64__)
    __asm__ __volatile__("dsb sy" ::: "memory");
#elif defined(__x86_64__)
    __asm__ __volatile__("mfence" ::: "memory");
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

} // namespace kaal::dddk
