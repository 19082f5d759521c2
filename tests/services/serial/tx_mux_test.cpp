// SPDX-License-Identifier: BSD-2-Clause
// The TX multiplexer against real ByteStreams: the test plays the clients and the driver.
#include <algorithm>
#include <bit>
#include <gtest/gtest.h>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <kaal/services/serial/tx_mux.hpp>

#include "queue_fixture.hpp"

namespace {

using kaal::services::serial::TxMux;
using kaal::services::serial::TxOptions;
using serial_test::Queue;
namespace serial = kaal::dddk::serial;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

class TxMuxTest : public ::testing::Test {
protected:
    void SetUp() override { setup({}); }

    void setup(TxOptions options) {
        mux_ = TxMux(options);
        ASSERT_TRUE(
            mux_.attach_driver(driver_.region.data(), driver_.region.size(), serial::queue_capacity)
                .ok());
        ASSERT_EQ(
            mux_.add_client("greeter", a_.region.data(), a_.region.size(), serial::queue_capacity)
                .value(),
            0U);
        ASSERT_EQ(
            mux_.add_client("echo", b_.region.data(), b_.region.size(), serial::queue_capacity)
                .value(),
            1U);
    }

    Queue driver_; // the test reads what the mux wrote, as the driver would
    Queue a_;      // client 0
    Queue b_;      // client 1
    TxMux mux_;
};

TEST_F(TxMuxTest, LinesFromInterleavedWritersComeOutWhole) {
    a_.write("hello ");
    b_.write("one ");
    (void)mux_.pump();
    EXPECT_EQ(driver_.drain(), "") << "no line is complete yet";
    a_.write("wor");
    b_.write("two\nthree ");
    (void)mux_.pump();
    a_.write("ld\n");
    b_.write("four\n");
    (void)mux_.pump();
    EXPECT_EQ(
        lines_of(driver_.drain()),
        (std::vector<std::string>{"[echo] one two", "[greeter] hello world", "[echo] three four"}));
}

TEST_F(TxMuxTest, PrefixesCanBeTurnedOff) {
    setup({.prefix_names = false});
    a_.write("plain\n");
    (void)mux_.pump();
    EXPECT_EQ(driver_.drain(), "plain\n");
}

TEST_F(TxMuxTest, LineLongerThanTheBufferIsSplitWithThePrefixRepeated) {
    const std::string long_text(kaal::services::serial::tx_line_capacity * 2 + 10, 'x');
    a_.write(long_text);
    (void)mux_.pump();
    const auto pieces = lines_of(driver_.drain());
    ASSERT_EQ(pieces.size(), 2U) << "the 10-byte tail waits for its newline";
    for (const auto& piece : pieces) {
        EXPECT_EQ(piece, "[greeter] " + std::string(kaal::services::serial::tx_line_capacity, 'x'));
    }
    a_.write("\n");
    (void)mux_.pump();
    EXPECT_EQ(driver_.drain(), "[greeter] " + std::string(10, 'x') + "\n");
    EXPECT_EQ(mux_.stats(0).split_lines, 2U);
    EXPECT_EQ(mux_.stats(0).lines, 3U);
    EXPECT_EQ(mux_.stats(0).bytes, long_text.size() + 1);
}

TEST_F(TxMuxTest, FloodingClientDoesNotStarveTheOther) {
    // The flooder fills its whole queue before the other client writes anything.
    std::size_t flood_lines = 0;
    while (a_.peer.ring().free_slots() >= 8) {
        a_.write("flood\n");
        ++flood_lines;
    }
    for (int i = 0; i < 5; ++i) {
        b_.write("tick " + std::to_string(i) + "\n");
    }
    (void)mux_.pump();
    const auto lines = lines_of(driver_.drain());
    std::vector<std::size_t> tick_positions;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].starts_with("[echo] tick")) {
            tick_positions.push_back(i);
        }
    }
    ASSERT_EQ(tick_positions.size(), 5U);
    // Round-robin: at most one flood line between two ticks, so all five are out within the
    // first ten lines although more than 300 flood lines were queued first.
    EXPECT_GT(flood_lines, 300U);
    EXPECT_LE(tick_positions.back(), 9U);
    for (std::size_t i = 1; i < tick_positions.size(); ++i) {
        EXPECT_EQ(tick_positions[i] - tick_positions[i - 1], 2U);
    }
}

TEST_F(TxMuxTest, FullDriverQueueStopsTheMuxAndNothingIsLost) {
    // More than twice what the driver's queue holds, from both clients, written as space allows.
    std::string sent_a;
    std::string sent_b;
    for (int i = 0; i < 400; ++i) {
        sent_a += "greeter line " + std::to_string(i) + "\n";
        sent_b += "echo line " + std::to_string(i) + "\n";
    }
    std::size_t at_a = 0;
    std::size_t at_b = 0;
    std::string out;
    int stops = 0;
    int space_signals_to_clients = 0;
    for (int round = 0; round < 10000 &&
                        (at_a < sent_a.size() || at_b < sent_b.size() ||
                         mux_.stats(0).bytes + mux_.stats(1).bytes < sent_a.size() + sent_b.size());
         ++round) {
        at_a += a_.peer.write(std::string_view{sent_a}.substr(at_a));
        at_b += b_.peer.write(std::string_view{sent_b}.substr(at_b));
        if (at_a < sent_a.size()) {
            (void)a_.peer.writer_may_sleep();
        }
        const auto result = mux_.pump();
        space_signals_to_clients += std::popcount(result.notify_clients);
        if (result.driver_full) {
            ++stops;
            // The mux stops only on a queue with no free byte, mid-line if need be.
            EXPECT_EQ(driver_.peer.ring().available(), serial::queue_capacity);
        }
        // The driver transmits some (not all) of what is queued, then signals space.
        std::array<char, 700> chunk{};
        const std::size_t n = driver_.peer.read(chunk);
        out.append(chunk.data(), n);
    }
    out += driver_.drain();
    EXPECT_GT(stops, 0) << "the test must actually fill the driver's queue";
    EXPECT_GT(space_signals_to_clients, 0);
    std::string got_a;
    std::string got_b;
    for (const auto& line : lines_of(out)) {
        if (line.starts_with("[greeter] ")) {
            got_a += line.substr(10) + "\n";
        } else if (line.starts_with("[echo] ")) {
            got_b += line.substr(7) + "\n";
        } else {
            ADD_FAILURE() << "unexpected line: " << line;
        }
    }
    EXPECT_EQ(got_a, sent_a);
    EXPECT_EQ(got_b, sent_b);
}

TEST_F(TxMuxTest, SignalsTheDriverOnlyWhenItAskedAndTheClientWhenItWaits) {
    ASSERT_TRUE(driver_.peer.reader_may_sleep()); // the driver sleeps on an empty queue
    a_.write("x\n");
    auto result = mux_.pump();
    EXPECT_TRUE(result.notify_driver);
    EXPECT_EQ(result.notify_clients, 0U) << "client 0 never asked for space";
    a_.write("y\n");
    result = mux_.pump();
    EXPECT_FALSE(result.notify_driver) << "the driver did not ask again";

    while (b_.peer.write(std::string_view{"zzzzzzzzzzzzzzz\n"}) != 0) {
    }
    ASSERT_TRUE(b_.peer.writer_may_sleep());
    result = mux_.pump();
    EXPECT_EQ(result.notify_clients, 2U);
}

TEST_F(TxMuxTest, CorruptClientIndicesAreReportedAndTheOtherClientIsStillServed) {
    a_.write("before\n");
    (void)mux_.pump();
    EXPECT_EQ(driver_.drain(), "[greeter] before\n");

    // Client 0 moves its tail past anything its capacity allows: a write past its buffer.
    a_.control().tail += 3 * serial::queue_capacity;
    b_.write("still here\n");
    (void)mux_.pump();
    const auto lines = lines_of(driver_.drain());
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_EQ(lines[0], "[echo] still here");
    EXPECT_TRUE(lines[1].starts_with("[serial-tx] client 'greeter': TX queue indices corrupt"))
        << lines[1];
    EXPECT_EQ(mux_.stats(0).corrupt_episodes, 1U);

    // Reported once, not on every pump.
    b_.write("again\n");
    (void)mux_.pump();
    EXPECT_EQ(driver_.drain(), "[echo] again\n");

    // The client repairs its index and is served again.
    a_.control().tail -= 3 * serial::queue_capacity;
    a_.peer = a_.attach();
    a_.write("after\n");
    (void)mux_.pump();
    EXPECT_EQ(lines_of(driver_.drain()),
              (std::vector<std::string>{"[greeter] after",
                                        "[serial-tx] client 'greeter': TX queue consistent again; "
                                        "serving it"}));
}

// Hardening, defect 8: a client flipping its indices between corrupt and consistent filled the
// mux's one shared report buffer, so reports about other clients were dropped. Now its reports
// back off and it has one waiting line of its own; the other client's report gets through.
TEST_F(TxMuxTest, AClientFlippingItsIndicesCannotCrowdOutReportsAboutAnother) {
    std::string out;
    for (int i = 0; i < 1000; ++i) {
        a_.control().tail += 3 * serial::queue_capacity;
        if (i == 500) {
            b_.control().tail += 3 * serial::queue_capacity; // the other client goes corrupt
        }
        (void)mux_.pump();
        a_.control().tail -= 3 * serial::queue_capacity;
        (void)mux_.pump();
        out += driver_.drain();
    }
    for (int i = 0; i < 20; ++i) {
        (void)mux_.pump();
        out += driver_.drain();
    }
    EXPECT_EQ(mux_.stats(0).corrupt_episodes, 1000U);
    EXPECT_NE(out.find("client 'echo': TX queue indices corrupt"), std::string::npos) << out;
    std::size_t greeter_lines = 0;
    for (std::size_t at = out.find("client 'greeter'"); at != std::string::npos;
         at = out.find("client 'greeter'", at + 1)) {
        ++greeter_lines;
    }
    // Episodes 1, 2, 4 ... 512, each reported going corrupt and coming back: 20 lines, not 2000.
    EXPECT_EQ(greeter_lines, 20U) << out;
}

TEST(TxMuxSetup, RejectsMoreClientsThanItServesAndBadRegions) {
    std::vector<std::unique_ptr<Queue>> queues;
    TxMux mux;
    for (std::size_t i = 0; i < kaal::services::serial::tx_max_clients; ++i) {
        queues.push_back(std::make_unique<Queue>());
        ASSERT_TRUE(mux.add_client("c", queues.back()->region.data(), queues.back()->region.size(),
                                   serial::queue_capacity)
                        .ok());
    }
    Queue extra;
    EXPECT_EQ(mux.add_client("c", extra.region.data(), extra.region.size(), serial::queue_capacity)
                  .error(),
              kaal::Error::out_of_slots);
    TxMux other;
    EXPECT_FALSE(other.add_client("c", nullptr, 0x1000, serial::queue_capacity).ok());
    EXPECT_EQ(other.attach_driver(extra.region.data(), 64, serial::queue_capacity).error(),
              kaal::Error::no_space)
        << "a region smaller than the queue it should hold";
    EXPECT_EQ(other.pump().notify_clients, 0U) << "no driver: pump is a no-op, not a crash";
}

} // namespace
