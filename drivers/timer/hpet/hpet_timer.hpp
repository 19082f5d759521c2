// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/dddk/bus.hpp>

// The HPET's main counter and timer 0 as the time service drives them (IA-PC HPET specification
// 1.0a): 2.3.4 the capabilities (the counter's period in femtoseconds, bits 63:32), 2.3.5 the
// configuration (ENABLE_CNF bit 0 runs the counter; LEG_RT_CNF bit 1 routes timer 0 to ISA IRQ 0,
// I/O APIC pin 2, which is the board table's IRQ), 2.3.7 the main counter, 2.3.8-9 timer 0's
// configuration (Tn_INT_ENB_CNF bit 2; edge-triggered, one-shot) and comparator.
//
// A comparator fires when the counter *equals* it (2.3.9.2.1), not when it passes it: a deadline
// written after the counter went by would fire only after the counter wraps. arm() therefore says
// whether the counter may already be at or past the deadline, and the service then runs its
// expiry itself instead of waiting for an IRQ that will not come.
namespace kaal::drivers::timer {

class HpetTimer {
public:
    static constexpr Word register_span = 0x110;

    explicit HpetTimer(dddk::MmioBus bus) : bus_(bus) {}

    // Starts the counter and timer 0's interrupt; the counter's frequency in Hz.
    std::uint64_t start() {
        const std::uint64_t period_fs = bus_.read<std::uint32_t>(capabilities_high);
        bus_.write<std::uint32_t>(timer0_config, timer0_interrupt);
        bus_.write<std::uint32_t>(configuration,
                                  bus_.read<std::uint32_t>(configuration) | enable | legacy_route);
        return period_fs == 0 ? 0 : 1'000'000'000'000'000U / period_fs;
    }

    // The 64-bit count from two 32-bit halves: the high half read again until it did not change
    // while the low half was read.
    [[nodiscard]] std::uint64_t counter() const {
        for (;;) {
            const std::uint32_t high = bus_.read<std::uint32_t>(main_counter + 4);
            const std::uint32_t low = bus_.read<std::uint32_t>(main_counter);
            if (bus_.read<std::uint32_t>(main_counter + 4) == high) {
                return (std::uint64_t{high} << 32) | low;
            }
        }
    }

    // Interrupts at `deadline`; false if the counter is already there (the caller fires what is
    // due itself: the comparator matches on equality only).
    bool arm(std::uint64_t deadline) {
        bus_.write<std::uint32_t>(timer0_config, timer0_interrupt);
        bus_.write<std::uint32_t>(timer0_comparator + 4,
                                  static_cast<std::uint32_t>(deadline >> 32));
        bus_.write<std::uint32_t>(timer0_comparator, static_cast<std::uint32_t>(deadline));
        return counter() < deadline;
    }

    void disarm() { bus_.write<std::uint32_t>(timer0_config, 0); }

private:
    static constexpr Word capabilities_high = 0x004;
    static constexpr Word configuration = 0x010;
    static constexpr Word main_counter = 0x0f0;
    static constexpr Word timer0_config = 0x100;
    static constexpr Word timer0_comparator = 0x108;
    static constexpr std::uint32_t enable = 1U << 0;
    static constexpr std::uint32_t legacy_route = 1U << 1;
    static constexpr std::uint32_t timer0_interrupt = 1U << 2; // edge, one-shot, 64-bit

    dddk::MmioBus bus_;
};

} // namespace kaal::drivers::timer
