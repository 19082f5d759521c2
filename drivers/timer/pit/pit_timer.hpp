// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/dddk/bus.hpp>

// The 8254 programmable interval timer's counter 0 as a one-shot timer (Intel 82C54 CHMOS
// Programmable Interval Timer datasheet): the runtime root task's clock for restart back-offs.
// Ports, counted from 0x40: 0 is counter 0's data port, 3 the control word register. Counter 0's
// output drives ISA IRQ 0, which QEMU's `pc` machine and ACPI's interrupt source override put
// on I/O APIC pin 2 (the board table's IRQ).
//
// Mode 0, "interrupt on terminal count": writing the control word sets OUT low and stops the
// count; writing the initial count N (low byte, then high byte) starts it, and OUT goes high
// N + 1 clock pulses later and stays high until the next control word. So each shot gives the
// one rising edge the edge-triggered pin needs, and a shot never ends early.
namespace kaal::drivers::timer {

template <dddk::RegisterBus Bus>
class PitTimer {
public:
    static constexpr Word register_span = 4;
    static constexpr std::uint64_t hz = 1'193'182;     // the 8254's input clock on a PC
    static constexpr std::uint32_t max_count = 0xffff; // about 54.9 ms

    explicit PitTimer(Bus bus) : bus_(bus) {}

    // The count of a shot of at least `ns`, as long as one shot can be: a longer wait is made of
    // several shots.
    static constexpr std::uint16_t count_for(std::uint64_t ns) {
        const std::uint64_t whole_ms = ns / 1'000'000;
        if (whole_ms >= std::uint64_t{max_count} * 1000 / hz) {
            return max_count;
        }
        // ceil(ns * hz / 1e9), which fits in 64 bits below the limit just checked.
        const std::uint64_t count = (ns * hz + 999'999'999) / 1'000'000'000;
        return static_cast<std::uint16_t>(count == 0 ? 1 : count > max_count ? max_count : count);
    }

    // A shot of `count` clock pulses; an interrupt when it ends.
    void start(std::uint16_t count) {
        stop();
        bus_.template write<std::uint8_t>(counter0, static_cast<std::uint8_t>(count & 0xff));
        bus_.template write<std::uint8_t>(counter0, static_cast<std::uint8_t>(count >> 8));
    }

    // OUT low and the count stopped until start(): no interrupt, whatever mode the counter was
    // left in (the kernel calibrates its TSC against the PIT at boot).
    void stop() { bus_.template write<std::uint8_t>(control, counter0_mode0); }

private:
    static constexpr Word counter0 = 0;
    static constexpr Word control = 3;
    // SC = 00 counter 0, RW = 11 low byte then high byte, M = 000 mode 0, BCD = 0 binary.
    static constexpr std::uint8_t counter0_mode0 = 0x30;

    Bus bus_;
};

} // namespace kaal::drivers::timer
