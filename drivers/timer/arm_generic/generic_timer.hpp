// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

// The ARM generic timer's EL1 physical timer, driven from EL0 (ARM ARM DDI 0487, D11 "The Generic
// Timer in AArch64 state"): the count CNTPCT_EL0, its frequency CNTFRQ_EL0, the compare value
// CNTP_CVAL_EL0 and the control CNTP_CTL_EL0 (ENABLE bit 0, IMASK bit 1, ISTATUS bit 2). The timer
// asserts its IRQ, PPI 14 = INTID 30, while it is enabled, not masked and CNTPCT >= CVAL: a level,
// which goes away when CVAL moves past the count or the timer is disabled.
//
// Why this timer: the Microkit 2.0.1 qemu_virt_aarch64 kernel runs at EL2 and ticks on the
// hypervisor timer (PPI 10); it exports the physical counter and timer to EL0
// (KernelArmExportPCNTUser, KernelArmExportPTMRUser: CNTKCTL_EL1.EL0PCTEN, EL0PTEN) and not the
// virtual ones. README.md has the facts and how they were checked.
//
// `Regs` is how the registers are reached: SystemRegisters below on the hardware, a model in the
// host tests.
namespace kaal::drivers::timer {

struct SystemRegisters {
#if defined(__aarch64__)
    static std::uint64_t counter() {
        std::uint64_t value = 0;
        // ISB: the read is not taken early, ahead of the code before it (ARM ARM D11.2.2).
        asm volatile("isb; mrs %0, cntpct_el0" : "=r"(value)::"memory");
        return value;
    }
    static std::uint64_t frequency() {
        std::uint64_t value = 0;
        asm volatile("mrs %0, cntfrq_el0" : "=r"(value));
        return value;
    }
    static void set_compare(std::uint64_t value) {
        asm volatile("msr cntp_cval_el0, %0" ::"r"(value) : "memory");
    }
    static void set_control(std::uint64_t value) {
        // ISB: the new control takes effect before anything that follows (the IRQ ack).
        asm volatile("msr cntp_ctl_el0, %0; isb" ::"r"(value) : "memory");
    }
    static std::uint64_t control() {
        std::uint64_t value = 0;
        asm volatile("mrs %0, cntp_ctl_el0" : "=r"(value));
        return value;
    }
#endif
};

template <typename Regs>
class GenericTimer {
public:
    static constexpr std::uint64_t enable = 1U << 0;
    static constexpr std::uint64_t imask = 1U << 1;
    static constexpr std::uint64_t istatus = 1U << 2;

    [[nodiscard]] std::uint64_t now() const { return Regs::counter(); }
    [[nodiscard]] std::uint64_t hz() const { return Regs::frequency(); }

    // Fires at `deadline`, or at once if it has passed: the condition is a comparison, so a
    // deadline in the past asserts the IRQ as soon as the timer is enabled.
    void arm(std::uint64_t deadline) {
        Regs::set_compare(deadline);
        Regs::set_control(enable);
    }
    // No deadline: the IRQ stays low.
    void disarm() { Regs::set_control(0); }
    // Whether the armed deadline has been reached (the condition the IRQ reports).
    [[nodiscard]] bool expired() const {
        const std::uint64_t ctl = Regs::control();
        return (ctl & enable) != 0 && (ctl & istatus) != 0;
    }
};

} // namespace kaal::drivers::timer
