// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

// Restart back-offs, kernel-free so the host tests them: how long a supervisor waits before a
// component's next restart, and which waits have ended. The Microkit supervisor PD times each
// with the time service; the runtime root task keeps them here and times them with the PIT
// (platform/runtime/backoff_timer.cpp). Times are nanoseconds of one monotonic clock.
namespace kaal {

// The wait before restart `done` + 1 of a policy whose first wait is `first_ns`: doubled after
// each restart, and at most 2^63 ns rather than overflowing.
constexpr std::uint64_t backoff_before(std::uint64_t first_ns, unsigned done) {
    constexpr std::uint64_t most = std::uint64_t{1} << 63;
    std::uint64_t wait = first_ns;
    for (unsigned i = 0; i < done && wait != 0 && wait < most; ++i) {
        wait = wait > most / 2 ? most : wait * 2;
    }
    return wait;
}

template <std::size_t Components>
class BackoffSchedule {
public:
    // Component `index` waits `wait_ns` from `now_ns`; replaces a wait it had.
    void start(std::size_t index, std::uint64_t now_ns, std::uint64_t wait_ns) {
        if (index < Components) {
            waits_[index] = {true, now_ns, wait_ns};
        }
    }

    [[nodiscard]] bool waiting(std::size_t index) const {
        return index < Components && waits_[index].active;
    }

    // When the earliest wait ends, if any is under way.
    [[nodiscard]] std::optional<std::uint64_t> next_end() const {
        std::optional<std::uint64_t> next;
        for (const Wait& w : waits_) {
            if (w.active && (!next || w.end() < *next)) {
                next = w.end();
            }
        }
        return next;
    }

    // Ends every wait over at `now_ns`, calling `ended(index, waited_ns)` for each in index order.
    template <typename F>
    void end_due(std::uint64_t now_ns, F&& ended) {
        for (std::size_t i = 0; i < Components; ++i) {
            Wait& w = waits_[i];
            if (w.active && now_ns >= w.end()) {
                w.active = false;
                ended(i, now_ns - w.since);
            }
        }
    }

private:
    struct Wait {
        bool active = false;
        std::uint64_t since = 0;
        std::uint64_t length = 0;
        [[nodiscard]] std::uint64_t end() const {
            return length > ~since ? ~std::uint64_t{0} : since + length;
        }
    };
    Wait waits_[Components] = {};
};

} // namespace kaal
