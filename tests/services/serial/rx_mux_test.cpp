// SPDX-License-Identifier: BSD-2-Clause
// The RX multiplexer against real ByteStreams: the test plays the driver, the clients, the
// reader of the mux's report lines, and a client making control calls.
#include <array>
#include <gtest/gtest.h>
#include <string>

#include <kaal/services/serial/rx_mux.hpp>

#include "queue_fixture.hpp"

namespace {

using kaal::Error;
using kaal::MessageInfo;
using kaal::Word;
using kaal::services::serial::CurrentInput;
using kaal::services::serial::RxMux;
using kaal::services::serial::SelectInput;
using serial_test::Queue;
namespace serial = kaal::dddk::serial;

class RxMuxTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(
            mux_.attach_driver(driver_.region.data(), driver_.region.size(), serial::queue_capacity)
                .ok());
        ASSERT_TRUE(mux_.attach_reports(reports_.region.data(), reports_.region.size(),
                                        serial::queue_capacity)
                        .ok());
        ASSERT_EQ(mux_.add_client("shell", a_.region.data(), a_.region.size(),
                                  serial::queue_capacity,
                                  /*may_select_input=*/true)
                      .value(),
                  0U);
        ASSERT_EQ(
            mux_.add_client("echo", b_.region.data(), b_.region.size(), serial::queue_capacity)
                .value(),
            1U);
    }

    // A control call from `caller` as it arrives in the mux's protected_call hook. Client 0
    // ("shell") may select input; client 1 ("echo") may not.
    MessageInfo call(MessageInfo info, std::array<Word, 4> words = {}, unsigned caller = 0) {
        mrs_ = words;
        return mux_.control(caller, info, kaal::ipc::ArrayRegisters{mrs_});
    }

    Queue driver_;  // the test writes what the UART received, as the driver would
    Queue reports_; // the mux's report lines
    Queue a_;       // client 0's RX queue
    Queue b_;       // client 1's RX queue
    RxMux mux_;
    std::array<Word, 4> mrs_{};
};

TEST_F(RxMuxTest, InputGoesToTheFirstClientUntilAnotherIsSelected) {
    driver_.write("ls\r");
    (void)mux_.pump();
    EXPECT_EQ(a_.drain(), "ls\r");
    EXPECT_EQ(b_.drain(), "");

    EXPECT_EQ(mux_.select(1).value(), 0U);
    driver_.write("hi\r");
    (void)mux_.pump();
    EXPECT_EQ(a_.drain(), "");
    EXPECT_EQ(b_.drain(), "hi\r");
    EXPECT_EQ(reports_.drain(), "input now goes to 'echo'\n");
}

TEST_F(RxMuxTest, EscapeSequenceSwitchesInputAndNeverReachesAClient) {
    driver_.write("ab\x1c"
                  "1cd\x1c\x1c"
                  "e\x1c"
                  "0f");
    (void)mux_.pump();
    EXPECT_EQ(a_.drain(), "abf");
    EXPECT_EQ(b_.drain(), "cd\x1c"
                          "e");
    EXPECT_EQ(mux_.stats().switches, 2U);
    EXPECT_EQ(reports_.drain(), "input now goes to 'echo'\ninput now goes to 'shell'\n");
}

TEST_F(RxMuxTest, EscapeSplitAcrossReadsStillWorks) {
    driver_.write("x\x1c");
    (void)mux_.pump();
    driver_.write("1y");
    (void)mux_.pump();
    EXPECT_EQ(a_.drain(), "x");
    EXPECT_EQ(b_.drain(), "y");
}

TEST_F(RxMuxTest, BadEscapesAreReportedAndDropped) {
    driver_.write("\x1c"
                  "7a\x1cqb");
    (void)mux_.pump();
    EXPECT_EQ(a_.drain(), "ab");
    EXPECT_EQ(mux_.owner(), 0U);
    EXPECT_EQ(mux_.stats().bad_escapes, 2U);
    EXPECT_EQ(reports_.drain(),
              "escape: no client 7 (there are 2)\n"
              "escape: Ctrl-\\ must be followed by a digit or Ctrl-\\; dropped\n");
}

TEST_F(RxMuxTest, ControlCallsSelectAndQueryTheOwner) {
    auto reply = call({SelectInput::label, 1}, {1});
    ASSERT_FALSE(kaal::is_error_reply(reply));
    ASSERT_EQ(reply.length(), 1U);
    EXPECT_EQ(mrs_[0], 0U) << "the previous owner";
    reply = call({CurrentInput::label, 0});
    ASSERT_FALSE(kaal::is_error_reply(reply));
    EXPECT_EQ(mrs_[0], 1U);
}

TEST_F(RxMuxTest, MalformedControlCallsGetErrorRepliesAndTheMuxKeepsServing) {
    auto reply = call({99, 1}, {1});
    EXPECT_EQ(reply, kaal::error_reply(Error::malformed_message)) << "unknown label";
    reply = call({SelectInput::label, 2}, {1, 1});
    EXPECT_EQ(reply, kaal::error_reply(Error::malformed_message)) << "wrong length";
    reply = call({CurrentInput::label, 1}, {0});
    EXPECT_EQ(reply, kaal::error_reply(Error::malformed_message)) << "wrong length";
    reply = call({SelectInput::label, 1}, {5});
    EXPECT_EQ(reply, kaal::error_reply(Error::range_error)) << "no client 5";
    reply = call({SelectInput::label, 1}, {~Word{0}});
    EXPECT_EQ(reply, kaal::error_reply(Error::range_error)) << "an index that wraps";
    EXPECT_EQ(mux_.owner(), 0U) << "no rejected call changed the owner";
    EXPECT_EQ(mux_.stats().rejected_calls, 5U);
    // Reported with back-off: the 1st, 2nd and 4th of this client's rejected calls.
    EXPECT_EQ(reports_.drain(),
              "rejected control call from 'shell' (label 99, length 1): malformed message; 1 so "
              "far\n"
              "rejected control call from 'shell' (label 1, length 2): malformed message; 2 so "
              "far\n"
              "rejected control call from 'shell' (label 1, length 1): seL4_RangeError; 4 so "
              "far\n");

    // Still serving: a good call and input both work.
    reply = call({SelectInput::label, 1}, {1});
    EXPECT_FALSE(kaal::is_error_reply(reply));
    driver_.write("ok");
    (void)mux_.pump();
    EXPECT_EQ(b_.drain(), "ok");
}

TEST_F(RxMuxTest, FullClientQueueHoldsInputBackAndNothingIsLost) {
    std::string typed;
    for (int i = 0; i < 3000; ++i) {
        typed += static_cast<char>('a' + i % 26);
    }
    std::size_t at = 0;
    std::string received;
    bool saw_full = false;
    bool driver_signalled = false;
    for (int round = 0; round < 100 && received.size() < typed.size(); ++round) {
        at += driver_.peer.write(std::string_view{typed}.substr(at));
        if (at < typed.size()) {
            (void)driver_.peer.writer_may_sleep();
        }
        const auto result = mux_.pump();
        saw_full |= result.owner_full;
        driver_signalled |= result.notify_driver;
        if (result.owner_full) {
            EXPECT_EQ(a_.peer.ring().available(), serial::queue_capacity) << "really full";
        }
        // The client reads slowly: 500 bytes per wake-up.
        std::array<char, 500> chunk{};
        received.append(chunk.data(), a_.peer.read(chunk));
    }
    EXPECT_TRUE(saw_full);
    EXPECT_TRUE(driver_signalled) << "the driver, blocked on a full RX queue, got space back";
    EXPECT_EQ(received, typed);
}

TEST_F(RxMuxTest, CorruptOwnerQueueIsReportedAndInputCanStillBeSwitched) {
    a_.control().head += 5 * serial::queue_capacity; // client 0 corrupts the index it owns
    driver_.write("lost\x1c"
                  "1kept");
    (void)mux_.pump();
    EXPECT_EQ(b_.drain(), "kept");
    EXPECT_EQ(mux_.stats().discarded, 4U);
    EXPECT_EQ(reports_.drain(), "client 'shell': RX queue indices corrupt; input to it is "
                                "discarded\ninput now goes to 'echo'\n");
}

TEST_F(RxMuxTest, SignalsTheOwnerOnlyWhenItSleeps) {
    ASSERT_TRUE(a_.peer.reader_may_sleep());
    driver_.write("a");
    auto result = mux_.pump();
    EXPECT_EQ(result.notify_clients, 1U);
    driver_.write("b");
    result = mux_.pump();
    EXPECT_EQ(result.notify_clients, 0U) << "client 0 has not gone back to sleep";
    EXPECT_EQ(a_.drain(), "ab");
}

// Hardening, defect 8: any client could SelectInput and take what is typed for another; the
// calling channel was ignored. Now switching input is a privilege the description grants.
TEST_F(RxMuxTest, OnlyAClientGrantedThePrivilegeMaySwitchInput) {
    auto reply = call({SelectInput::label, 1}, {1}, /*caller=*/1);
    EXPECT_EQ(reply, kaal::error_reply(Error::not_permitted));
    EXPECT_EQ(mux_.owner(), 0U);
    reply = call({SelectInput::label, 1}, {1}, /*caller=*/7); // a channel that is no client's
    EXPECT_EQ(reply, kaal::error_reply(Error::not_permitted));
    reply = call({CurrentInput::label, 0}, {}, /*caller=*/1); // asking is allowed
    EXPECT_FALSE(kaal::is_error_reply(reply));
    driver_.write("secret");
    (void)mux_.pump();
    EXPECT_EQ(a_.drain(), "secret");
    EXPECT_EQ(b_.drain(), "") << "input typed for the shell never reaches echo";
    EXPECT_FALSE(kaal::is_error_reply(call({SelectInput::label, 1}, {1}, /*caller=*/0)));
    EXPECT_EQ(mux_.owner(), 1U);
}

// Defect 8 too: a client flooding the mux with bad calls must not crowd out reports about the
// others. Its reports back off; another client's first report still gets through.
TEST_F(RxMuxTest, AFloodOfBadCallsFromOneClientLeavesRoomForReportsAboutOthers) {
    for (int i = 0; i < 1000; ++i) {
        (void)call({99, 1}, {1}, /*caller=*/1);
    }
    EXPECT_EQ(mux_.stats().rejected_calls, 1000U);
    a_.control().head += 5 * serial::queue_capacity; // client 0's queue goes corrupt
    driver_.write("x");
    (void)mux_.pump();
    const std::string reports = reports_.drain();
    std::size_t lines = 0;
    for (const char c : reports) {
        lines += c == '\n' ? 1U : 0U;
    }
    EXPECT_EQ(lines, 11U) << reports; // 1, 2, 4 ... 512 of echo's; one about shell
    EXPECT_NE(reports.find("client 'shell': RX queue indices corrupt"), std::string::npos)
        << reports;
    EXPECT_EQ(mux_.stats().reports_dropped, 0U);
}

} // namespace
