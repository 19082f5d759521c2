// SPDX-License-Identifier: BSD-2-Clause
// The calendar conversion against the C library's gmtime_r, over the dates 64-bit nanoseconds
// since 1970 reach (to the year 2554).
#include <cstdint>
#include <ctime>
#include <gtest/gtest.h>
#include <random>

#include <kaal/services/time/civil_time.hpp>

namespace {

using kaal::services::time::civil_from_unix_ns;
using kaal::services::time::CivilTime;

CivilTime from_gmtime(std::uint64_t seconds, std::uint32_t ns) {
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    EXPECT_NE(gmtime_r(&t, &tm), nullptr);
    return {static_cast<std::uint64_t>(tm.tm_year) + 1900,
            static_cast<unsigned>(tm.tm_mon + 1),
            static_cast<unsigned>(tm.tm_mday),
            static_cast<unsigned>(tm.tm_hour),
            static_cast<unsigned>(tm.tm_min),
            static_cast<unsigned>(tm.tm_sec),
            ns};
}

TEST(CivilTime, AgreesWithGmtimeOnRandomInstantsFrom1970To2500) {
    constexpr std::uint64_t year_2500 = 16'725'225'600; // 2500-01-01, in seconds
    std::mt19937_64 random{0x6b61614c};
    std::uniform_int_distribution<std::uint64_t> second{0, year_2500 - 1};
    std::uniform_int_distribution<std::uint32_t> nanosecond{0, 999'999'999};
    for (int i = 0; i < 100'000; ++i) {
        const std::uint64_t s = second(random);
        const std::uint32_t ns = nanosecond(random);
        ASSERT_EQ(civil_from_unix_ns(s * 1'000'000'000 + ns), from_gmtime(s, ns)) << s;
    }
}

TEST(CivilTime, AgreesWithGmtimeAroundEveryLeapDayAndCenturyTo2400) {
    // The last and first second of every 28 Feb to 1 Mar, which the leap rules decide.
    for (std::uint64_t day = 0; day < 157'000; ++day) {
        const std::uint64_t s = day * 86'400;
        if (const CivilTime c = civil_from_unix_ns(s * 1'000'000'000); c.month == 3 && c.day == 1) {
            ASSERT_EQ(civil_from_unix_ns((s - 1) * 1'000'000'000), from_gmtime(s - 1, 0));
            ASSERT_EQ(c, from_gmtime(s, 0));
        }
    }
}

} // namespace
