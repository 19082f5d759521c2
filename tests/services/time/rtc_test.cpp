// SPDX-License-Identifier: BSD-2-Clause
// The RTC drivers the time service reads the wall clock from, against register models.
#include <array>
#include <cstdint>
#include <gtest/gtest.h>

#include <kaal/dddk/mock_bus.hpp>
#include <kaal/dddk/primecell.hpp>
#include <kaal/platform/message.hpp>

#include "cmos_rtc.hpp"
#include "pl031.hpp"

namespace {

using kaal::Word;
using kaal::drivers::rtc::CmosRtc;
using kaal::drivers::rtc::CmosTime;
using kaal::drivers::rtc::seconds_since_1970;

// The CMOS clock behind its index (0) and data (1) ports: a register file, BCD unless status B
// says binary, and an update in progress for the first `busy` reads of status A.
struct CmosModel {
    std::array<std::uint8_t, 128> regs{};
    std::uint8_t index = 0;
    int busy = 0;

    // Seconds, minutes, hours, day, month, year: registers 0x00, 0x02, 0x04, 0x07, 0x08, 0x09,
    // in whatever encoding register B selects.
    void set_clock(const std::array<std::uint8_t, 6>& fields) {
        constexpr std::array<std::size_t, 6> field_register{0x00, 0x02, 0x04, 0x07, 0x08, 0x09};
        for (std::size_t i = 0; i < fields.size(); ++i) {
            regs.at(field_register.at(i)) = fields.at(i);
        }
    }
};

struct CmosBus {
    CmosModel* model;
    template <typename T>
    [[nodiscard]] T read(Word offset) const {
        if (offset != 1) {
            return 0xff;
        }
        if (model->index == 0x0a && model->busy > 0) {
            --model->busy;
            return 0x80;
        }
        return model->regs[model->index];
    }
    template <typename T>
    void write(Word offset, T value) const {
        if (offset == 0) {
            model->index = static_cast<std::uint8_t>(value & 0x7f);
        }
    }
};

TEST(CmosRtc, DatesConvertToUnixTime) {
    EXPECT_EQ(seconds_since_1970(CmosTime{1970, 1, 1, 0, 0, 0}), 0U);
    EXPECT_EQ(seconds_since_1970(CmosTime{2000, 1, 1, 0, 0, 0}), 946'684'800U);
    EXPECT_EQ(seconds_since_1970(CmosTime{2024, 2, 29, 12, 0, 0}), 1'709'208'000U); // a leap day
    EXPECT_EQ(seconds_since_1970(CmosTime{2026, 12, 1, 10, 59, 59}), 1'796'122'799U);
}

TEST(CmosRtc, ReadsBcdAndBinaryAndWaitsOutAnUpdate) {
    CmosModel model;
    // 2026-12-01 10:59:59 in BCD, 24-hour mode, an update in progress for three reads.
    model.set_clock({0x59, 0x59, 0x10, 0x01, 0x12, 0x26});
    model.regs[0x0b] = 0x02;
    model.busy = 3;
    const CmosRtc<CmosBus> rtc{CmosBus{&model}};
    EXPECT_EQ(rtc.read_seconds().value_or(0), 1'796'122'799U);
    model.regs[0x0b] = 0x06; // binary
    model.set_clock({59, 59, 10, 1, 12, 26});
    EXPECT_EQ(rtc.read_seconds().value_or(0), 1'796'122'799U);
    model.busy = 1'000'000; // a clock stuck in its update: an error, not a hang
    EXPECT_FALSE(rtc.read_seconds().ok());
}

} // namespace

namespace {

// A PL031's register page: its data register and its PrimeCell identification.
struct Pl031Model {
    std::uint32_t seconds = 1'796'122'799;
    std::uint32_t control = 0;
    std::uint32_t part = 0x031;
    std::uint64_t read(Word offset, unsigned) const {
        switch (offset) {
        case 0x000: return seconds;
        case 0x00c: return control;
        case 0xfe0: return part & 0xff;
        case 0xfe4: return 0x10 | ((part >> 8) & 0xf); // designer 0x41's low nibble, part 11:8
        case 0xfe8: return 0x04;
        case 0xfec: return 0x00;
        case 0xff0: return 0x0d;
        case 0xff4: return 0xf0;
        case 0xff8: return 0x05;
        case 0xffc: return 0xb1;
        default: return 0;
        }
    }
    void write(Word offset, unsigned, std::uint64_t value) {
        if (offset == 0x00c) {
            control = static_cast<std::uint32_t>(value);
        }
    }
};

TEST(Pl031, ReadsTheSecondsOfAPl031AndStartsAStoppedClock) {
    Pl031Model model;
    EXPECT_EQ(kaal::drivers::rtc::read_seconds(kaal::dddk::MockBus{model}).value_or(0),
              1'796'122'799U);
    EXPECT_EQ(model.control, 1U) << "started";
    const auto id = kaal::dddk::read_primecell_id(kaal::dddk::MockBus{model});
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->part, 0x031U);
    EXPECT_EQ(id->designer, 0x41U);
}

TEST(Pl031, AnotherPrimeCellOrNoneIsRefused) {
    Pl031Model pl011;
    pl011.part = 0x011;
    EXPECT_EQ(kaal::drivers::rtc::read_seconds(kaal::dddk::MockBus{pl011}).error(),
              kaal::Error::no_such_device);
    struct Nothing {
        std::uint64_t read(Word, unsigned) const { return 0; }
        void write(Word, unsigned, std::uint64_t) {}
    } nothing;
    EXPECT_EQ(kaal::dddk::read_primecell_id(kaal::dddk::MockBus{nothing}).error(),
              kaal::Error::no_such_device);
}

} // namespace
