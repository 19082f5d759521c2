// SPDX-License-Identifier: BSD-2-Clause
// The root task's handling of fault-endpoint messages (hardening, defect 1). Before, every
// message was reported and the component kept running, so a component sending 200 forged
// "VM fault" messages got 200 reports and ~2 billion cycles of the top-priority root task.
#include <gtest/gtest.h>
#include <optional>

#include <kaal/platform/runtime/fault_ledger.hpp>
#include <kaal/platform/runtime/system_builder.hpp>

namespace {

using kaal::runtime::FaultLedger;
using kaal::runtime::SystemBuilder;
using Action = FaultLedger::Action;

TEST(FaultLedger, TheFirstMessageOfAComponentStopsItWhateverItSays) {
    FaultLedger ledger{3};
    const auto first = ledger.on_message(SystemBuilder::fault_badge(1));
    EXPECT_EQ(first.action, Action::stop_and_report);
    EXPECT_EQ(first.component, 1U);
    EXPECT_TRUE(ledger.stopped(1));
    EXPECT_FALSE(ledger.stopped(0));
    EXPECT_FALSE(ledger.stopped(2));
    // Another component's first fault is still reported and stops only that one.
    EXPECT_EQ(ledger.on_message(SystemBuilder::fault_badge(2)).action, Action::stop_and_report);
    EXPECT_FALSE(ledger.stopped(0));
}

// What the root task asks before it offers a fault to the system's resolve_fault: only a
// running component's badge names one, and asking records nothing.
TEST(FaultLedger, RunningNamesOnlyAComponentNotStoppedAndCountsNothing) {
    FaultLedger ledger{2};
    EXPECT_EQ(ledger.running(SystemBuilder::fault_badge(1)), std::optional<std::size_t>{1});
    EXPECT_EQ(ledger.running(SystemBuilder::fault_badge(1)), std::optional<std::size_t>{1});
    EXPECT_FALSE(ledger.stopped(1));
    EXPECT_EQ(ledger.running(0), std::nullopt);
    EXPECT_EQ(ledger.running(SystemBuilder::fault_badge(2)), std::nullopt); // no third component
    EXPECT_EQ(ledger.on_message(SystemBuilder::fault_badge(1)).action, Action::stop_and_report);
    EXPECT_EQ(ledger.running(SystemBuilder::fault_badge(1)), std::nullopt);
    EXPECT_EQ(ledger.running(SystemBuilder::fault_badge(0)), std::optional<std::size_t>{0});
}

// A restart policy: the restarted component runs again, so its next message is a new fault,
// reported and acted on; until the restart, its messages are ignored.
TEST(FaultLedger, ARestartedComponentsNextMessageIsANewFault) {
    FaultLedger ledger{2};
    ASSERT_EQ(ledger.on_message(SystemBuilder::fault_badge(0)).action, Action::stop_and_report);
    EXPECT_EQ(ledger.on_message(SystemBuilder::fault_badge(0)).action, Action::ignore);
    ledger.restarted(0);
    EXPECT_FALSE(ledger.stopped(0));
    EXPECT_EQ(ledger.running(SystemBuilder::fault_badge(0)), std::optional<std::size_t>{0});
    EXPECT_EQ(ledger.on_message(SystemBuilder::fault_badge(0)).action, Action::stop_and_report);
    EXPECT_TRUE(ledger.stopped(0));
    EXPECT_FALSE(ledger.stopped(1));
}

TEST(FaultLedger, AFloodFromOneComponentIsOneReportAndLog2LinesAfter) {
    FaultLedger ledger{4};
    unsigned stops = 0;
    unsigned lines = 0;
    for (int i = 0; i < 200; ++i) {
        const auto v = ledger.on_message(SystemBuilder::fault_badge(3));
        stops += v.action == Action::stop_and_report ? 1U : 0U;
        lines += v.action == Action::ignore && v.report ? 1U : 0U;
        EXPECT_EQ(v.component, 3U);
    }
    EXPECT_EQ(stops, 1U);
    EXPECT_EQ(lines, 8U); // the 1st, 2nd, 4th ... 128th of the 199 that followed
    EXPECT_EQ(ledger.on_message(SystemBuilder::fault_badge(0)).action, Action::stop_and_report);
}

TEST(FaultLedger, BadgesNoComponentHasAreIgnoredWithBackOff) {
    FaultLedger ledger{2};
    const auto zero = ledger.on_message(0);
    EXPECT_EQ(zero.action, Action::ignore);
    EXPECT_FALSE(zero.known);
    EXPECT_TRUE(zero.report);
    const auto past = ledger.on_message(SystemBuilder::fault_badge(2)); // a third component
    EXPECT_EQ(past.action, Action::ignore);
    EXPECT_TRUE(past.report);
    EXPECT_EQ(past.count, 2U);
    EXPECT_FALSE(ledger.on_message(~kaal::Word{0}).report); // the 3rd: not a power of two
    EXPECT_FALSE(ledger.stopped(0));
    EXPECT_FALSE(ledger.stopped(1));
}

} // namespace
