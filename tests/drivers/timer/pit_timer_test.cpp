// SPDX-License-Identifier: BSD-2-Clause
// The 8254 PIT driver (drivers/timer/pit/pit_timer.hpp) against a model of counter 0 in mode 0
// as the 82C54 datasheet describes it: the control word sets OUT low and stops the count; the
// count's second byte starts it; OUT goes high N + 1 clocks later and stays high.
#include <gtest/gtest.h>

#include <kaal/dddk/mock_bus.hpp>
#include <kaal/dddk/port_io_bus.hpp>

#include "pit_timer.hpp"

namespace {

class PitModel {
public:
    std::uint64_t read(kaal::Word, unsigned) { return 0; }
    void write(kaal::Word port, unsigned bytes, std::uint64_t value) {
        EXPECT_EQ(bytes, 1U) << "the 8254's registers are bytes";
        if (port == 0x43) {
            control = static_cast<std::uint8_t>(value);
            out = false;
            counting = false;
            low_next = true;
        } else if (port == 0x40 && low_next) {
            count = static_cast<std::uint16_t>(value);
            low_next = false;
        } else if (port == 0x40) {
            count = static_cast<std::uint16_t>(count | value << 8);
            counting = control == 0x30; // counter 0, low/high byte, mode 0, binary
            clocks = 0;
            low_next = true;
        } else {
            ADD_FAILURE() << "write to port " << port;
        }
    }
    void clock(std::uint64_t n) {
        if (!counting) {
            return;
        }
        clocks += n;
        out = out || clocks >= std::uint64_t{count == 0 ? 0x10000U : count} + 1;
    }

    std::uint8_t control = 0;
    std::uint16_t count = 0;
    bool low_next = true;
    bool counting = false;
    bool out = false;
    std::uint64_t clocks = 0;
};

using Ops = kaal::dddk::MockPortOps<PitModel>;
using Pit = kaal::drivers::timer::PitTimer<kaal::dddk::PortIoBus<Ops>>;

Pit pit_on(PitModel& model) {
    const kaal::IoPortRange ports{{}, 0x40, 0x43};
    auto bus = kaal::dddk::PortIoBus<Ops>::create(ports, Pit::register_span, Ops{model});
    EXPECT_TRUE(bus.ok());
    return Pit{*bus};
}

TEST(PitTimer, AShotRaisesOutAfterItsCountAndNotBefore) {
    PitModel model;
    Pit pit = pit_on(model);
    const auto count = Pit::count_for(10'000'000);
    EXPECT_EQ(count, 11'932U) << "10 ms of 1.193182 MHz, rounded up";
    pit.start(count);
    model.clock(count);
    EXPECT_FALSE(model.out);
    model.clock(1);
    EXPECT_TRUE(model.out);
}

TEST(PitTimer, StopLowersOutAndHoldsTheCount) {
    PitModel model;
    Pit pit = pit_on(model);
    pit.start(100);
    model.clock(200);
    ASSERT_TRUE(model.out);
    pit.stop();
    EXPECT_FALSE(model.out) << "ready for the next shot's rising edge";
    model.clock(100'000);
    EXPECT_FALSE(model.out);
}

TEST(PitTimer, CountsCoverTheWaitUpToTheLongestShot) {
    EXPECT_EQ(Pit::count_for(0), 1U);
    EXPECT_EQ(Pit::count_for(1), 1U) << "a nanosecond rounds up to one clock";
    for (std::uint64_t ns : {1'000U, 838U, 1'000'000U, 20'000'000U, 53'999'999U}) {
        const std::uint64_t count = Pit::count_for(ns);
        EXPECT_GE(count * 1'000'000'000, ns * Pit::hz) << ns << " ns: the shot is not shorter";
        EXPECT_LT((count - 1) * 1'000'000'000, ns * Pit::hz) << ns << " ns: nor a clock longer";
    }
    EXPECT_EQ(Pit::count_for(54'000'000), Pit::max_count);
    EXPECT_EQ(Pit::count_for(10'000'000'000), Pit::max_count) << "longer waits take several";
}

} // namespace
