// SPDX-License-Identifier: BSD-2-Clause
// Restart back-offs (kaal/platform/backoff_schedule.hpp): the doubling both supervisors use,
// and the runtime root task's record of which waits are under way and which have ended.
#include <gtest/gtest.h>
#include <utility>
#include <vector>

#include <kaal/platform/backoff_schedule.hpp>

namespace {

using kaal::backoff_before;

TEST(BackoffBefore, DoublesAfterEachRestartAndSaturatesInsteadOfOverflowing) {
    EXPECT_EQ(backoff_before(10'000'000, 0), 10'000'000U);
    EXPECT_EQ(backoff_before(10'000'000, 1), 20'000'000U);
    EXPECT_EQ(backoff_before(10'000'000, 2), 40'000'000U);
    EXPECT_EQ(backoff_before(0, 5), 0U) << "no back-off stays none";
    // 10 ms << 64 would be undefined; 10 ms * 2^40 is past 2^63.
    EXPECT_EQ(backoff_before(10'000'000, 40), std::uint64_t{1} << 63);
    EXPECT_EQ(backoff_before(10'000'000, 4'000'000'000U), std::uint64_t{1} << 63);
}

using Ended = std::vector<std::pair<std::size_t, std::uint64_t>>;

TEST(BackoffSchedule, EndsEachWaitOnceWhenItsTimeHasCome) {
    kaal::BackoffSchedule<4> s;
    EXPECT_FALSE(s.next_end());
    s.start(2, 1000, 500);
    s.start(0, 1200, 100);
    EXPECT_EQ(s.next_end(), 1300U);
    Ended ended;
    const auto record = [&ended](std::size_t i, std::uint64_t waited) {
        ended.emplace_back(i, waited);
    };
    s.end_due(1299, record);
    EXPECT_TRUE(ended.empty()) << "a wait never ends early";
    s.end_due(1300, record);
    EXPECT_EQ(ended, (Ended{{0, 100}}));
    EXPECT_FALSE(s.waiting(0));
    EXPECT_TRUE(s.waiting(2));
    EXPECT_EQ(s.next_end(), 1500U);
    s.end_due(1700, record);
    EXPECT_EQ(ended, (Ended{{0, 100}, {2, 700}})) << "the time waited, late interrupt and all";
    EXPECT_FALSE(s.next_end());
    s.end_due(5000, record);
    EXPECT_EQ(ended.size(), 2U) << "an ended wait ends once";
}

TEST(BackoffSchedule, ARestartedWaitReplacesTheOldOneAndOutOfRangeIsIgnored) {
    kaal::BackoffSchedule<2> s;
    s.start(1, 0, 100);
    s.start(1, 50, 400);
    EXPECT_EQ(s.next_end(), 450U);
    s.start(2, 0, 1);
    EXPECT_FALSE(s.waiting(2));
    EXPECT_EQ(s.next_end(), 450U);
    // A wait that would end past the clock's range ends at its last value, not at a wrapped one.
    s.start(0, ~std::uint64_t{0} - 10, 100);
    EXPECT_EQ(s.next_end(), 450U);
}

} // namespace
