// SPDX-License-Identifier: BSD-2-Clause
// The client-side helpers: ConsoleWriter (text into a TX queue, with a backlog and the writer's
// half of the signal protocol) and ConsoleReader (lines out of an RX queue).
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

#include <kaal/platform/channel.hpp>
#include <kaal/services/serial/console_reader.hpp>
#include <kaal/services/serial/console_writer.hpp>

#include "queue_fixture.hpp"

namespace {

using kaal::Channel;
using kaal::services::serial::ConsoleReader;
using kaal::services::serial::ConsoleWriter;
using serial_test::Queue;
namespace serial = kaal::dddk::serial;

class ConsoleTest : public ::testing::Test {
protected:
    ConsoleTest() {
        pd_.notifications = 1U << 4;
        pd_.on_notify = [this](Channel ch) { notified_.push_back(ch.id()); };
    }
    kaal::mock::ProtectionDomain pd_;
    kaal::mock::ScopedPd as_{pd_};
    std::vector<unsigned> notified_;
    std::unique_ptr<Queue> queue_ = std::make_unique<Queue>();
};

TEST_F(ConsoleTest, AttachRejectsAnUnpatchedOrMisalignedVariable) {
    EXPECT_EQ(ConsoleWriter::attach(0, Channel{4}).error(), kaal::Error::invalid_argument);
    EXPECT_EQ(ConsoleWriter::attach(queue_->vaddr() + 8, Channel{4}).error(),
              kaal::Error::invalid_argument);
    EXPECT_EQ(ConsoleReader::attach(0, Channel{4}).error(), kaal::Error::invalid_argument);
}

TEST_F(ConsoleTest, WriterKeepsWhatDoesNotFitAndFinishesOnLaterFlushes) {
    auto writer = ConsoleWriter::attach(queue_->vaddr(), Channel{4}).value();
    ASSERT_TRUE(queue_->peer.reader_may_sleep()); // the mux sleeps on an empty queue
    const std::string big(serial::queue_capacity + 300, 'x');
    ASSERT_TRUE(writer.write(big));
    EXPECT_FALSE(writer.backlog_empty());
    EXPECT_FALSE(writer.flush()) << "queue full: the writer must wait for a space signal";
    EXPECT_EQ(notified_, std::vector<unsigned>{4}) << "the sleeping mux was woken once";

    EXPECT_FALSE(writer.write(std::string(ConsoleWriter::backlog_capacity, 'y')))
        << "no room in the backlog: nothing is taken";

    std::string got = queue_->drain();
    EXPECT_TRUE(queue_->peer.writer_needs_signal()) << "the writer asked for space";
    EXPECT_TRUE(writer.flush());
    got += queue_->drain();
    EXPECT_EQ(got, big) << "all of it, in order, nothing twice";
}

TEST_F(ConsoleTest, ReaderHandsOverLinesAndAppliesBackspace) {
    auto reader = ConsoleReader::attach(queue_->vaddr(), Channel{4}).value();
    std::vector<std::string> lines;
    const auto collect = [&](std::string_view line) { lines.emplace_back(line); };
    const std::string_view typed = "ab\x7f"
                                   "c\r\nsecond\n\rpart";
    ASSERT_EQ(queue_->peer.write(typed), typed.size());
    reader.drain(collect);
    EXPECT_EQ(lines, (std::vector<std::string>{"ac", "second"}));
    ASSERT_EQ(queue_->peer.write(std::string_view{"ial\r"}), 4U);
    reader.drain(collect);
    EXPECT_EQ(lines.back(), "partial");

    // A line longer than the reader's buffer comes in pieces of that size.
    lines.clear();
    const std::string longer(ConsoleReader::line_capacity + 5, 'z');
    ASSERT_EQ(queue_->peer.write(std::string_view{longer + "\r"}), longer.size() + 1);
    reader.drain(collect);
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_EQ(lines[0].size(), ConsoleReader::line_capacity);
    EXPECT_EQ(lines[1], "zzzzz");
}

TEST_F(ConsoleTest, ReaderSignalsTheMuxWhenItWaitedForSpace) {
    auto reader = ConsoleReader::attach(queue_->vaddr(), Channel{4}).value();
    const std::string fill(serial::queue_capacity, 'q');
    ASSERT_EQ(queue_->peer.write(std::string_view{fill}), fill.size());
    ASSERT_TRUE(queue_->peer.writer_may_sleep()); // the RX mux waits on a full queue
    reader.drain([](std::string_view) {});
    EXPECT_EQ(notified_, std::vector<unsigned>{4});
    EXPECT_TRUE(queue_->peer.reader_needs_signal()) << "drain ends by asking for a signal";
}

} // namespace
