// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include <kaal/core/result.hpp>
#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/platform/wait.hpp>
#include <kaal/services/time/clock_page.hpp>
#include <kaal/services/time/counter.hpp>
#include <kaal/services/time/fired_queue.hpp>
#include <kaal/services/time/ticks.hpp>
#include <kaal/services/time/time_protocol.hpp>

// A component's end of the time service (time_service.hpp). Reading the time is a counter read
// and a conversion with the published clock page: no kernel entry. Arming or cancelling a
// timeout is one protected call. Fired timeouts arrive in the fired queue with a notification
// on the service's channel; drain() hands each to the caller. The names come from the client's
// configuration, which the composer's TimeService building block generates:
//
//   std::optional<TimeClient> time_;
//   TimeClient::attach(time_, config::time_clock, config::time_fired, config::time);
//   time_->after(cookie, 5'000'000);                       // 5 ms from now
//   void notified(Channel ch) { if (ch == config::time) time_->drain(on_fired); }
//
// As with every queue: drain once at start, and on every notification of the channel.
//
// sleep_for blocks the handler that calls it instead (kaal/platform/wait.hpp: calls are still
// answered meanwhile, other notifications held until the handler returns):
//
//   time_->sleep_for(50'000'000);                          // 50 ms
namespace kaal::services::time {

class TimeClient {
public:
    static Status attach(std::optional<TimeClient>& into, Word clock_page, Word fired_queue,
                         Channel service) {
        if (clock_page == 0 || fired_queue == 0 || clock_page % alignof(ClockPage) != 0) {
            return Error::invalid_argument;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the page there
        const auto* page = published(reinterpret_cast<const ClockPage*>(clock_page));
        if (page == nullptr) {
            return Error::unsupported; // the service has not published the clock yet
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): and the queue there
        KAAL_TRY(auto ring, FiredRing::attach(reinterpret_cast<void*>(fired_queue),
                                              fired_queue_bytes, fired_queue_capacity));
        // In place: a TimeClient holds a sleep's kept entries (5 KiB), more than a Microkit PD's
        // 4 KiB stack could take as a temporary.
        into.emplace(Attached(), *page, ring, service);
        return {};
    }

    [[nodiscard]] Ticks now() const { return read_counter(); }
    [[nodiscard]] Ticks hz() const { return clock_.counter_hz; }
    // Monotonic nanoseconds since the service started.
    [[nodiscard]] std::uint64_t monotonic_ns() const {
        return ticks_to_ns(now() - clock_.boot_counter, clock_.counter_hz);
    }
    // Wall-clock nanoseconds since 1970 (UTC): the RTC at boot plus the monotonic time since.
    [[nodiscard]] std::uint64_t realtime_ns() const {
        return clock_.realtime_at_boot_ns + monotonic_ns();
    }
    [[nodiscard]] Ticks ticks_in(std::uint64_t ns) const {
        return ns_to_ticks(ns, clock_.counter_hz);
    }

    // A timeout at `deadline` ticks (period 0: one-shot), reported with `cookie`.
    Result<TimeoutId> at(Word cookie, Ticks deadline, Ticks period = 0) {
        return ipc::call(service_, SetTimeout{cookie, deadline, period});
    }
    // A timeout `ns` from now.
    Result<TimeoutId> after(Word cookie, std::uint64_t ns, std::uint64_t period_ns = 0) {
        return at(cookie, now() + ticks_in(ns), ticks_in(period_ns));
    }
    Status cancel(TimeoutId id) {
        auto done = ipc::call(service_, CancelTimeout{id.id});
        return done ? Status{} : Status{done.error()};
    }

    // Blocks the calling handler until `ns` from now, or until the absolute `deadline`, with a
    // one-shot timeout of its own. The client's other timeouts that fire meanwhile are kept, in
    // order, for the next drain(), and the service's notification is held so that notified()
    // runs once the handler returns. Errors: SetTimeout's (range_error, out_of_slots: the sleep
    // needs one of the client's timeouts), and wait_for's: illegal_operation in a protected call.
    Status sleep_for(std::uint64_t ns) { return sleep_until(now() + ticks_in(ns)); }
    Status sleep_until(Ticks deadline) {
        if (kaal::detail::held_notifications.in_protected_call) {
            return Error::illegal_operation;
        }
        KAAL_TRY(const TimeoutId sleep, at(0, deadline));
        for (;;) {
            bool woke = false;
            take_fired([&](const FiredTimeout& fired) {
                if (fired.id == sleep.id) {
                    woke = true;
                } else {
                    keep(fired);
                }
            });
            if (woke) {
                // The signal that ended the sleep used up the request for one: ask again, as a
                // drain ends, or a timeout firing later would never be signalled. Entries kept,
                // or arrived meanwhile, are notified()'s once the handler returns.
                if (!ring_.consumer_may_sleep() || kept_count_ != 0) {
                    kaal::detail::held_notifications.hold(Word{1} << service_.id());
                }
                return {};
            }
            if (!ring_.consumer_may_sleep()) {
                continue;
            }
            if (const auto waited = wait_for(service_); !waited) {
                static_cast<void>(cancel(sleep));
                return waited;
            }
        }
    }

    // Hands every fired timeout to `on_fired(const FiredTimeout&)` (first those a sleep kept)
    // and returns once the queue is empty after asking for a signal; tells the service when it
    // waited for room.
    template <typename OnFired>
    void drain(OnFired&& on_fired) {
        for (std::size_t i = 0; i < kept_count_; ++i) {
            on_fired(kept_[i]);
        }
        kept_count_ = 0;
        do {
            take_fired(on_fired);
        } while (!ring_.consumer_may_sleep());
    }

    // For attach() alone, which alone can make an Attached: public only for optional::emplace.
    class Attached {
        explicit Attached() = default;
        friend class TimeClient;
    };
    TimeClient(Attached /*unused*/, const ClockPage& clock, const FiredRing& ring, Channel service)
        : clock_(clock), ring_(ring), service_(service) {}

private:
    // Every entry in the fired queue to `each`; then the service is told if it waited for room.
    template <typename Each>
    void take_fired(Each&& each) {
        bool popped = false;
        while (auto fired = ring_.pop()) {
            each(*fired);
            popped = true;
        }
        if (popped && ring_.producer_needs_signal()) {
            static_cast<void>(notify(service_));
        }
    }

    // A periodic timeout that fires again while a sleep keeps its first entry gathers overruns,
    // as in the service's own backlog, so one entry per armed timeout is all a sleep keeps: the
    // client holds at most timeouts_per_client, and kept_ cannot overflow.
    void keep(const FiredTimeout& fired) {
        for (std::size_t i = 0; i < kept_count_; ++i) {
            if (kept_[i].id == fired.id) {
                kept_[i].overruns += 1 + fired.overruns;
                return;
            }
        }
        if (kept_count_ < kept_.size()) {
            kept_[kept_count_++] = fired;
        }
    }

    ClockPage clock_; // a copy: it does not change after the service published it
    FiredRing ring_;
    Channel service_;
    std::array<FiredTimeout, timeouts_per_client> kept_{};
    std::size_t kept_count_ = 0;
};

} // namespace kaal::services::time
