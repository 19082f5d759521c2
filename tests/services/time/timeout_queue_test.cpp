// SPDX-License-Identifier: BSD-2-Clause
// The time service's timeout structure against a reference model (a std::set ordered the same
// way): 100k random arms, cancels, re-arms and expiries, and the edges a real counter has.
#include <cstdint>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include <kaal/services/time/timeout_queue.hpp>

namespace {

using kaal::Error;
using kaal::services::time::Ticks;
using kaal::services::time::TimeoutQueue;

TEST(TimeoutQueue, FiresInDeadlineOrderAndTiesInArmingOrder) {
    TimeoutQueue<8> q;
    const auto a = q.arm(30).value();
    const auto b = q.arm(10).value();
    const auto c = q.arm(30).value();
    const auto d = q.arm(20).value();
    EXPECT_EQ(q.earliest()->handle, b);
    EXPECT_FALSE(q.pop_due(9).has_value()) << "none early";
    EXPECT_EQ(q.pop_due(100)->handle, b);
    EXPECT_EQ(q.pop_due(100)->handle, d);
    EXPECT_EQ(q.pop_due(100)->handle, a) << "equal deadlines: first armed first";
    EXPECT_EQ(q.pop_due(100)->handle, c);
    EXPECT_FALSE(q.pop_due(~Ticks{0}).has_value());
}

TEST(TimeoutQueue, CancelledTimeoutsNeverFireAndTheirSlotsAreReused) {
    TimeoutQueue<4> q;
    const auto a = q.arm(5).value();
    const auto b = q.arm(6).value();
    ASSERT_TRUE(q.cancel(a).ok());
    EXPECT_EQ(q.cancel(a).error(), Error::invalid_argument) << "twice";
    EXPECT_EQ(q.cancel(3).error(), Error::invalid_argument) << "never armed";
    EXPECT_EQ(q.pop_due(100)->handle, b);
    EXPECT_FALSE(q.pop_due(100).has_value());
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(q.arm(static_cast<Ticks>(i)).ok());
    }
    EXPECT_EQ(q.arm(9).error(), Error::out_of_slots) << "a full queue is a clear error";
}

TEST(TimeoutQueue, AZeroOrPastDeadlineIsDueAtOnceAndTheFarFutureNeverIs) {
    TimeoutQueue<4> q;
    ASSERT_TRUE(q.arm(0).ok());
    ASSERT_TRUE(q.arm(~Ticks{0}).ok());
    EXPECT_EQ(q.pop_due(1)->deadline, 0U);
    EXPECT_FALSE(q.pop_due(~Ticks{0} - 1).has_value());
    EXPECT_TRUE(q.pop_due(~Ticks{0}).has_value());
}

TEST(TimeoutQueue, RearmMovesATimeoutEitherWay) {
    TimeoutQueue<8> q;
    const auto a = q.arm(10).value();
    const auto b = q.arm(20).value();
    const auto c = q.arm(30).value();
    ASSERT_TRUE(q.rearm(c, 5).ok());
    EXPECT_EQ(q.earliest()->handle, c);
    ASSERT_TRUE(q.rearm(c, 25).ok());
    EXPECT_EQ(q.pop_due(100)->handle, a);
    EXPECT_EQ(q.pop_due(100)->handle, b);
    EXPECT_EQ(q.pop_due(100)->handle, c);
    EXPECT_EQ(q.rearm(c, 1).error(), Error::invalid_argument) << "not armed any more";
}

// The reference: the same order (deadline, then arming sequence) in a std::set.
TEST(TimeoutQueue, MatchesAReferenceModelOver100kRandomOperations) {
    constexpr std::size_t capacity = 512;
    TimeoutQueue<capacity> q;
    using Key = std::tuple<Ticks, std::uint64_t, std::uint16_t>;
    std::set<Key> model;
    std::map<std::uint16_t, Key> keys;
    std::uint64_t sequence = 0;
    std::mt19937_64 random{20261201};
    Ticks now = 1'000'000;
    const auto pick = [&]() -> std::optional<std::uint16_t> {
        if (keys.empty()) {
            return std::nullopt;
        }
        auto it = keys.begin();
        std::advance(it, static_cast<long>(random() % keys.size()));
        return it->first;
    };
    for (int op = 0; op < 100'000; ++op) {
        const auto what = static_cast<unsigned>(random() % 10);
        if (what < 4) { // arm, sometimes in the past, sometimes at the same deadline
            const Ticks deadline = now - 50 + random() % 2000;
            auto armed = q.arm(deadline);
            if (keys.size() == capacity) {
                ASSERT_EQ(armed.error(), Error::out_of_slots);
                continue;
            }
            ASSERT_TRUE(armed.ok());
            ASSERT_FALSE(keys.contains(*armed)) << "a handle in use was handed out again";
            const Key k{deadline, sequence++, *armed};
            model.insert(k);
            keys[*armed] = k;
        } else if (what < 6) {
            if (auto h = pick()) {
                ASSERT_TRUE(q.cancel(*h).ok());
                model.erase(keys[*h]);
                keys.erase(*h);
            }
        } else if (what < 7) {
            if (auto h = pick()) {
                const Ticks deadline = now + random() % 3000;
                ASSERT_TRUE(q.rearm(*h, deadline).ok());
                model.erase(keys[*h]);
                const Key k{deadline, sequence++, *h};
                model.insert(k);
                keys[*h] = k;
            }
        } else {
            now += random() % 400;
            for (;;) {
                const auto fired = q.pop_due(now);
                const bool due = !model.empty() && std::get<0>(*model.begin()) <= now;
                ASSERT_EQ(fired.has_value(), due) << "op " << op;
                if (!fired) {
                    break;
                }
                ASSERT_EQ(fired->handle, std::get<2>(*model.begin())) << "op " << op;
                ASSERT_EQ(fired->deadline, std::get<0>(*model.begin()));
                keys.erase(fired->handle);
                model.erase(model.begin());
            }
        }
        ASSERT_EQ(q.size(), model.size());
        if (!model.empty()) {
            ASSERT_EQ(q.earliest()->handle, std::get<2>(*model.begin()));
        }
    }
}

} // namespace
