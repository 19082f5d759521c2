// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <kaal/core/report_backoff.hpp>
#include <kaal/core/result.hpp>
#include <kaal/ipc/ring_buffer.hpp>
#include <kaal/services/time/fired_queue.hpp>
#include <kaal/services/time/time_protocol.hpp>
#include <kaal/services/time/timeout_queue.hpp>

// The time service's logic, platform-independent: many clients, each with up to `PerClient`
// outstanding timeouts (one-shot or periodic, cancellable) in one TimeoutQueue, so setting,
// cancelling and firing cost O(log n) in the number pending. The component
// (services/time/time_service_pd.cpp) gives it the timer and the channels.
//
// A fired timeout goes into its client's fired queue with a notification. If that queue is full
// (the client is not draining it) the fired timeout waits in the client's own backlog, which
// can hold every timeout the client may have, so nothing is lost and the other clients' expiries
// go on; a periodic timeout that fires again meanwhile is counted as an overrun of the waiting
// entry instead of a second one. A one-shot timeout counts against its client's limit until its
// entry is in the fired queue, so armed and waiting together never exceed PerClient: a client
// costs the service at most that much memory and work, whatever it asks.
namespace kaal::services::time {

struct TimeLimits {
    Ticks max_horizon; // the furthest ahead a deadline may be, from now
    Ticks min_period;  // the shortest period a periodic timeout may have
};

struct ExpiryResult {
    std::uint64_t notify_clients = 0;   // bit i: client i has new fired timeouts
    std::optional<Ticks> next_deadline; // program the timer for this; none: nothing pending
};

template <std::size_t MaxClients, std::size_t PerClient>
class TimeService {
    static_assert(MaxClients <= 64, "one notification bit per client");

public:
    explicit TimeService(TimeLimits limits) : limits_(limits) {}

    // A client's fired queue (the service's end), in the region the client maps too.
    Result<unsigned> add_client(void* region, std::size_t region_bytes) {
        if (count_ == MaxClients) {
            return Error::out_of_slots;
        }
        KAAL_TRY(auto ring, FiredRing::attach(region, region_bytes, fired_queue_capacity));
        clients_[count_].fired.emplace(ring);
        return count_++;
    }

    // A protected call from client `caller` (its channel's index; anything else is no client
    // and is refused), at counter value `now`.
    template <ipc::Registers Regs>
    MessageInfo call(unsigned caller, MessageInfo request, const Regs& regs, Ticks now) {
        caller_ = caller;
        now_ = now;
        const MessageInfo reply = TimeProtocol::serve(
            request, [this](const auto& r) { return this->handle(r); }, regs);
        if (is_error_reply(reply)) {
            ++rejected_[caller < MaxClients ? caller : MaxClients];
        }
        return reply;
    }

    // Fires everything due at `now`, delivers what waited for space, and says whom to notify
    // and when the next timeout is due.
    ExpiryResult expire(Ticks now) {
        ExpiryResult result;
        while (const auto due = queue_.peek_due(now)) {
            const Handle h = due->handle;
            Timeout& t = timeouts_[h];
            Client& c = clients_[t.client];
            queue_entry_fired(c, t, due->deadline, now);
            if (t.period != 0) {
                // The next period after now: a late wake-up does not fire a burst of catch-ups;
                // the missed ones are counted as overruns of the entry instead.
                Ticks next = due->deadline + t.period;
                if (next <= now) {
                    const Ticks missed = (now - due->deadline) / t.period;
                    add_overruns(c, t, missed);
                    next = due->deadline + (missed + 1) * t.period;
                }
                // A next period past the counter's end (it would wrap to the past and fire on
                // every pass) ends the timeout: it has fired its last.
                if (next > due->deadline) {
                    static_cast<void>(queue_.rearm(h, next));
                    continue;
                }
                // Counted until delivered, as a one-shot is.
                const Word id = id_of(h, t.generation);
                for (std::size_t i = 0; i < c.backlog_length; ++i) {
                    c.one_shot[i] = c.one_shot[i] || c.backlog[i].id == id;
                }
                static_cast<void>(queue_.pop_due(now));
                ++t.generation;
            } else {
                static_cast<void>(queue_.pop_due(now));
                ++t.generation; // still held: until its entry is delivered
            }
        }
        // Delivery decides whom to wake: only a client that asked (ring_buffer.hpp's
        // suppression), so a busy client is not signalled for every expiry.
        for (unsigned i = 0; i < count_; ++i) {
            if (deliver(clients_[i])) {
                result.notify_clients |= std::uint64_t{1} << i;
            }
        }
        if (const auto next = queue_.earliest()) {
            result.next_deadline = next->deadline;
        }
        return result;
    }

    [[nodiscard]] unsigned clients() const { return count_; }
    [[nodiscard]] std::size_t pending() const { return queue_.size(); }
    [[nodiscard]] std::size_t held_by(unsigned client) const { return clients_[client].held; }
    // Refused calls from `caller` (any index past the clients: from no client), counted apart so
    // that one client's flood of bad calls does not quiet the reports of another's.
    [[nodiscard]] std::uint64_t rejected_calls(unsigned caller) const {
        return rejected_[caller < MaxClients ? caller : MaxClients];
    }
    [[nodiscard]] std::uint64_t rejected_calls() const {
        std::uint64_t all = 0;
        for (const std::uint64_t n : rejected_) {
            all += n;
        }
        return all;
    }

private:
    using Queue = TimeoutQueue<MaxClients * PerClient>;
    using Handle = typename Queue::Handle;

    struct Timeout {
        Word cookie = 0;
        Ticks period = 0;
        unsigned client = 0;
        std::uint16_t generation = 0; // bumped on release, so a stale id is never accepted
    };
    struct Client {
        std::optional<FiredRing> fired;
        std::array<FiredTimeout, PerClient> backlog{}; // fired, waiting for room in the queue
        std::array<bool, PerClient> one_shot{};        // backlog[i] is a one-shot's last entry
        std::size_t backlog_length = 0;
        std::size_t held = 0; // timeouts armed, and one-shots fired but not yet delivered
    };

    static constexpr Word id_of(Handle h, std::uint16_t generation) {
        return (Word{generation} << 16) | h;
    }

    Result<TimeoutId> handle(const SetTimeout& r) {
        if (caller_ >= count_) {
            return Error::not_permitted;
        }
        Client& c = clients_[caller_];
        if (r.deadline > now_ && r.deadline - now_ > limits_.max_horizon) {
            return Error::range_error;
        }
        if (r.period != 0 && (r.period < limits_.min_period || r.period > limits_.max_horizon)) {
            return Error::range_error;
        }
        if (c.held == PerClient) {
            return Error::out_of_slots;
        }
        KAAL_TRY(const Handle h, queue_.arm(r.deadline));
        Timeout& t = timeouts_[h];
        t.cookie = r.cookie;
        t.period = r.period;
        t.client = caller_;
        ++c.held;
        return TimeoutId{id_of(h, t.generation)};
    }

    Result<ipc::EmptyPayload> handle(const CancelTimeout& r) {
        const auto h = static_cast<Handle>(r.id & 0xffff);
        if (caller_ >= count_ || (r.id >> 32) != 0 || h >= timeouts_.size() || !queue_.armed(h) ||
            timeouts_[h].client != caller_ || id_of(h, timeouts_[h].generation) != r.id) {
            return Error::invalid_argument;
        }
        static_cast<void>(queue_.cancel(h));
        drop_waiting(clients_[caller_], r.id);
        release(h);
        return ipc::EmptyPayload{};
    }

    void release(Handle h) {
        Timeout& t = timeouts_[h];
        --clients_[t.client].held;
        ++t.generation;
    }

    // A periodic timeout already waiting in the backlog gathers overruns instead of a second
    // entry: the backlog then never holds more entries than the client has timeouts.
    void queue_entry_fired(Client& c, const Timeout& t, Ticks deadline, Ticks now) {
        const Word id = id_of(static_cast<Handle>(&t - timeouts_.data()), t.generation);
        for (std::size_t i = 0; i < c.backlog_length; ++i) {
            if (c.backlog[i].id == id) {
                ++c.backlog[i].overruns;
                return;
            }
        }
        c.one_shot[c.backlog_length] = t.period == 0;
        c.backlog[c.backlog_length++] = {t.cookie, id, deadline, now, 0};
    }

    void add_overruns(Client& c, const Timeout& t, Ticks missed) {
        const Word id = id_of(static_cast<Handle>(&t - timeouts_.data()), t.generation);
        for (std::size_t i = 0; i < c.backlog_length; ++i) {
            if (c.backlog[i].id == id) {
                c.backlog[i].overruns += missed;
            }
        }
    }

    // A cancelled timeout's waiting entry goes too: after the reply it never fires.
    static void drop_waiting(Client& c, Word id) {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < c.backlog_length; ++i) {
            if (c.backlog[i].id != id) {
                c.one_shot[kept] = c.one_shot[i];
                c.backlog[kept++] = c.backlog[i];
            }
        }
        c.backlog_length = kept;
    }

    // Moves the backlog into the client's fired queue as far as it has room; true if anything
    // went in and the client asked to be woken.
    static bool deliver(Client& c) {
        if (c.backlog_length == 0 || !c.fired) {
            return false;
        }
        const std::size_t put =
            c.fired->push_batch(std::span<const FiredTimeout>{c.backlog.data(), c.backlog_length});
        for (std::size_t i = 0; i < put; ++i) {
            c.held -= c.one_shot[i] ? 1U : 0U;
        }
        for (std::size_t i = put; i < c.backlog_length; ++i) {
            c.backlog[i - put] = c.backlog[i];
            c.one_shot[i - put] = c.one_shot[i];
        }
        c.backlog_length -= put;
        if (c.backlog_length != 0) {
            static_cast<void>(c.fired->producer_may_sleep()); // ask for a space signal
        }
        return put != 0 && c.fired->consumer_needs_signal();
    }

    TimeLimits limits_;
    Queue queue_;
    std::array<Timeout, MaxClients * PerClient> timeouts_{};
    std::array<Client, MaxClients> clients_{};
    unsigned count_ = 0;
    unsigned caller_ = 0;
    Ticks now_ = 0;
    std::array<std::uint64_t, MaxClients + 1> rejected_{};
};

} // namespace kaal::services::time
