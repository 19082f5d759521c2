// SPDX-License-Identifier: BSD-2-Clause
// The TX virtualiser between clients and a driver, all played by the test over real queues in
// host memory: frames to the driver by physical address with no copy, buffers back to the
// client they came from with its own cookie, turns between clients, and refusals of frames a
// client may not send.
#include <cstring>
#include <gtest/gtest.h>
#include <memory>
#include <vector>

#include <kaal/core/array_of.hpp>
#include <kaal/services/net/tx_virtualiser.hpp>

#include "net_test_frames.hpp"

namespace {

using namespace kaal;
using dddk::net::buffer_bytes;
using services::net::TxClient;
using services::net::TxVirtualiser;
using test::frame;
using test::mac;

constexpr std::size_t client_buffers = 64;
using Virtualiser = TxVirtualiser<2, client_buffers>;

struct Client {
    test::HostNetQueue queue;
    std::unique_ptr<mock::HostRegion<client_buffers* buffer_bytes>> data =
        std::make_unique<mock::HostRegion<client_buffers * buffer_bytes>>();
    Word paddr() { return data->address(); }
    // Plays the client: `f` into buffer `index`, onto the active ring.
    void send(std::uint32_t index, const std::vector<std::byte>& f, std::uint32_t cookie) {
        std::memcpy(data->bytes.data() + std::size_t{index} * buffer_bytes, f.data(), f.size());
        ASSERT_TRUE(queue.queue.active()
                        .push({std::uint64_t{index} * buffer_bytes,
                               static_cast<std::uint32_t>(f.size()), cookie})
                        .ok());
    }
};

class TxVirtualiserTest : public ::testing::Test {
protected:
    TxVirtualiserTest() {
        const auto wiring = array_of<2>([this](std::size_t i) {
            return TxClient{clients_[i].queue.queue,
                            {reinterpret_cast<std::byte*>(clients_[i].data->bytes.data()),
                             client_buffers * buffer_bytes},
                            clients_[i].paddr(),
                            mac(static_cast<std::uint8_t>(i + 1))};
        });
        virt_ = std::make_unique<Virtualiser>(driver_.queue, wiring);
    }

    // Plays the driver: every frame the virtualiser handed it, sent and returned.
    std::vector<ipc::BufferDescriptor> send_all() {
        std::vector<ipc::BufferDescriptor> sent;
        while (auto d = driver_.queue.active().pop()) {
            sent.push_back(*d);
            EXPECT_TRUE(driver_.queue.free().push(*d).ok());
        }
        return sent;
    }

    test::HostNetQueue driver_;
    std::array<Client, 2> clients_;
    std::unique_ptr<Virtualiser> virt_;
};

TEST_F(TxVirtualiserTest, AFrameReachesTheDriverByPhysicalAddressAndItsBufferComesBack) {
    const auto f = frame(mac(9), mac(2), 60, 0x5a);
    clients_[1].send(3, f, 777);
    auto signals = virt_->serve();
    const auto sent = send_all();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].offset, clients_[1].paddr() + Word{3} * buffer_bytes) << "zero copy";
    EXPECT_EQ(sent[0].length, 60U);
    // NOLINTNEXTLINE(performance-no-int-to-ptr): a host region's "physical" address is its own
    EXPECT_EQ(std::memcmp(reinterpret_cast<const void*>(sent[0].offset), f.data(), f.size()), 0);
    signals = virt_->serve();
    auto back = clients_[1].queue.queue.free().pop();
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->offset, 3 * buffer_bytes);
    EXPECT_EQ(back->cookie, 777U) << "the client's own cookie, unchanged";
    EXPECT_FALSE(clients_[0].queue.queue.free().pop().ok());
    EXPECT_EQ(virt_->client_counters(1).frames, 1U);
}

TEST_F(TxVirtualiserTest, AFrameWithAnotherSourceAddressIsRefusedAndReturnedUnsent) {
    clients_[0].send(0, frame(mac(9), mac(2), 60, 1), 5); // client 0 claims client 1's MAC
    static_cast<void>(virt_->serve());
    EXPECT_TRUE(send_all().empty());
    EXPECT_EQ(virt_->client_counters(0).refused, 1U);
    auto back = clients_[0].queue.queue.free().pop();
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->cookie, 5U);
}

TEST_F(TxVirtualiserTest, DescriptorsThatNameNoBufferOfTheClientAreRefused) {
    auto& active = clients_[0].queue.queue.active();
    const auto good = frame(mac(9), mac(1), 60, 1);
    std::memcpy(clients_[0].data->bytes.data(), good.data(), good.size());
    ASSERT_TRUE(active.push({client_buffers * buffer_bytes, 60, 1}).ok()); // past the region
    ASSERT_TRUE(active.push({7, 60, 2}).ok());                             // not a buffer's start
    ASSERT_TRUE(active.push({0, 13, 3}).ok());                             // shorter than a header
    ASSERT_TRUE(active.push({0, 1515, 4}).ok());                           // longer than a frame
    ASSERT_TRUE(active.push({~std::uint64_t{0}, 60, 5}).ok());
    ASSERT_TRUE(active.push({0, 60, 6}).ok()); // and one good one
    static_cast<void>(virt_->serve());
    const auto sent = send_all();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].offset, clients_[0].paddr());
    EXPECT_EQ(virt_->client_counters(0).refused, 5U);
}

TEST_F(TxVirtualiserTest, ClientsTakeTurnsSoABusyOneCannotStarveAnother) {
    for (std::uint32_t i = 0; i < client_buffers; ++i) {
        clients_[0].send(i, frame(mac(9), mac(1), 60, 0), i);
    }
    clients_[1].send(0, frame(mac(9), mac(2), 60, 0), 99);
    static_cast<void>(virt_->serve());
    const auto sent = send_all();
    ASSERT_EQ(sent.size(), client_buffers + 1);
    // Client 1's one frame went in client 0's first turn's wake, not after all of client 0's.
    std::size_t position = 0;
    for (; position < sent.size(); ++position) {
        if (sent[position].offset == clients_[1].paddr()) {
            break;
        }
    }
    EXPECT_EQ(position, Virtualiser::batch);
}

TEST_F(TxVirtualiserTest, AReturnNamingNoSentBufferIsCountedAndIgnored) {
    ASSERT_TRUE(driver_.queue.free().push({0x1234, 60, (5U << 16) | 1}).ok()); // no client 5
    ASSERT_TRUE(driver_.queue.free().push({0x1234, 60, 1}).ok()); // client 0, wrong address
    static_cast<void>(virt_->serve());
    EXPECT_EQ(virt_->counters().bad_returns, 2U);
    EXPECT_FALSE(clients_[0].queue.queue.free().pop().ok());
}

TEST_F(TxVirtualiserTest, AFullDriverRingHoldsFramesUntilItHasRoomAndLosesNone) {
    // More frames than the driver's ring holds, over several passes.
    const std::size_t total = dddk::net::queue_capacity + 40;
    std::size_t queued = 0;
    std::size_t sent = 0;
    std::vector<std::uint32_t> in_client(client_buffers);
    for (std::uint32_t i = 0; i < client_buffers; ++i) {
        in_client[i] = i;
    }
    for (int pass = 0; pass < 200 && sent < total; ++pass) {
        // The client sends every buffer it has back.
        while (auto back = clients_[0].queue.queue.free().pop()) {
            in_client.push_back(static_cast<std::uint32_t>(back->offset / buffer_bytes));
        }
        while (!in_client.empty() && queued < total) {
            clients_[0].send(in_client.back(), frame(mac(9), mac(1), 60, 0), 0);
            in_client.pop_back();
            ++queued;
        }
        static_cast<void>(virt_->serve());
        // The driver is slow: it sends at most 10 a pass.
        for (int k = 0; k < 10; ++k) {
            auto d = driver_.queue.active().pop();
            if (!d) {
                break;
            }
            ASSERT_TRUE(driver_.queue.free().push(*d).ok());
            ++sent;
        }
        static_cast<void>(virt_->serve());
    }
    EXPECT_EQ(sent, total);
    EXPECT_EQ(virt_->client_counters(0).frames, total);
    EXPECT_EQ(virt_->client_counters(0).refused, 0U);
}

} // namespace
