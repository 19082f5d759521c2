// SPDX-License-Identifier: BSD-2-Clause
// The RX virtualiser between a driver and clients, all played by the test over real queues in
// host memory: routing by destination address, copies into the client's own buffers, drops
// for a client without buffers, and what a bad driver or client descriptor gets.
#include <cstring>
#include <gtest/gtest.h>
#include <memory>
#include <vector>

#include <kaal/core/array_of.hpp>
#include <kaal/services/net/rx_virtualiser.hpp>

#include "net_test_frames.hpp"

namespace {

using namespace kaal;
using dddk::net::buffer_bytes;
using services::net::RxBuffers;
using services::net::RxClient;
using services::net::RxVirtualiser;
using test::broadcast;
using test::frame;
using test::mac;

constexpr std::size_t device_buffers = 16;
constexpr std::size_t client_buffers = 8;

struct Client {
    test::HostNetQueue queue;
    std::unique_ptr<mock::HostRegion<client_buffers* buffer_bytes>> data =
        std::make_unique<mock::HostRegion<client_buffers * buffer_bytes>>();
    // Plays the client: all its buffers onto its free ring.
    void give_buffers() {
        for (std::uint32_t i = 0; i < client_buffers; ++i) {
            ASSERT_TRUE(queue.queue.free()
                            .push({std::uint64_t{i} * buffer_bytes, buffer_bytes, 100 + i})
                            .ok());
        }
    }
    std::vector<std::vector<std::byte>> take_frames() {
        std::vector<std::vector<std::byte>> out;
        while (auto d = queue.queue.active().pop()) {
            const auto* at = reinterpret_cast<const std::byte*>(data->bytes.data()) + d->offset;
            out.emplace_back(at, at + d->length);
            EXPECT_TRUE(queue.queue.free().push({d->offset, buffer_bytes, d->cookie}).ok());
        }
        return out;
    }
};

class RxVirtualiserTest : public ::testing::Test {
protected:
    RxVirtualiserTest() {
        const auto wiring = array_of<2>([this](std::size_t i) {
            return RxClient{clients_[i].queue.queue,
                            {reinterpret_cast<std::byte*>(clients_[i].data->bytes.data()),
                             client_buffers * buffer_bytes},
                            mac(static_cast<std::uint8_t>(i + 1))};
        });
        for (auto& c : clients_) {
            c.give_buffers();
        }
        virt_ = std::make_unique<RxVirtualiser<2>>(
            driver_.queue,
            RxBuffers{reinterpret_cast<const std::byte*>(device_->bytes.data()), device_->address(),
                      device_buffers * buffer_bytes},
            wiring);
    }

    // Plays the driver: the device wrote `f` into the next free buffer.
    void receive(const std::vector<std::byte>& f) {
        auto buffer = driver_.queue.free().pop();
        ASSERT_TRUE(buffer.ok());
        // NOLINTNEXTLINE(performance-no-int-to-ptr): a host region's "physical" address is its own
        std::memcpy(reinterpret_cast<void*>(buffer->offset), f.data(), f.size());
        ASSERT_TRUE(
            driver_.queue.active()
                .push({buffer->offset, static_cast<std::uint32_t>(f.size()), buffer->cookie})
                .ok());
    }

    test::HostNetQueue driver_;
    std::unique_ptr<mock::HostRegion<device_buffers* buffer_bytes>> device_ =
        std::make_unique<mock::HostRegion<device_buffers * buffer_bytes>>();
    std::array<Client, 2> clients_;
    std::unique_ptr<RxVirtualiser<2>> virt_;
};

TEST_F(RxVirtualiserTest, GivesTheDriverEveryBufferOfItsRegion) {
    EXPECT_EQ(virt_->give_all_buffers(), device_buffers);
    std::size_t n = 0;
    while (auto d = driver_.queue.free().pop()) {
        EXPECT_EQ(d->offset, device_->address() + n * buffer_bytes);
        EXPECT_EQ(d->length, buffer_bytes);
        ++n;
    }
    EXPECT_EQ(n, device_buffers);
}

TEST_F(RxVirtualiserTest, AFrameGoesToTheClientWithItsAddressOnlyAndItsBufferBack) {
    virt_->give_all_buffers();
    const auto f = frame(mac(2), mac(9), 60, 0xab);
    receive(f);
    const auto signals = virt_->route();
    EXPECT_EQ(signals.clients, 0U) << "no client asked for a signal";
    EXPECT_TRUE(clients_[0].take_frames().empty());
    const auto got = clients_[1].take_frames();
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0], f);
    std::size_t free_buffers = 0;
    while (driver_.queue.free().pop()) {
        ++free_buffers;
    }
    EXPECT_EQ(free_buffers, device_buffers) << "the device's buffer came back after the copy";
    EXPECT_EQ(virt_->client_counters(1).frames, 1U);
    EXPECT_EQ(virt_->client_counters(1).bytes, 60U);
}

TEST_F(RxVirtualiserTest, ABroadcastReachesEveryClient) {
    virt_->give_all_buffers();
    const auto f = frame(broadcast, mac(9), 42, 0x01);
    receive(f);
    static_cast<void>(virt_->route());
    for (auto& c : clients_) {
        const auto got = c.take_frames();
        ASSERT_EQ(got.size(), 1U);
        EXPECT_EQ(got[0], f);
    }
}

TEST_F(RxVirtualiserTest, AFrameForNoClientIsCountedAndDropped) {
    virt_->give_all_buffers();
    receive(frame(mac(7), mac(9), 60, 0x02));
    static_cast<void>(virt_->route());
    EXPECT_EQ(virt_->counters().unclaimed, 1U);
    EXPECT_TRUE(clients_[0].take_frames().empty());
    EXPECT_TRUE(clients_[1].take_frames().empty());
}

TEST_F(RxVirtualiserTest, AClientWithoutBuffersLosesOnlyItsOwnFrames) {
    virt_->give_all_buffers();
    // Client 0 never returns its buffers: after client_buffers frames it has none.
    for (std::size_t i = 0; i < client_buffers + 3; ++i) {
        receive(frame(mac(1), mac(9), 60, static_cast<std::uint8_t>(i)));
        receive(frame(mac(2), mac(9), 60, static_cast<std::uint8_t>(i)));
        static_cast<void>(virt_->route());
        static_cast<void>(clients_[1].take_frames());
    }
    EXPECT_EQ(virt_->client_counters(0).frames, client_buffers);
    EXPECT_EQ(virt_->client_counters(0).dropped, 3U);
    EXPECT_EQ(virt_->client_counters(1).frames, client_buffers + 3);
    EXPECT_EQ(virt_->client_counters(1).dropped, 0U);
}

TEST_F(RxVirtualiserTest, MalformedFramesFromTheDriverAreCountedAndNoBufferIsLost) {
    virt_->give_all_buffers();
    auto short_frame = driver_.queue.free().pop();
    auto long_frame = driver_.queue.free().pop();
    ASSERT_TRUE(short_frame.ok() && long_frame.ok());
    ASSERT_TRUE(driver_.queue.active().push({short_frame->offset, 13, 0}).ok());
    ASSERT_TRUE(driver_.queue.active().push({long_frame->offset, 1515, 0}).ok());
    // Not a buffer of the region at all: never handed back to the device.
    ASSERT_TRUE(driver_.queue.active().push({device_->address() + 3, 60, 0}).ok());
    ASSERT_TRUE(driver_.queue.active().push({0x1000, 60, 0}).ok());
    static_cast<void>(virt_->route());
    EXPECT_EQ(virt_->counters().malformed, 4U);
    EXPECT_TRUE(clients_[0].take_frames().empty());
    std::size_t free_buffers = 0;
    while (auto d = driver_.queue.free().pop()) {
        EXPECT_GE(d->offset, device_->address());
        EXPECT_LT(d->offset, device_->address() + device_buffers * buffer_bytes);
        ++free_buffers;
    }
    EXPECT_EQ(free_buffers, device_buffers);
}

TEST_F(RxVirtualiserTest, AClientsBadFreeDescriptorIsSkippedAndCounted) {
    virt_->give_all_buffers();
    // Client 0's own buffers all get a frame, which it keeps; then it offers garbage before a
    // good one.
    for (std::size_t i = 0; i < client_buffers; ++i) {
        receive(frame(mac(1), mac(9), 60, 0));
        static_cast<void>(virt_->route());
    }
    while (clients_[0].queue.queue.active().pop()) {
    }
    auto& free_ring = clients_[0].queue.queue.free();
    ASSERT_TRUE(free_ring.push({client_buffers * buffer_bytes, buffer_bytes, 1}).ok());
    ASSERT_TRUE(free_ring.push({~std::uint64_t{0} - 10, buffer_bytes, 2}).ok());
    ASSERT_TRUE(free_ring.push({buffer_bytes, 16, 3}).ok()); // too small for the frame
    ASSERT_TRUE(free_ring.push({buffer_bytes, buffer_bytes, 4}).ok());
    const auto f = frame(mac(1), mac(9), 100, 0x33);
    receive(f);
    static_cast<void>(virt_->route());
    EXPECT_EQ(virt_->client_counters(0).bad_descriptors, 3U);
    const auto got = clients_[0].take_frames();
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0], f);
}

TEST_F(RxVirtualiserTest, SignalsAClientOnlyWhenItAskedAndTheDriverWhenItWaitsForBuffers) {
    virt_->give_all_buffers();
    // The client drained its ring and asks for a signal before sleeping.
    EXPECT_TRUE(clients_[0].queue.queue.active().consumer_may_sleep());
    // The driver ran out of free buffers and asks for one.
    receive(frame(mac(1), mac(9), 60, 1));
    auto signals = virt_->route();
    EXPECT_EQ(signals.clients, 0b01U);
    EXPECT_FALSE(signals.driver) << "the driver did not ask";
    EXPECT_TRUE(driver_.queue.free().consumer_may_sleep() == false) << "its free ring is not empty";
    while (driver_.queue.free().pop()) {
    }
    EXPECT_TRUE(driver_.queue.free().consumer_may_sleep());
    // The frame it got before emptying the ring comes back now.
    const std::uint64_t fake = device_->address();
    ASSERT_TRUE(driver_.queue.active().push({fake, 60, 0}).ok());
    std::memcpy(device_->bytes.data(), frame(mac(2), mac(9), 60, 2).data(), 60);
    signals = virt_->route();
    EXPECT_TRUE(signals.driver);
}

} // namespace
