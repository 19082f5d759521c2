// SPDX-License-Identifier: BSD-2-Clause
// The driver and the virtualiser in separate PDs, on the host: a client's queue, the block
// virtualiser, its QueuedBlockDriver, the driver's queue, BlockDriverServer and the virtio-blk
// driver against the device model, each end with its own view of the shared regions as on
// seL4. Requests and data go all the way through; the driver refuses malformed requests from
// the virtualiser with errors; no completion is lost when the device, a ring or the
// virtualiser's reading falls behind; and each side signals the other only when asked.
#include <array>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

#include <kaal/dddk/block_driver_server.hpp>
#include <kaal/dddk/mock_bus.hpp>
#include <kaal/services/block/block_virtualiser.hpp>
#include <kaal/services/block/queued_block_driver.hpp>

#include "virtio_blk_driver.hpp"
#include "virtio_blk_model.hpp"

namespace {

using namespace kaal::dddk;
using kaal::Word;
using kaal::drivers::block::VirtioBlkDriver;
using kaal::services::block::BlockClientConfig;
using kaal::services::block::PartitionTable;
using kaal::services::block::QueuedBlockDriver;
using kaal::testing::VirtioBlkModel;
using Driver = VirtioBlkDriver<MockBus<VirtioBlkModel>>;
using Server = BlockDriverServer<Driver>;
using Virtualiser = kaal::services::block::BlockVirtualiser<1>;

template <std::size_t Bytes>
struct alignas(4096) Region {
    std::array<std::uint8_t, Bytes> bytes{};
    [[nodiscard]] Word address() { return reinterpret_cast<Word>(bytes.data()); }
};

struct Completion {
    Word cookie;
    BlockStatus status;
    friend bool operator==(const Completion&, const Completion&) = default;
};

class BlockDriverQueueTest : public ::testing::Test {
protected:
    BlockDriverQueueTest() {
        for (std::size_t i = 0; i < model_.disk.size(); ++i) {
            model_.disk[i] = static_cast<std::uint8_t>(i / 512);
        }
        start_driver();
        server_->publish_info();
        queued_.emplace(BlockDriverQueue::attach(driver_queue_.bytes.data()).value());
        // Raw ends of the driver's queue, for what a broken virtualiser would send.
        raw_ = BlockDriverQueue::attach(driver_queue_.bytes.data()).value();
    }

    // The driver PD's start, as on a restart too: a new instance, with none of the last one's
    // private state, over the same shared queue and journal; it resets the device.
    std::size_t start_driver() {
        server_.reset();
        driver_.reset();
        const Word at = driver_dma_.address();
        driver_.emplace(
            Driver::create(MockBus<VirtioBlkModel>{model_}, {at, at, Driver::dma_bytes}).value());
        server_.emplace(
            *driver_, BlockDriverQueue::attach(driver_queue_.bytes.data()).value(),
            BlockDriverJournal::attach(journal_.bytes.data(), journal_.bytes.size()).value());
        return server_->resume();
    }

    // The driver PD's notified(): the interrupt if one is raised, then the ring.
    bool driver_runs() {
        bool notify = false;
        if (model_.interrupt_status != 0) {
            notify =
                server_->complete([this](auto&& done) { EXPECT_TRUE(driver_->handle_irq(done)); });
        }
        notify = server_->serve() || notify;
        return server_->complete([this](auto&& done) { driver_->deliver_early(done); }) || notify;
    }
    std::vector<Completion> collect() {
        std::vector<Completion> out;
        static_cast<void>(queued_->collect([&](Word cookie, BlockStatus status) {
            out.push_back({cookie, status});
        }));
        return out;
    }

    // The completions' ring's fill level, from its shared indices.
    std::uint32_t completions_unread() {
        kaal::ipc::RingControl control{};
        std::memcpy(&control, driver_queue_.bytes.data() + block_responses_offset, sizeof control);
        return control.tail - control.head;
    }

    VirtioBlkModel model_{4096};
    Region<0x4000> driver_dma_;
    Region<0x1000> driver_queue_;
    Region<block_driver_journal_bytes> journal_;
    std::optional<Driver> driver_;
    std::optional<Server> server_;
    std::optional<QueuedBlockDriver> queued_;
    BlockDriverQueue raw_ = BlockDriverQueue::attach(driver_queue_.bytes.data()).value();
};

TEST_F(BlockDriverQueueTest, TheDriverPublishesTheDiskAndTheVirtualiserReadsIt) {
    ASSERT_TRUE(queued_->ready());
    EXPECT_EQ(queued_->capacity_sectors(), 4096U);
    EXPECT_FALSE(queued_->read_only());
    // Scribbles after the first look change nothing the virtualiser decided.
    raw_.info->sectors = 1;
    EXPECT_EQ(queued_->capacity_sectors(), 4096U);
}

TEST_F(BlockDriverQueueTest, AClientsRequestsGoThroughBothQueuesToTheDiskAndBack) {
    Region<0x1000> client_queue;
    Region<0x8000> client_data;
    auto client = BlockQueue::attach(client_queue.bytes.data()).value();
    const std::array queues{BlockQueue::attach(client_queue.bytes.data()).value()};
    PartitionTable table{};
    table.partitions[0] = {1024, 2048, 0, {}};
    table.count = 1;
    const std::array configs{BlockClientConfig{0, client_data.address(), 0x8000}};
    auto v = Virtualiser::create(queues, configs, table).value();
    static_cast<void>(driver_runs()); // the driver's init: it now waits for a signal
    static_cast<void>(collect());     // the virtualiser's: it too
    EXPECT_TRUE(client.responses.consumer_may_sleep()); // the client waits for its responses

    std::memset(client_data.bytes.data(), 0x5a, 1024);
    ASSERT_TRUE(client.requests.push({BlockRequestMessage::write, 2, 7, 0, 1}).ok());
    ASSERT_TRUE(client.requests.push({BlockRequestMessage::flush, 0, 0, 0, 2}).ok());
    ASSERT_TRUE(client.requests.push({BlockRequestMessage::read, 4, 100, 0x1000, 3}).ok());
    int client_signals = 0;
    auto notify_client = [&](std::size_t) { ++client_signals; };
    EXPECT_EQ(v.serve(*queued_, notify_client), 3U);
    EXPECT_TRUE(queued_->kick()) << "the driver asked for a signal and must get one";
    EXPECT_FALSE(driver_runs()) << "nothing for the virtualiser yet: the device has them";
    EXPECT_TRUE(driver_runs()) << "the interrupt's completions, for a virtualiser that asked";
    for (const Completion& c : collect()) {
        v.completed(c.cookie, c.status, notify_client);
    }
    std::vector<BlockResponseMessage> responses;
    while (auto r = client.responses.pop()) {
        responses.push_back(*r);
    }
    ASSERT_EQ(responses.size(), 3U);
    EXPECT_EQ(responses[0].id, 1U);
    EXPECT_EQ(responses[1].id, 2U);
    EXPECT_EQ(responses[2].id, 3U);
    for (const auto& r : responses) {
        EXPECT_EQ(r.status, BlockResponseMessage::ok);
    }
    EXPECT_EQ(model_.disk[std::size_t{1024 + 7} * 512], 0x5a);
    EXPECT_EQ(model_.disk[std::size_t{1024 + 9} * 512 - 1], 0x5a);
    EXPECT_EQ(model_.disk[std::size_t{1024 + 9} * 512], (1024 + 9) % 256);
    EXPECT_EQ(model_.flushes, 1U) << "the flush reached the device";
    EXPECT_EQ(client_data.bytes[0x1000], (1024 + 100) % 256);
    EXPECT_EQ(client_data.bytes[0x1000 + 4 * 512 - 1], (1024 + 103) % 256);
    EXPECT_GE(client_signals, 1);
}

TEST_F(BlockDriverQueueTest, MalformedRequestsFromTheVirtualiserGetErrorsNotTheDevice) {
    const Word data = driver_dma_.address() + 0x2000;
    const std::array bad{
        BlockRequest{static_cast<BlockRequest::Op>(9), 0, data, 512, 1}, // no such op
        BlockRequest{BlockRequest::Op::read, 0, data, 100, 2},           // not whole sectors
        BlockRequest{BlockRequest::Op::read, 4096, data, 512, 3},        // past the disk
        BlockRequest{BlockRequest::Op::write, ~std::uint64_t{0}, data, 512, 4},
    };
    for (const auto& r : bad) {
        ASSERT_TRUE(raw_.requests.push(r).ok());
    }
    static_cast<void>(collect()); // the virtualiser asks for a signal before sleeping
    EXPECT_TRUE(driver_runs()) << "the errors are answered at once, with a signal";
    EXPECT_EQ(collect(), (std::vector<Completion>{{1, BlockStatus::io_error},
                                                  {2, BlockStatus::io_error},
                                                  {3, BlockStatus::io_error},
                                                  {4, BlockStatus::io_error}}));
    EXPECT_EQ(model_.requests, 0U);
    EXPECT_EQ(server_->refused(), 4U);
    EXPECT_EQ(server_->owed(), 0U);
}

TEST_F(BlockDriverQueueTest, NoCompletionIsLostWhenTheDeviceAndTheVirtualiserFallBehind) {
    model_.hold = true;
    const Word data = driver_dma_.address() + 0x2000;
    Word next = 0;
    std::vector<Completion> seen;
    // More requests than the device has room for (21 chains of three descriptors) and than the
    // completions' ring holds (32), with the virtualiser collecting only every third round.
    for (int round = 0; round < 30 && seen.size() < 200; ++round) {
        while (next < 200 && queued_->can_accept()) {
            ASSERT_TRUE(
                queued_->submit({BlockRequest::Op::read, next % 4096, data, 512, next}).ok());
            ++next;
        }
        static_cast<void>(queued_->kick());
        static_cast<void>(driver_runs());
        model_.process();
        static_cast<void>(driver_runs());
        EXPECT_LE(server_->owed() + completions_unread(), block_queue_capacity)
            << "a request is taken only with room for its completion";
        if (round % 3 == 2) {
            for (const Completion& c : collect()) {
                seen.push_back(c);
            }
            static_cast<void>(driver_runs()); // woken by the room the virtualiser made
        }
    }
    for (int i = 0; i < 10 && seen.size() < 200; ++i) {
        model_.process();
        static_cast<void>(driver_runs());
        for (const Completion& c : collect()) {
            seen.push_back(c);
        }
    }
    ASSERT_EQ(seen.size(), 200U);
    for (Word i = 0; i < 200; ++i) {
        EXPECT_EQ(seen[i], (Completion{i, BlockStatus::ok})) << i;
    }
}

TEST_F(BlockDriverQueueTest, EachSideSignalsTheOtherOnlyWhenAsked) {
    static_cast<void>(driver_runs()); // drained: the driver asks for a signal
    ASSERT_TRUE(queued_->submit({BlockRequest::Op::flush, 0, 0, 0, 1}).ok());
    EXPECT_TRUE(queued_->kick());
    ASSERT_TRUE(queued_->submit({BlockRequest::Op::flush, 0, 0, 0, 2}).ok());
    EXPECT_FALSE(queued_->kick()) << "the driver has not slept since the last signal";
    EXPECT_FALSE(queued_->kick()) << "nothing pushed since";
    static_cast<void>(collect()); // the virtualiser asks, then sleeps
    model_.hold = true;
    static_cast<void>(driver_runs());
    model_.process();
    EXPECT_TRUE(driver_runs()) << "completions for a virtualiser that asked";
    EXPECT_EQ(collect(), (std::vector<Completion>{{1, BlockStatus::ok}, {2, BlockStatus::ok}}));
}

// A driver restarted with requests in its device: the new instance resets the device and
// submits them again, so each is answered once, with the data the disk holds.
TEST_F(BlockDriverQueueTest, ARestartedDriverAnswersOnceEveryRequestItsDeadInstanceHadTaken) {
    model_.hold = true;
    const Word data = driver_dma_.address() + 0x2000;
    for (Word i = 0; i < 12; ++i) {
        ASSERT_TRUE(
            queued_->submit({BlockRequest::Op::read, 100 + i, data + i * 512, 512, i}).ok());
    }
    static_cast<void>(queued_->kick());
    static_cast<void>(driver_runs());
    ASSERT_EQ(server_->owed(), 12U) << "all in the device, none done";
    EXPECT_EQ(model_.pending(), 12U);

    EXPECT_EQ(start_driver(), 12U) << "the dead instance's twelve, submitted again";
    EXPECT_EQ(model_.pending(), 12U) << "to the reset device's new queue";
    model_.process();
    static_cast<void>(driver_runs());
    std::vector<Completion> seen = collect();
    ASSERT_EQ(seen.size(), 12U);
    for (Word i = 0; i < 12; ++i) {
        EXPECT_EQ(seen[i], (Completion{i, BlockStatus::ok})) << "the virtualiser's own cookie";
        EXPECT_EQ(driver_dma_.bytes[0x2000 + i * 512], (100 + i) % 256);
    }
    EXPECT_EQ(start_driver(), 0U) << "a second restart owes nothing";
    model_.process();
    static_cast<void>(driver_runs());
    EXPECT_TRUE(collect().empty()) << "no request is answered twice";
}

// A restart between the journal's steps: a request recorded but not yet popped is left to the
// ring, which delivers it again; an answer pushed but not yet forgotten is not sent again.
TEST_F(BlockDriverQueueTest, ARestartBetweenTheJournalsStepsLosesAndRepeatsNothing) {
    model_.hold = true;
    const Word data = driver_dma_.address() + 0x2000;
    ASSERT_TRUE(queued_->submit({BlockRequest::Op::read, 7, data, 512, 70}).ok());
    ASSERT_TRUE(queued_->submit({BlockRequest::Op::read, 8, data + 512, 512, 80}).ok());
    static_cast<void>(queued_->kick());
    // What the dead instance left: request 70 answered but still recorded as answering (its
    // push happened, its forget did not), and request 80 recorded but not popped.
    auto journal = BlockDriverJournal::attach(journal_.bytes.data(), journal_.bytes.size()).value();
    auto ends = BlockDriverQueue::attach(driver_queue_.bytes.data()).value();
    const auto first = journal.record(ends.requests.pop().value(), 0).value();
    journal.answering(first, ends.responses.produced());
    ASSERT_TRUE(ends.responses.push({70, BlockStatus::ok}).ok());
    ASSERT_TRUE(journal.record(ends.requests.peek().value(), ends.requests.consumed()).ok());

    EXPECT_EQ(start_driver(), 0U) << "neither is owed";
    static_cast<void>(driver_runs());
    model_.process();
    static_cast<void>(driver_runs());
    EXPECT_EQ(collect(), (std::vector<Completion>{{70, BlockStatus::ok}, {80, BlockStatus::ok}}));
    EXPECT_EQ(model_.requests, 1U) << "80 once, from the ring; 70 never again";
}

} // namespace
