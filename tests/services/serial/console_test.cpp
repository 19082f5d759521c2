// SPDX-License-Identifier: BSD-2-Clause
// The client-side helpers: ConsoleWriter (text into a TX queue, with a backlog and the writer's
// half of the signal protocol) and ConsoleReader (lines out of an RX queue).
#include <atomic>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <kaal/platform/channel.hpp>
#include <kaal/services/serial/console.hpp>
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

// Defect 5 of the hardening issue: a mux that moves `head` backwards between the writer's
// free_slots() and its write made the write take nothing, and the whole text went into the
// 512-byte backlog (an ASan heap-buffer-overflow). Bounded: 50000 chunks, one toggling thread.
TEST_F(ConsoleTest, WriterStaysInBoundsWhileTheMuxMovesHeadBackwards) {
    // On the heap, where an overflow of the backlog is outside any object and ASan sees it.
    auto writer =
        std::make_unique<ConsoleWriter>(ConsoleWriter::attach(queue_->vaddr(), Channel{4}).value());
    std::atomic<bool> stop{false};
    std::thread hostile([&] {
        std::atomic_ref head{queue_->control().head};
        while (!stop.load(std::memory_order_relaxed)) {
            const auto seen = head.load(std::memory_order_acquire);
            head.store(seen - serial::queue_capacity / 2, std::memory_order_release);
            for (int spin = 0; spin < 200; ++spin) {
                std::atomic_signal_fence(std::memory_order_seq_cst); // hold it back a while
            }
            head.store(seen, std::memory_order_release);
        }
    });
    std::string sent;
    std::string got;
    std::array<char, 300> chunk{};
    for (int i = 0; i < 50000; ++i) {
        const std::string text(600, static_cast<char>('a' + i % 26));
        if (writer->write(text)) {
            sent += text;
        }
        (void)writer->flush();
        got.append(chunk.data(), queue_->peer.read(chunk)); // keeps the queue nearly full
        // The honest part of the mux republishes its head, which the hostile part may have
        // left stale: a stale head only makes the queue look full, which stalls this queue and
        // nothing else.
        std::atomic_ref{queue_->control().head}.store(static_cast<kaal::ipc::RingIndex>(got.size()),
                                                      std::memory_order_release);
    }
    stop = true;
    hostile.join();
    std::atomic_ref{queue_->control().head}.store(static_cast<kaal::ipc::RingIndex>(got.size()),
                                                  std::memory_order_release);
    for (int i = 0; i < 100 && !(writer->flush() && got.size() == sent.size()); ++i) {
        got += queue_->drain();
    }
    EXPECT_EQ(writer->dropped(), 0U);
    EXPECT_GT(sent.size(), 600U * 1000);
    EXPECT_EQ(got, sent) << "everything accepted arrives once, in order";
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

// Console: both ends, with the first drain and the flush on every notification built in.
TEST_F(ConsoleTest, ConsoleDrainsAtStartAndOnItsRxChannelAndFlushesOnEveryNotification) {
    auto rx_queue = std::make_unique<Queue>();
    using kaal::services::serial::Console;
    std::optional<Console> console;
    EXPECT_EQ(Console::attach(console, 0, Channel{4}, rx_queue->vaddr(), Channel{5}).error(),
              kaal::Error::invalid_argument);
    EXPECT_FALSE(console.has_value());
    ASSERT_TRUE(
        Console::attach(console, queue_->vaddr(), Channel{4}, rx_queue->vaddr(), Channel{5}).ok());
    rx_queue->write("typed before start\r");
    std::vector<std::string> lines;
    const auto collect = [&](std::string_view line) { lines.emplace_back(line); };
    console->start(collect);
    EXPECT_EQ(lines, std::vector<std::string>{"typed before start"});
    rx_queue->write("later\r");
    console->notified(Channel{4}, collect); // the TX channel: no input read
    EXPECT_EQ(lines.size(), 1U);
    console->notified(Channel{5}, collect);
    EXPECT_EQ(lines.back(), "later");
    console->say("out\n");
    EXPECT_EQ(queue_->drain(), "out\n");
}

} // namespace
