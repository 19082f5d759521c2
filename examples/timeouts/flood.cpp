// SPDX-License-Identifier: BSD-2-Clause
// flood: a client of the time service that misbehaves while the alarms run beside it. It waits
// 100 ms, so that the alarms' timeouts are firing, then sends calls the protocol does not have,
// calls of the wrong length and cancels of ids it was never given, each of which must get an
// error reply; then it arms timeouts until the service refuses (its per-client limit,
// out_of_slots), cancels them all, and arms one more that must still fire. The alarms' own
// checks (in order, none early, lateness bounded) are what show that it starved no one.
#include <array>
#include <cstdint>
#include <string_view>

#include <kaal/core/error.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/message.hpp>
#include <kaal/services/time/time_client.hpp>

#include "../system-composition/line.hpp"
#include "client_ends.hpp"
#include "kaal_config.hpp"

namespace {

using composition::Line;
using kaal::Error;
using kaal::MessageInfo;
using kaal::services::time::FiredTimeout;
using kaal::services::time::TimeoutId;

constexpr unsigned bad_calls = 60;
constexpr unsigned most_armed = 2 * kaal::services::time::timeouts_per_client;
constexpr std::uint64_t far_ns = 60'000'000'000; // a minute: none fires during the boot test
// It starts when the alarms' timeouts have begun to fire, and stops long before their last.
constexpr std::uint64_t start_ns = 100'000'000;
constexpr kaal::Word start_cookie = 0x57a7;
constexpr kaal::Word last_cookie = 0x1a57;

class Flood {
public:
    void init() {
        if (!ends_.attach()) {
            return;
        }
        if (!ends_.time->after(start_cookie, start_ns).ok()) {
            ends_.say("FAILED: the service refused the first timeout\n");
        }
        ends_.time->drain([this](const FiredTimeout& f) { fired(f); });
    }

    void notified(kaal::Channel ch) {
        ends_.notified(ch, [this](const FiredTimeout& f) { fired(f); });
    }

private:
    // Labels past the protocol's, SetTimeout with too few words, and cancels of ids never given.
    void call_badly() {
        unsigned errors = 0;
        for (unsigned i = 0; i < bad_calls; ++i) {
            errors += refused_as_it_should(i) ? 1U : 0U;
        }
        Line line;
        line.add(bad_calls).add(" malformed calls: ").add(errors).add(" error replies");
        ends_.say(line.add(errors == bad_calls ? "\n" : ", FAILED\n").view());
    }

    bool refused_as_it_should(unsigned i) {
        switch (i % 3) {
        case 0: return reply_to(MessageInfo{3 + i, (i / 3) % 4}) == Error::malformed_message;
        case 1:
            return reply_to(MessageInfo{kaal::services::time::SetTimeout::label, (i / 3) % 3}) ==
                   Error::malformed_message;
        default: {
            const auto done = ends_.time->cancel(TimeoutId{0x10'0000 + i});
            return !done.ok() && done.error() == Error::invalid_argument;
        }
        }
    }

    // The error a raw call's reply carries (ok for a success), with garbage in every word.
    static Error reply_to(MessageInfo msg) {
        for (unsigned r = 0; r < 3; ++r) {
            kaal::mr_set(r, ~kaal::Word{0});
        }
        const auto reply = kaal::ppcall(config::time, msg);
        if (!reply.ok()) {
            return reply.error();
        }
        return kaal::is_error_reply(*reply) ? kaal::reply_error(*reply) : Error::ok;
    }

    // Arms until refused, then cancels every one it was given.
    void fill_and_empty() {
        unsigned armed = 0;
        Error refusal = Error::ok;
        for (; armed < most_armed; ++armed) {
            auto id = ends_.time->after(armed, far_ns);
            if (!id) {
                refusal = id.error();
                break;
            }
            ids_[armed] = *id;
        }
        unsigned cancelled = 0;
        for (unsigned i = 0; i < armed; ++i) {
            cancelled += ends_.time->cancel(ids_[i]).ok() ? 1U : 0U;
        }
        const bool as_limited = armed == kaal::services::time::timeouts_per_client &&
                                refusal == Error::out_of_slots && cancelled == armed;
        Line line;
        line.add(armed).add(" timeouts armed, then refused: ").add(kaal::to_string(refusal));
        line.add("; ").add(cancelled).add(" cancelled");
        ends_.say(line.add(as_limited ? "\n" : ", FAILED\n").view());
    }

    void fired(const FiredTimeout& f) {
        if (f.cookie == start_cookie) {
            call_badly();
            fill_and_empty();
            if (!ends_.time->after(last_cookie, 1'000'000).ok()) {
                ends_.say("FAILED: the service refused a timeout after the flood\n");
            }
            return;
        }
        ends_.say(f.cookie == last_cookie ? "the timeout armed after the flood fired\n"
                                          : "FAILED: a cancelled timeout fired\n");
    }

    timeouts::ClientEnds ends_;
    std::array<TimeoutId, most_armed> ids_{};
};

} // namespace

KAAL_COMPONENT(Flood);
