// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>
#include <optional>

#include <kaal/core/result.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/services/time/counter.hpp>
#include <kaal/services/time/ticks.hpp>

#if defined(__aarch64__)
#include "generic_timer.hpp"
#include "pl031.hpp"
#else
#include <kaal/broker/granted_resources.hpp>
#include <kaal/dddk/port_io_bus.hpp>
#include <kaal/platform/runtime/io_port.hpp>

#include "cmos_rtc.hpp"
#include "hpet_timer.hpp"
#endif

// What the time service needs of the board, one class per board, chosen at compile time:
//   start()   the counter's rate, and the RTC's seconds since 1970 (UTC) at start
//   now()     the counter clients read too (counter.hpp)
//   arm(t)    an interrupt when now() reaches t; false if it is already there (fire now)
//   disarm()  no interrupt
//   irq_is_edge  whether the timer's IRQ is an edge, which decides when the service acks it
// QEMU virt (Microkit): the generic timer and the PL031, whose registers the description maps
// (`Config::rtc_regs`). pc99 (runtime): the TSC, which clients read, calibrated against the HPET,
// whose timer 0 interrupts (device grant 0), and the CMOS RTC (device grant 1).
namespace kaal::services::time {

struct HardwareStart {
    Ticks hz;
    std::uint64_t rtc_seconds;
    const char* rtc_name;
};

#if defined(__aarch64__)

class TimeHardware {
public:
    // The timer's PPI is level-sensitive: it stays asserted while the deadline has passed and
    // the timer is enabled (Arm ARM, "The Generic Timer": CNTP_CTL_EL0.ISTATUS), so it is
    // re-armed before the IRQ is acked.
    static constexpr bool irq_is_edge = false;

    Result<HardwareStart> start(Word rtc_regs) {
        auto bus = dddk::MmioBus::create({0, rtc_regs, drivers::rtc::Pl031::register_span},
                                         drivers::rtc::Pl031::register_span);
        if (!bus) {
            return bus.error();
        }
        KAAL_TRY(const std::uint32_t seconds, drivers::rtc::read_seconds(*bus));
        return HardwareStart{timer_.hz(), seconds, "the PL031"};
    }
    [[nodiscard]] Ticks now() const { return read_counter(); }
    bool arm(Ticks deadline) {
        timer_.arm(deadline); // the generic timer compares >=: a passed deadline fires at once
        return true;
    }
    void disarm() { timer_.disarm(); }

private:
    drivers::timer::GenericTimer<drivers::timer::SystemRegisters> timer_;
};

#else

class TimeHardware {
public:
    // The HPET's timer 0 is edge-triggered (one-shot), and the root task asks seL4 for its
    // I/O APIC pin as edge-triggered (cap_ops_sel4.hpp, IRQControl_GetIOAPIC's level 0).
    static constexpr bool irq_is_edge = true;

    Result<HardwareStart> start(Word) {
        KAAL_TRY(const DeviceBundle hpet, granted_device(*runtime::start_info, 0));
        KAAL_TRY(const auto mmio,
                 dddk::MmioBus::create(hpet.mmio, drivers::timer::HpetTimer::register_span));
        KAAL_TRY(const DeviceBundle cmos, granted_device(*runtime::start_info, 1));
        KAAL_TRY(const auto ports,
                 Ports::create(cmos.io_ports, drivers::rtc::CmosRtc<Ports>::register_span,
                               runtime::Sel4PortIoOps{cmos.io_ports.cap.cptr()}));
        hpet_.emplace(mmio);
        hpet_hz_ = hpet_->start();
        if (hpet_hz_ == 0) {
            return Error::no_such_device;
        }
        // The TSC's rate, against 10 ms of the HPET.
        const Ticks tsc0 = read_counter();
        const std::uint64_t hpet0 = hpet_->counter();
        std::uint64_t hpet1 = hpet0;
        while (hpet1 - hpet0 < hpet_hz_ / 100) {
            hpet1 = hpet_->counter();
        }
        const Ticks tsc1 = read_counter();
        tsc_hz_ = scaled(tsc1 - tsc0, hpet_hz_, hpet1 - hpet0);
        const drivers::rtc::CmosRtc<Ports> rtc{ports};
        KAAL_TRY(const std::uint64_t seconds, rtc.read_seconds());
        return HardwareStart{tsc_hz_, seconds, "the CMOS RTC"};
    }
    [[nodiscard]] Ticks now() const { return read_counter(); }
    bool arm(Ticks deadline) {
        const Ticks now_tsc = now();
        const std::uint64_t ahead =
            deadline > now_tsc ? scaled(deadline - now_tsc, hpet_hz_, tsc_hz_) : 0;
        return ahead != 0 && hpet_->arm(hpet_->counter() + ahead);
    }
    void disarm() { hpet_->disarm(); }

private:
    using Ports = dddk::PortIoBus<runtime::Sel4PortIoOps>;

    std::optional<drivers::timer::HpetTimer> hpet_;
    std::uint64_t hpet_hz_ = 0;
    Ticks tsc_hz_ = 0;
};

#endif

} // namespace kaal::services::time
