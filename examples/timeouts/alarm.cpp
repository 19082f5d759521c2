// SPDX-License-Identifier: BSD-2-Clause
// alarm: a client of the time service. It arms 100 one-shot timeouts, `spacing` apart and offset
// by its own slot so that three alarms interleave, and cancels every tenth at once. As they fire
// it checks that they come in deadline order, none before its deadline and no cancelled one at
// all, and when the last has come it reports the lateness (the time from a deadline to the
// moment the alarm held its fired entry). Its slot is the digit its name ends in (a, b, c).
#include <array>
#include <cstdint>
#include <string_view>

#include <kaal/platform/component.hpp>
#include <kaal/services/time/time_client.hpp>

#include "../system-composition/line.hpp"
#include "client_ends.hpp"
#include "kaal_config.hpp"

namespace {

using composition::Line;
using kaal::services::time::FiredTimeout;

constexpr unsigned count = 100;
constexpr std::uint64_t spacing_ns = 3'000'000;  // 3 ms between one alarm's timeouts
constexpr std::uint64_t start_ns = 50'000'000;   // the first 50 ms after arming
constexpr std::uint64_t late_limit_us = 250'000; // generous: QEMU's TCG is slow and uneven

constexpr bool cancelled(unsigned i) {
    return i % 10 == 9;
}

class Alarm {
public:
    void init() {
        if (!ends_.attach()) {
            return;
        }
        const std::string_view name{config::pd_name};
        slot_ = static_cast<unsigned>(name.back() - 'a');
        if (slot_ == 0) {
            Line line;
            line.add("wall clock at boot: ").add(ends_.time->realtime_ns() / 1'000'000'000U);
            ends_.say(line.add(" s since 1970 (UTC)\n").view());
            measure();
        }
        const kaal::services::time::Ticks base = ends_.time->now() + ends_.time->ticks_in(start_ns);
        unsigned refused = 0;
        for (unsigned i = 0; i < count; ++i) {
            deadlines_[i] = base + ends_.time->ticks_in(spacing_ns * i + spacing_ns / 3 * slot_);
            auto id = ends_.time->at(i, deadlines_[i]);
            if (!id) {
                ++refused;
                continue;
            }
            if (cancelled(i) && !ends_.time->cancel(*id).ok()) {
                ++refused;
            }
        }
        if (refused != 0) {
            Line line;
            ends_.say(line.add("FAILED: ")
                          .add(refused)
                          .add(" calls to the time service refused\n")
                          .view());
        }
        ends_.time->drain([this](const FiredTimeout& f) { fired(f); });
    }

    // The costs docs/performance.md records: reading the time (a counter read, no kernel
    // entry) and a set + cancel pair (two protected calls). In picoseconds of the guest's own
    // clock: under QEMU's -icount shift=0 a guest nanosecond is one instruction
    // (bench/time/README.md), so the figures are then instruction counts.
    void measure() {
        constexpr unsigned reads = 1000;
        constexpr unsigned pairs = 100;
        std::uint64_t sink = 0;
        const auto t0 = ends_.time->now();
        for (unsigned i = 0; i < reads; ++i) {
            sink += ends_.time->now();
        }
        const auto t1 = ends_.time->now();
        for (unsigned i = 0; i < pairs; ++i) {
            if (auto id = ends_.time->at(1000 + i, t1 + ends_.time->ticks_in(1'000'000'000))) {
                static_cast<void>(ends_.time->cancel(*id));
            }
        }
        const auto t2 = ends_.time->now();
        const auto ps = [this](std::uint64_t ticks, unsigned n) {
            return ticks * 1'000'000'000'000U / ends_.time->hz() / n;
        };
        Line line;
        line.add("cost: now() ").add(ps(t1 - t0, reads)).add(" ps per call (").add(reads);
        line.add(" calls), set+cancel ").add(ps(t2 - t1, pairs)).add(" ps per pair");
        ends_.say(line.add(sink == 0 ? " FAILED: the counter did not move\n" : "\n").view());
    }

    void notified(kaal::Channel ch) {
        ends_.notified(ch, [this](const FiredTimeout& f) { fired(f); });
    }

private:
    void fired(const FiredTimeout& f) {
        const auto now = ends_.time->now();
        while (next_ < count && cancelled(next_)) {
            ++next_;
        }
        const bool in_order = f.cookie == next_ && next_ < count;
        const bool early = now < f.deadline || f.deadline != deadlines_[f.cookie % count];
        if (!in_order || early || cancelled(static_cast<unsigned>(f.cookie % count))) {
            ++wrong_;
        }
        const std::uint64_t late_ticks = now - f.deadline;
        lateness_us_[got_++ % lateness_us_.size()] = late_ticks * 1'000'000 / ends_.time->hz();
        ++next_;
        if (got_ == count - count / 10) {
            report();
        }
    }

    void report() {
        std::array<std::uint64_t, count> sorted = lateness_us_;
        const unsigned n = got_;
        for (unsigned i = 1; i < n; ++i) { // insertion sort: 90 values
            for (unsigned j = i; j > 0 && sorted[j - 1] > sorted[j]; --j) {
                std::swap(sorted[j - 1], sorted[j]);
            }
        }
        Line line;
        line.add(n).add(" of ").add(count - count / 10).add(" timeouts fired in order");
        line.add(wrong_ == 0 ? ", none early, 10 cancelled never fired" : ", FAILED");
        ends_.say(line.add("\n").view());
        line.clear();
        line.add("lateness p50 ").add(sorted[n / 2]).add(" us, p99 ").add(sorted[n * 99 / 100]);
        line.add(" us, max ").add(sorted[n - 1]).add(" us");
        line.add(sorted[n - 1] > late_limit_us ? " FAILED: over the limit" : "");
        ends_.say(line.add("\n").view());
    }

    timeouts::ClientEnds ends_;
    std::array<kaal::services::time::Ticks, count> deadlines_{};
    std::array<std::uint64_t, count> lateness_us_{};
    unsigned slot_ = 0;
    unsigned next_ = 0;
    unsigned got_ = 0;
    unsigned wrong_ = 0;
};

} // namespace

KAAL_COMPONENT(Alarm);
