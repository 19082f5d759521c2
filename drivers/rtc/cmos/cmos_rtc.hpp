// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>
#include <optional>

#include <kaal/core/result.hpp>
#include <kaal/dddk/port_io_bus.hpp>

// The PC's CMOS real-time clock (Motorola MC146818A, as the PC keeps it): an index port (0x70)
// and a data port (0x71). Seconds, minutes, hours, day, month and year are registers 0, 2, 4, 7, 8
// and 9, in BCD unless status register B's DM bit (2) says binary; status register A's UIP bit (7)
// is set while the clock updates, so the time is read until two reads agree with UIP clear. QEMU
// starts it at the host's UTC time. The century is taken as 20xx.
namespace kaal::drivers::rtc {

struct CmosTime {
    unsigned year, month, day, hour, minute, second;
};

// Days from 1970-01-01 to a civil date (H. Hinnant, "chrono-Compatible Low-Level Date
// Algorithms", days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

constexpr std::uint64_t seconds_since_1970(const CmosTime& t) {
    return static_cast<std::uint64_t>(days_from_civil(t.year, t.month, t.day)) * 86400 +
           t.hour * 3600 + t.minute * 60 + t.second;
}

template <typename Bus>
class CmosRtc {
public:
    static constexpr Word register_span = 2;

    explicit CmosRtc(Bus bus) : bus_(bus) {}

    // Bounded: a clock that never leaves its update is an error, not a hang.
    Result<std::uint64_t> read_seconds() const {
        for (unsigned attempt = 0; attempt < 1000; ++attempt) {
            const auto first = read_time();
            const auto second = read_time();
            if (first && second && same(*first, *second)) {
                return seconds_since_1970(*first);
            }
        }
        return Error::no_such_device;
    }

private:
    [[nodiscard]] std::uint8_t reg(std::uint8_t index) const {
        bus_.template write<std::uint8_t>(0, index);
        return bus_.template read<std::uint8_t>(1);
    }

    [[nodiscard]] std::optional<CmosTime> read_time() const {
        if ((reg(0x0a) & 0x80) != 0) {
            return std::nullopt; // update in progress
        }
        const bool binary = (reg(0x0b) & 0x04) != 0;
        const auto value = [&](std::uint8_t index) -> unsigned {
            const std::uint8_t raw = reg(index);
            return binary ? raw : (raw >> 4) * 10U + (raw & 0x0f);
        };
        return CmosTime{2000 + value(0x09), value(0x08), value(0x07),
                        value(0x04) & 0x7f, value(0x02), value(0x00)};
    }

    static bool same(const CmosTime& a, const CmosTime& b) {
        return a.year == b.year && a.month == b.month && a.day == b.day && a.hour == b.hour &&
               a.minute == b.minute && a.second == b.second;
    }

    Bus bus_;
};

} // namespace kaal::drivers::rtc
