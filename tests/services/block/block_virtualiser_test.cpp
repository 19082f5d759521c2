// SPDX-License-Identifier: BSD-2-Clause
// The block virtualiser's logic with clients' queues in host memory and a driver played by the
// test: translation into each client's partition and data region, every refusal, fairness,
// and responses that are never lost when a client does not drain.
#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <vector>

#include <kaal/services/block/block_virtualiser.hpp>

namespace {

using namespace kaal::services::block;
using kaal::Error;
using kaal::Word;
using kaal::dddk::BlockQueue;
using kaal::dddk::BlockRequest;
using kaal::dddk::BlockRequestMessage;
using kaal::dddk::BlockResponseMessage;
using kaal::dddk::BlockStatus;
using Virtualiser = BlockVirtualiser<4>;

struct FakeDriver {
    std::vector<BlockRequest> submitted;
    std::size_t capacity = 32;
    std::size_t done = 0;
    bool ro = false;
    kaal::Status submit(const BlockRequest& r) {
        if (submitted.size() - done >= capacity) {
            return Error::queue_full;
        }
        submitted.push_back(r);
        return {};
    }
    [[nodiscard]] bool read_only() const { return ro; }
    [[nodiscard]] bool can_accept() const { return submitted.size() - done < capacity; }
};

struct alignas(4096) Region {
    std::array<std::byte, kaal::dddk::block_queue_bytes> bytes{};
};

class BlockVirtualiserTest : public ::testing::Test {
protected:
    BlockVirtualiserTest() {
        table_.kind = PartitionTable::Kind::gpt;
        table_.partitions[0] = {2048, 4096, 0, {}};
        table_.partitions[1] = {8192, 8192, 0, {}};
        table_.count = 2;
        for (auto& region : regions_) {
            clients_.push_back(BlockQueue::attach(region.bytes.data()).value());
            servers_.push_back(BlockQueue::attach(region.bytes.data()).value());
        }
    }
    Virtualiser make(std::vector<BlockClientConfig> configs) {
        return Virtualiser::create(std::span{servers_.data(), configs.size()}, configs, table_)
            .value();
    }
    void send(std::size_t client, BlockRequestMessage m) {
        ASSERT_TRUE(clients_[client].requests.push(m).ok());
    }
    std::vector<BlockResponseMessage> responses(std::size_t client) {
        std::vector<BlockResponseMessage> out;
        while (auto r = clients_[client].responses.pop()) {
            out.push_back(*r);
        }
        return out;
    }
    std::size_t serve(Virtualiser& v) {
        return v.serve(driver_, [this](std::size_t i) { ++notified_[i]; });
    }
    void complete(Virtualiser& v, std::size_t index, BlockStatus status = BlockStatus::ok) {
        ++driver_.done;
        v.completed(driver_.submitted[index].cookie, status,
                    [this](std::size_t i) { ++notified_[i]; });
    }

    PartitionTable table_{};
    std::array<Region, 3> regions_{};
    std::vector<BlockQueue> clients_;
    std::vector<BlockQueue> servers_;
    FakeDriver driver_;
    std::array<unsigned, 3> notified_{};
};

const BlockClientConfig first{0, 0x10'0000, 0x1'0000};
const BlockClientConfig second{1, 0x20'0000, 0x1'0000};

TEST_F(BlockVirtualiserTest, EachClientsSectorsAndBuffersAreTranslatedIntoItsOwn) {
    auto v = make({first, second});
    send(0, {BlockRequestMessage::read, 2, 10, 0x1000, 7});
    send(1, {BlockRequestMessage::write, 1, 0, 0, 9});
    send(1, {BlockRequestMessage::flush, 0, 0, 0, 10});
    EXPECT_EQ(serve(v), 3U);
    ASSERT_EQ(driver_.submitted.size(), 3U);
    EXPECT_EQ(driver_.submitted[0].op, BlockRequest::Op::read);
    EXPECT_EQ(driver_.submitted[0].sector, 2058U);
    EXPECT_EQ(driver_.submitted[0].data_paddr, 0x10'1000U);
    EXPECT_EQ(driver_.submitted[0].bytes, 1024U);
    EXPECT_EQ(driver_.submitted[1].sector, 8192U);
    EXPECT_EQ(driver_.submitted[1].data_paddr, 0x20'0000U);
    EXPECT_EQ(driver_.submitted[2].op, BlockRequest::Op::flush);
    // Both clients wait for their responses: the protocol signals them when they come.
    ASSERT_TRUE(clients_[0].responses.consumer_may_sleep());
    ASSERT_TRUE(clients_[1].responses.consumer_may_sleep());
    complete(v, 1);
    complete(v, 0, BlockStatus::io_error);
    complete(v, 2);
    const auto r0 = responses(0);
    const auto r1 = responses(1);
    ASSERT_EQ(r0.size(), 1U);
    EXPECT_EQ(r0[0].id, 7U);
    EXPECT_EQ(r0[0].status, BlockResponseMessage::io_error);
    ASSERT_EQ(r1.size(), 2U);
    EXPECT_EQ(r1[0].id, 9U);
    EXPECT_EQ(r1[0].status, BlockResponseMessage::ok);
    EXPECT_EQ(r1[0].count, 1U);
    EXPECT_EQ(r1[1].id, 10U);
    EXPECT_EQ(notified_[0], 1U);
    EXPECT_EQ(notified_[1], 1U) << "one signal for the two responses that came before it drained";
}

TEST_F(BlockVirtualiserTest, WindowsPastTheDataRegionAreReachedAndNothingBetweenOrAcrossThem) {
    // A filesystem service's clients' regions, laid out past its own data region.
    const std::array windows{BlockWindow{0x2'0000, 0x50'0000, 0x1000},
                             BlockWindow{0x3'0000, 0x60'0000, 0x1'0000}};
    auto v = make({{0, 0x10'0000, 0x1'0000, windows}});
    using M = BlockResponseMessage;
    send(0, {BlockRequestMessage::read, 8, 0, 0x2'0000, 1});  // all of the first window
    send(0, {BlockRequestMessage::write, 2, 0, 0x3'fc00, 2}); // the second's last 1 KiB
    send(0, {BlockRequestMessage::read, 1, 0, 0x1'8000, 3});  // between the region and a window
    send(0, {BlockRequestMessage::read, 9, 0, 0x2'0000, 4});  // one sector past the first's end
    send(0, {BlockRequestMessage::read, 2, 0, 0xfe00, 5});    // across the data region's end
    send(0, {BlockRequestMessage::read, 1, 0, 0x4'0000, 6});  // past the last window
    EXPECT_EQ(serve(v), 2U);
    ASSERT_EQ(driver_.submitted.size(), 2U);
    EXPECT_EQ(driver_.submitted[0].data_paddr, 0x50'0000U);
    EXPECT_EQ(driver_.submitted[0].bytes, 4096U);
    EXPECT_EQ(driver_.submitted[1].data_paddr, 0x60'fc00U);
    const auto r = responses(0);
    ASSERT_EQ(r.size(), 4U);
    for (const auto& refused : r) {
        EXPECT_EQ(refused.status, M::out_of_range) << refused.id;
    }
    EXPECT_EQ(v.rejected(0), 4U);
}

TEST_F(BlockVirtualiserTest, WindowsThatOverlapOrAreNotSectorAlignedAreRefusedAtCreation) {
    const std::array overlaps_region{BlockWindow{0x8000, 0x50'0000, 0x1000}};
    const std::array overlap_each_other{BlockWindow{0x2'0000, 0x50'0000, 0x2000},
                                        BlockWindow{0x2'1000, 0x60'0000, 0x1000}};
    const std::array unaligned{BlockWindow{0x2'0100, 0x50'0000, 0x1000}};
    const std::array wraps{BlockWindow{~Word{0} - 0x1ff, 0x50'0000, 0x1000}};
    for (const auto windows :
         {std::span<const BlockWindow>{overlaps_region},
          std::span<const BlockWindow>{overlap_each_other}, std::span<const BlockWindow>{unaligned},
          std::span<const BlockWindow>{wraps}}) {
        const std::array configs{BlockClientConfig{0, 0x10'0000, 0x1'0000, windows}};
        EXPECT_EQ(Virtualiser::create(std::span{servers_.data(), 1}, configs, table_).error(),
                  Error::invalid_argument);
    }
}

TEST_F(BlockVirtualiserTest, EveryBadRequestIsAnsweredWithItsReasonAndNeverReachesTheDriver) {
    driver_.ro = true;
    auto v = make({first});
    using M = BlockResponseMessage;
    const std::vector<std::pair<BlockRequestMessage, std::uint32_t>> cases{
        {{BlockRequestMessage::read, 1, 4096, 0, 1}, M::out_of_range}, // past the partition
        {{BlockRequestMessage::read, 2, 4095, 0, 2}, M::out_of_range}, // across its end
        {{BlockRequestMessage::read, 1, ~std::uint64_t{0}, 0, 3}, M::out_of_range}, // wraps
        {{BlockRequestMessage::read, 1, 0, 0x1'0000, 4}, M::out_of_range},          // past the data
        {{BlockRequestMessage::read, 0xffff'ffff, 0, 0, 5}, M::out_of_range},
        {{BlockRequestMessage::read, 1, 0, 0x100, 6}, M::invalid}, // unaligned offset
        {{BlockRequestMessage::read, 0, 0, 0, 7}, M::invalid},     // no sectors
        {{99, 1, 0, 0, 8}, M::invalid},                            // no such op
        {{BlockRequestMessage::flush, 1, 0, 0, 9}, M::invalid},    // a flush with data
        {{BlockRequestMessage::write, 1, 0, 0, 10}, M::read_only},
    };
    for (const auto& [request, status] : cases) {
        send(0, request);
    }
    EXPECT_EQ(serve(v), 0U);
    EXPECT_TRUE(driver_.submitted.empty());
    const auto r = responses(0);
    ASSERT_EQ(r.size(), cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        EXPECT_EQ(r[i].id, cases[i].first.id);
        EXPECT_EQ(r[i].status, cases[i].second) << "request " << cases[i].first.id;
    }
    EXPECT_EQ(v.rejected(0), cases.size());
}

TEST_F(BlockVirtualiserTest, AClientWithoutAPartitionOnThisDiskGetsNoPartitionForEverything) {
    auto v = make({first, {5, 0x30'0000, 0x1000}});
    EXPECT_FALSE(v.has_partition(1));
    send(1, {BlockRequestMessage::read, 1, 0, 0, 1});
    send(1, {BlockRequestMessage::flush, 0, 0, 0, 2});
    serve(v);
    const auto r = responses(1);
    ASSERT_EQ(r.size(), 2U);
    EXPECT_EQ(r[0].status, BlockResponseMessage::no_partition);
    EXPECT_EQ(r[1].status, BlockResponseMessage::no_partition);
    EXPECT_TRUE(driver_.submitted.empty());
}

TEST_F(BlockVirtualiserTest, AClientThatFloodsCannotStarveAnotherOfTheDriver) {
    driver_.capacity = 4;
    auto v = make({first, second});
    for (std::uint64_t i = 0; i < 30; ++i) {
        send(0, {BlockRequestMessage::read, 1, i, 0, i});
    }
    send(1, {BlockRequestMessage::read, 1, 0, 0, 100});
    EXPECT_EQ(serve(v), 4U);
    bool second_served = false;
    for (const auto& r : driver_.submitted) {
        second_served = second_served || r.data_paddr == second.data_paddr;
    }
    EXPECT_TRUE(second_served);
    // The rest wait in the flooder's ring, not lost: each completion lets one more through.
    for (std::size_t i = 0; i < driver_.submitted.size(); ++i) {
        complete(v, i);
        serve(v);
    }
    EXPECT_EQ(driver_.submitted.size(), 31U);
    EXPECT_EQ(responses(0).size(), 30U);
    EXPECT_EQ(responses(1).size(), 1U);
}

TEST_F(BlockVirtualiserTest, AClientThatDoesNotDrainLosesNoResponse) {
    auto v = make({first});
    const auto capacity = kaal::dddk::block_queue_capacity;
    for (std::uint64_t i = 0; i < capacity; ++i) {
        send(0, {99, 0, 0, 0, i}); // each answered at once: invalid
    }
    serve(v);
    for (std::uint64_t i = 0; i < 4; ++i) {
        send(0, {99, 0, 0, 0, capacity + i});
    }
    serve(v); // the response ring is full: the four wait in the request ring
    auto r = responses(0);
    ASSERT_EQ(r.size(), capacity);
    serve(v);
    r = responses(0);
    ASSERT_EQ(r.size(), 4U);
    EXPECT_EQ(r[0].id, capacity);
    EXPECT_EQ(r[3].id, capacity + 3);
}

TEST_F(BlockVirtualiserTest, ACompletionNamingNoRequestIsCountedAndGoesToNoOne) {
    auto v = make({first, second});
    v.completed(3, BlockStatus::ok, [this](std::size_t i) { ++notified_[i]; });
    v.completed(1000, BlockStatus::ok, [this](std::size_t i) { ++notified_[i]; });
    EXPECT_EQ(v.bogus_completions(), 2U);
    EXPECT_TRUE(responses(0).empty());
    EXPECT_TRUE(responses(1).empty());
}

} // namespace
