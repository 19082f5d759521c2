// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <kaal/dddk/bus.hpp>
#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/time/clock_page.hpp>
#include <kaal/services/time/time_hardware.hpp>
#include <kaal/services/time/time_service.hpp>

// The time service as a protection domain: it owns the board's timer (its IRQ) and RTC
// (time_hardware.hpp), publishes the clock page, and serves its clients' calls. Its configuration,
// written by the composer's TimeService building block (kaal/composer/time_service.hpp), names:
//
//   struct TimeClients {
//       static constexpr const kaal::Word* clock_page = &kaal_cfg_clock_page;
//       static constexpr const kaal::Word* rtc_regs = &kaal_cfg_rtc_regs; // virt; pc99: nullptr
//       static constexpr kaal::Channel timer_irq = config::timer_irq;
//       static constexpr std::array clients{
//           kaal::services::time::TimeClientConfig{&kaal_cfg_client_a_fired, client_a}, ...};
//   };
//
// A client's channel carries its calls (pp="true" on its end) and both signals: "timeouts
// fired" to the client, "room in my fired queue" from it. The service outranks its clients,
// so its init has published the clock page before any client's runs.
namespace kaal::services::time {

struct TimeClientConfig {
    const Word* fired_queue; // the client's fired queue's variable, as this PD maps it
    Channel channel;
};

template <typename Config>
class TimeServiceComponent {
    using Service = TimeService<Config::clients.size(), timeouts_per_client>;

public:
    void init() {
        const auto started = hardware_.start(Config::rtc_regs == nullptr ? 0 : *Config::rtc_regs);
        if (!started) {
            debug::print("time: the timer or the RTC did not start: ", started.error(), "\n");
            return;
        }
        const Ticks hz = started->hz;
        service_.emplace(TimeLimits{.max_horizon = hz * 366 * 24 * 3600, // a year, and a day
                                    .min_period = hz / 100'000 + 1});    // 10 us
        for (const TimeClientConfig& c : Config::clients) {
            // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the queue there
            auto* region = reinterpret_cast<void*>(*c.fired_queue);
            if (!service_->add_client(region, fired_queue_bytes).ok()) {
                debug::print("time: a client's fired queue is not mapped; not started\n");
                return;
            }
        }
        publish_clock(*started);
        hardware_.disarm();
        static_cast<void>(irq_ack(Config::timer_irq));
        ready_ = true;
    }

    void notified(Channel ch) {
        if (!ready_) {
            return;
        }
        // The timer's IRQ, or a client that made room in its fired queue: either way, fire what
        // is due, deliver what waits, and program the next deadline. The kernel masks an IRQ
        // from its delivery to its ack (seL4 manual, "Interrupt Delivery"), so the order matters:
        // - a level-triggered timer (the generic timer) is re-armed first, so that it has dropped
        //   its line when the ack unmasks it and does not interrupt again at once;
        // - an edge-triggered one (the HPET through the I/O APIC) is acked first: an I/O APIC
        //   ignores an edge on a masked pin (82093AA datasheet, the redirection table's mask bit;
        //   QEMU's ioapic.c does the same), so a deadline reached between a re-arm and the ack
        //   would interrupt no one and stop the clock.
        if (ch != Config::timer_irq) {
            run();
            return;
        }
        if constexpr (TimeHardware::irq_is_edge) {
            static_cast<void>(irq_ack(ch));
            run();
        } else {
            run();
            static_cast<void>(irq_ack(ch));
        }
    }

    MessageInfo protected_call(Channel ch, MessageInfo msg) {
        if (!ready_) {
            return error_reply(Error::unsupported);
        }
        unsigned caller = 0;
        while (caller < Config::clients.size() && Config::clients[caller].channel != ch) {
            ++caller;
        }
        const MessageInfo reply =
            service_->call(caller, msg, ipc::PlatformRegisters{}, hardware_.now());
        if (is_error_reply(reply) && worth_reporting(service_->rejected_calls(caller))) {
            debug::print("time: rejected call on channel ", ch.id(), " (label ", msg.label(),
                         ", length ", msg.length(), "): ", reply_error(reply), "; ",
                         service_->rejected_calls(caller), " from it so far\n");
        }
        run(); // a deadline already passed fires now; a new earliest one re-arms the timer
        return reply;
    }

private:
    void publish_clock(const HardwareStart& started) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the page there
        auto* page = reinterpret_cast<ClockPage*>(*Config::clock_page);
        page->counter_hz = started.hz;
        page->boot_counter = hardware_.now();
        page->realtime_at_boot_ns = started.rtc_seconds * 1'000'000'000U;
        page->rtc_resolution_ns = 1'000'000'000U;
        // Release: a client that sees the version sees every field above.
        __atomic_store_n(&page->version, clock_page_version, __ATOMIC_RELEASE);
        debug::print("time: counter at ", started.hz, " Hz; wall clock ", started.rtc_seconds,
                     " s since 1970 (UTC) from ", started.rtc_name, ", to the second\n");
    }

    // A timer that cannot interrupt for a deadline already reached (the HPET's comparator
    // matches on equality) says so, and the expiry runs again; bounded, as every loop here.
    void run() {
        for (unsigned round = 0; round < 64; ++round) {
            const ExpiryResult r = service_->expire(hardware_.now());
            for (std::size_t i = 0; i < Config::clients.size(); ++i) {
                if (((r.notify_clients >> i) & 1U) != 0) {
                    static_cast<void>(notify(Config::clients[i].channel));
                }
            }
            if (!r.next_deadline) {
                hardware_.disarm();
                return;
            }
            if (hardware_.arm(*r.next_deadline)) {
                return;
            }
        }
    }

    TimeHardware hardware_;
    std::optional<Service> service_;
    bool ready_ = false;
};

} // namespace kaal::services::time
