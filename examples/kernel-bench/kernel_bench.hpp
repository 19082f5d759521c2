// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/time/counter.hpp>

// What the kernel-bench PDs agree on: how many rounds each measurement runs, the address the
// faulter touches, and how a figure is printed. Every figure is a counter difference over many
// rounds, converted to guest nanoseconds; under QEMU's -icount shift=0 one guest nanosecond is
// one guest instruction (bench/ipc/run-icount.sh kernel-bench).
namespace kernel_bench {

// Enough that a counter tick (16 ns on QEMU virt's 62.5 MHz counter) is lost in the mean.
constexpr std::uint64_t rounds = 20'000;

// Mapped in no PD, in either mode: above everything the composer places (below 1 GiB, the
// images from 1 GiB: kaal::composer::System::image_base) and below the Microkit stack at 1 TiB.
constexpr std::uint64_t unmapped_address = 0x80'0000'0000;

// The faulting load's length, which the fault's handler skips: every AArch64 instruction is 4
// bytes; on x86-64 the faulter encodes `mov (%rax), %rax` by hand (48 8b 00) so it is 3.
#if defined(__aarch64__)
constexpr std::uint64_t faulting_load_bytes = 4;
#else
constexpr std::uint64_t faulting_load_bytes = 3;
#endif

// The faulter's handler in both modes (the bench PD's fault() on Microkit, the root task's
// resolve_fault in runtime mode): if the fault is the faulter's load, moves the thread's fault
// IP past it, which is where the kernel resumes it once the fault is replied to (seL4 manual,
// "Faults"). The first register of seL4_UserContext is the PC (sel4_arch/types.h), written
// alone, so the rest stay as the fault left them. False: another fault, or the write failed.
inline bool skip_faulting_load(seL4_CPtr tcb, seL4_Word label, seL4_Word address,
                               seL4_Word fault_ip) {
    if (label != seL4_Fault_VMFault || address != unmapped_address) {
        return false;
    }
    seL4_UserContext regs{};
#if defined(__aarch64__)
    regs.pc = fault_ip + faulting_load_bytes;
#else
    regs.rip = fault_ip + faulting_load_bytes;
#endif
    return seL4_TCB_WriteRegisters(tcb, seL4_False, 0, 1, &regs) == seL4_NoError;
}

// Guest nanoseconds per counter tick, as tenths: CNTFRQ_EL0 gives the generic timer's rate
// (ARM ARM D11.2.1). The TSC's rate has no register; under -icount QEMU's TSC counts guest
// nanoseconds (its cpu_get_tsc follows the virtual clock), so a tick is 1 ns there.
inline std::uint64_t tenth_ns_per_tick() {
#if defined(__aarch64__)
    std::uint64_t hz = 0;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(hz));
    return hz == 0 ? 0 : 10'000'000'000ULL / hz;
#else
    return 10;
#endif
}

// "kernel-bench: <what>: <n> in <ticks> counter ticks, <x.y> ns each", the line
// bench/ipc/run-icount.sh collects and tests/boot/kernel-bench.expect checks.
inline void report(const char* what, std::uint64_t n, std::uint64_t ticks) {
    const std::uint64_t tenths = ticks * tenth_ns_per_tick() / n;
    kaal::debug::print("kernel-bench: ", what, ": ", n, " in ", ticks, " counter ticks, ",
                       tenths / 10, ".", tenths % 10, " ns each\n");
}

} // namespace kernel_bench
