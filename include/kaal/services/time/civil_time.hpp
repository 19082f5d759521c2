// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

// The UTC calendar date and time of a wall-clock reading (TimeClient::realtime_ns), for
// timestamps a person reads, and for the FAT directory entries of the storage service, which
// store local date and time fields rather than a count of seconds.
namespace kaal::services::time {

struct CivilTime {
    std::uint64_t year;
    unsigned month; // 1..12
    unsigned day;   // 1..31
    unsigned hour;
    unsigned minute;
    unsigned second;
    std::uint32_t nanosecond;

    friend constexpr bool operator==(const CivilTime&, const CivilTime&) = default;
};

// The proleptic Gregorian calendar, whose rules repeat every 400 years (146,097 days). Counting
// from 1 March 0000 puts the leap day last in each year, so the day of the year gives the month
// with one linear formula: 153 days per five months from March (30.6 days each).
constexpr CivilTime civil_from_unix_ns(std::uint64_t unix_ns) {
    constexpr std::uint64_t ns_per_s = 1'000'000'000;
    constexpr std::uint64_t s_per_day = 86'400;
    constexpr std::uint64_t days_per_era = 146'097;
    constexpr std::uint64_t days_0000_03_01_to_1970 = 719'468;

    const std::uint64_t seconds = unix_ns / ns_per_s;
    const std::uint64_t second_of_day = seconds % s_per_day;
    const std::uint64_t days = seconds / s_per_day + days_0000_03_01_to_1970;
    const std::uint64_t era = days / days_per_era;
    const std::uint64_t day_of_era = days % days_per_era;
    // A year of the era has 365 days, but for the leap days: one every 4 years, none every 100,
    // one every 400 (day 146,096 is the 400th year's leap day).
    const std::uint64_t year_of_era =
        (day_of_era - day_of_era / 1'460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
    const std::uint64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const std::uint64_t month_from_march = (5 * day_of_year + 2) / 153;
    const auto month =
        static_cast<unsigned>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    return {
        .year = era * 400 + year_of_era + (month <= 2 ? 1 : 0),
        .month = month,
        .day = static_cast<unsigned>(day_of_year - (153 * month_from_march + 2) / 5 + 1),
        .hour = static_cast<unsigned>(second_of_day / 3'600),
        .minute = static_cast<unsigned>(second_of_day / 60 % 60),
        .second = static_cast<unsigned>(second_of_day % 60),
        .nanosecond = static_cast<std::uint32_t>(unix_ns % ns_per_s),
    };
}

// The inverse, to whole seconds, on the same calendar: for dates from 1970 (FAT's start at 1980).
constexpr std::uint64_t unix_s_from_civil(const CivilTime& t) {
    constexpr std::uint64_t days_0000_03_01_to_1970 = 719'468;
    const std::uint64_t year = t.month <= 2 ? t.year - 1 : t.year;
    const std::uint64_t era = year / 400;
    const std::uint64_t year_of_era = year % 400;
    const std::uint64_t month_from_march = t.month > 2 ? t.month - 3 : t.month + 9;
    const std::uint64_t day_of_year = (153 * month_from_march + 2) / 5 + t.day - 1;
    const std::uint64_t day_of_era =
        365 * year_of_era + year_of_era / 4 - year_of_era / 100 + day_of_year;
    const std::uint64_t days = era * 146'097 + day_of_era - days_0000_03_01_to_1970;
    return days * 86'400 + std::uint64_t{t.hour} * 3'600 + std::uint64_t{t.minute} * 60 + t.second;
}

static_assert(civil_from_unix_ns(0) == CivilTime{1970, 1, 1, 0, 0, 0, 0});
static_assert(unix_s_from_civil({1970, 1, 1, 0, 0, 0, 0}) == 0);
static_assert(unix_s_from_civil({2000, 2, 29, 0, 0, 0, 0}) == 951'782'400);
static_assert(unix_s_from_civil({2026, 12, 3, 15, 4, 5, 0}) == 1'796'310'245);
static_assert(civil_from_unix_ns(951'782'400'000'000'000) == CivilTime{2000, 2, 29, 0, 0, 0, 0});

} // namespace kaal::services::time
