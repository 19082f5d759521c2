// SPDX-License-Identifier: BSD-2-Clause
// sleeper: a client of the time service written as a sequence instead of as events. Its init
// sleeps three times with sleep_for and, after each sleep, prints a line stamped with the wall
// clock. A timeout it armed before the first sleep fires during it: the sleep keeps that entry
// and the notification, and notified() must receive it after init has returned, exactly once.
#include <cstdint>
#include <string_view>

#include <kaal/core/error.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/services/time/civil_time.hpp>
#include <kaal/services/time/time_client.hpp>

#include "../system-composition/line.hpp"
#include "client_ends.hpp"
#include "kaal_config.hpp"

namespace {

using composition::Line;
using kaal::services::time::civil_from_unix_ns;
using kaal::services::time::FiredTimeout;

constexpr unsigned sleeps = 3;
// 100 ms: its lines come after the alarms' first ones, as the boot test's expect order wants.
constexpr std::uint64_t sleep_ns = 100'000'000;
constexpr std::uint64_t during_ns = 20'000'000;      // fires during the first sleep
constexpr std::uint64_t late_limit_ns = 250'000'000; // as the alarms', for QEMU's TCG
constexpr kaal::Word during_cookie = 0x5ee9;

// "2026-12-01 11:57:03.123 UTC"
void add_timestamp(Line& line, std::uint64_t unix_ns) {
    const auto t = civil_from_unix_ns(unix_ns);
    line.add(t.year, 4).add("-").add(t.month, 2).add("-").add(t.day, 2).add(" ");
    line.add(t.hour, 2).add(":").add(t.minute, 2).add(":").add(t.second, 2).add(".");
    line.add(t.nanosecond / 1'000'000, 3).add(" UTC");
}

class Sleeper {
public:
    void init() {
        if (!ends_.attach()) {
            return;
        }
        if (!ends_.time->after(during_cookie, during_ns).ok()) {
            ends_.say("FAILED: the service refused the timeout for during the sleep\n");
        }
        for (unsigned i = 0; i < sleeps; ++i) {
            const auto before = ends_.time->monotonic_ns();
            const auto slept = ends_.time->sleep_for(sleep_ns);
            const auto woke_after = ends_.time->monotonic_ns() - before;
            Line line;
            add_timestamp(line, ends_.time->realtime_ns());
            line.add(": slept ").add(sleep_ns / 1'000'000).add(" ms, woke after ");
            line.add(woke_after / 1'000).add(" us");
            if (!slept) {
                line.add(" FAILED: ").add(kaal::to_string(slept.error()));
            } else if (woke_after < sleep_ns) {
                line.add(" FAILED: early");
            } else if (woke_after > sleep_ns + late_limit_ns) {
                line.add(" FAILED: over the limit");
            }
            ends_.say(line.add("\n").view());
        }
        slept_ = true;
    }

    void notified(kaal::Channel ch) {
        ends_.notified(ch, [this](const FiredTimeout& f) { fired(f); });
    }

private:
    void fired(const FiredTimeout& f) {
        if (f.cookie != during_cookie) {
            ends_.say("FAILED: a timeout this client never armed fired\n");
        } else if (!slept_ || ++during_fired_ != 1) {
            ends_.say("FAILED: the timeout that fired during the sleep came inside it or twice\n");
        } else {
            ends_.say("the timeout that fired during the first sleep came after the sleeps, "
                      "once\n");
        }
    }

    timeouts::ClientEnds ends_;
    bool slept_ = false;
    unsigned during_fired_ = 0;
};

} // namespace

KAAL_COMPONENT(Sleeper);
