// SPDX-License-Identifier: BSD-2-Clause
// The thin Microkit components around the muxes, in mock mode: configured exactly as a system
// configures them (variables the tool would patch, channel ids), with the test as every peer.
#include <array>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

#include <kaal/services/serial/input_protocol.hpp>
#include <kaal/services/serial/rx_mux_component.hpp>
#include <kaal/services/serial/tx_mux_component.hpp>

#include "queue_fixture.hpp"

namespace {

using kaal::Channel;
using kaal::MessageInfo;
using kaal::Word;
using serial_test::Queue;
namespace serial = kaal::services::serial;

// What the Microkit tool would patch: set by each test before init().
Word tx_driver_var;
Word tx_client_var;
Word rx_driver_var;
Word rx_client0_var;
Word rx_client1_var;
Word rx_reports_var;

struct TxConfig {
    static constexpr const Word* driver_queue = &tx_driver_var;
    static constexpr Channel driver_channel{0};
    static constexpr std::array clients{
        serial::TxClientConfig{"greeter", &tx_client_var, Channel{1}}};
    static constexpr serial::TxOptions options{};
};

struct RxConfig {
    static constexpr const Word* driver_queue = &rx_driver_var;
    static constexpr Channel driver_channel{0};
    static constexpr std::array clients{serial::RxClientConfig{"echo", &rx_client0_var, Channel{1}},
                                        serial::RxClientConfig{"greeter", &rx_client1_var,
                                                               Channel{2},
                                                               /*may_select_input=*/true}};
    static constexpr const Word* report_queue = &rx_reports_var;
    static constexpr Channel report_channel{3};
};

class MuxComponentTest : public ::testing::Test {
protected:
    MuxComponentTest() {
        pd_.notifications = 0xf;
        pd_.on_notify = [this](Channel ch) { notified_.push_back(ch.id()); };
    }
    kaal::mock::ProtectionDomain pd_;
    kaal::mock::ScopedPd as_{pd_};
    std::vector<unsigned> notified_;
    std::unique_ptr<Queue> driver_ = std::make_unique<Queue>();
    std::unique_ptr<Queue> client0_ = std::make_unique<Queue>();
    std::unique_ptr<Queue> client1_ = std::make_unique<Queue>();
    std::unique_ptr<Queue> reports_ = std::make_unique<Queue>();
};

TEST_F(MuxComponentTest, TxMuxMovesLinesAndSignalsTheDriverOnItsChannel) {
    tx_driver_var = driver_->vaddr();
    tx_client_var = client0_->vaddr();
    ASSERT_TRUE(driver_->peer.reader_may_sleep());
    // The client wrote before the mux first ran: init must pick it up without a signal.
    ASSERT_EQ(client0_->peer.write(std::string_view{"early\n"}), 6U);
    auto mux = std::make_unique<serial::TxMuxComponent<TxConfig>>();
    mux->init();
    EXPECT_EQ(driver_->drain(), "[greeter] early\n");
    EXPECT_EQ(notified_, std::vector<unsigned>{0});
    ASSERT_EQ(client0_->peer.write(std::string_view{"later\n"}), 6U);
    mux->notified(Channel{1});
    EXPECT_EQ(driver_->drain(), "[greeter] later\n");
}

TEST_F(MuxComponentTest, TxMuxWithAnUnpatchedVariableStaysDownQuietly) {
    tx_driver_var = driver_->vaddr();
    tx_client_var = 0; // no map with this setvar_vaddr in the .system file
    auto mux = std::make_unique<serial::TxMuxComponent<TxConfig>>();
    mux->init();
    mux->notified(Channel{1});
    EXPECT_TRUE(notified_.empty());
    EXPECT_EQ(driver_->drain(), "");
}

TEST_F(MuxComponentTest, RxMuxServesControlCallsAndRejectsMalformedOnes) {
    rx_driver_var = driver_->vaddr();
    rx_client0_var = client0_->vaddr();
    rx_client1_var = client1_->vaddr();
    rx_reports_var = reports_->vaddr();
    ASSERT_TRUE(reports_->peer.reader_may_sleep());
    auto mux = std::make_unique<serial::RxMuxComponent<RxConfig>>();
    mux->init();

    kaal::mr_set(0, 1);
    EXPECT_EQ(mux->protected_call(Channel{2}, MessageInfo{99, 1}),
              kaal::error_reply(kaal::Error::malformed_message));
    EXPECT_EQ(notified_, std::vector<unsigned>{3}) << "the report queue's reader was woken";
    kaal::mr_set(0, 9);
    EXPECT_EQ(mux->protected_call(Channel{2}, MessageInfo{serial::SelectInput::label, 1}),
              kaal::error_reply(kaal::Error::range_error));
    kaal::mr_set(0, 1);
    const MessageInfo ok = mux->protected_call(Channel{2}, {serial::SelectInput::label, 1});
    EXPECT_FALSE(kaal::is_error_reply(ok));
    EXPECT_EQ(kaal::mr_get(0), 0U) << "the previous owner";

    // Input now reaches client 1, which is signalled on its channel.
    ASSERT_TRUE(client1_->peer.reader_may_sleep());
    ASSERT_EQ(driver_->peer.write(std::string_view{"hi"}), 2U);
    notified_.clear();
    mux->notified(Channel{0});
    EXPECT_EQ(client1_->drain(), "hi");
    EXPECT_EQ(client0_->drain(), "");
    EXPECT_EQ(notified_, std::vector<unsigned>{2});
    // The channel named the caller; echo, on channel 1, has no privilege to switch input.
    kaal::mr_set(0, 0);
    EXPECT_EQ(mux->protected_call(Channel{1}, {serial::SelectInput::label, 1}),
              kaal::error_reply(kaal::Error::not_permitted));
    EXPECT_EQ(reports_->drain(),
              "rejected control call from 'greeter' (label 99, length 1): malformed message; 1 so "
              "far\n"
              "rejected control call from 'greeter' (label 1, length 1): seL4_RangeError; 2 so "
              "far\n"
              "input now goes to 'greeter'\n"
              "rejected control call from 'echo' (label 1, length 1): not permitted; 1 so far\n");
}

TEST_F(MuxComponentTest, RxMuxThatDidNotStartAnswersEveryCallWithAnError) {
    rx_driver_var = 0;
    auto mux = std::make_unique<serial::RxMuxComponent<RxConfig>>();
    mux->init();
    EXPECT_EQ(mux->protected_call(Channel{1}, {serial::CurrentInput::label, 0}),
              kaal::error_reply(kaal::Error::unsupported));
}

} // namespace
