// SPDX-License-Identifier: BSD-2-Clause
// The driver's server between the two network queues (kaal/dddk/net_queue.hpp) and the virtio-net
// driver against the device model, on the host, each end with its own view of the shared
// regions as on seL4: the tests play the RX and the TX virtualiser. Frames go through both ways
// and through many wraps of every ring; frames the driver must not send come back unsent; no
// buffer is lost when the device reports nonsense or a ring has no room; and each side signals
// the other only when asked.
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <optional>
#include <set>
#include <vector>

#include <kaal/dddk/mock_bus.hpp>
#include <kaal/dddk/net_driver_server.hpp>
#include <kaal/platform/mock/host_region.hpp>

#include "virtio_net_driver.hpp"
#include "virtio_net_model.hpp"

namespace {

using namespace kaal::dddk;
using kaal::Word;
using kaal::drivers::network::VirtioNetDriver;
using kaal::ipc::BufferDescriptor;
using kaal::testing::VirtioNetModel;
using net::buffer_bytes;
using net::max_frame_bytes;
using net::queue_capacity;
using Driver = VirtioNetDriver<MockBus<VirtioNetModel>>;
using Server = NetDriverServer<Driver>;

constexpr std::uint32_t buffer_count = 600; // more than a ring holds

std::vector<std::uint8_t> make_frame(std::uint32_t tag, std::size_t bytes) {
    std::vector<std::uint8_t> frame(bytes);
    for (std::size_t i = 0; i < bytes; ++i) {
        frame[i] = static_cast<std::uint8_t>(i < 6 ? 0xff : std::size_t{tag} * 13 + i);
    }
    return frame;
}
std::size_t size_of(std::uint32_t tag) {
    return 60 + tag % 1400;
}

class NetDriverServerTest : public ::testing::Test {
protected:
    NetDriverServerTest() {
        const Word at = dma_.address();
        driver_.emplace(
            Driver::create(MockBus<VirtioNetModel>{model_}, {at, at, Driver::dma_bytes}).value());
        server_.emplace(*driver_, net::attach_queue(rx_region_.address()).value(),
                        net::attach_queue(tx_region_.address()).value());
        rx_virt_.emplace(net::attach_queue(rx_region_.address()).value());
        tx_virt_.emplace(net::attach_queue(tx_region_.address()).value());
    }

    // The driver PD's notified(): the interrupt if one is raised, then the queues.
    NetPeers driver_runs() {
        NetPeers peers;
        if (model_.interrupt_status != 0) {
            peers = server_->handle_irq();
        }
        peers |= server_->serve();
        return peers;
    }

    Word rx_buffer(std::uint32_t i) { return rx_buffers_.address() + Word{i} * buffer_bytes; }
    Word tx_buffer(std::uint32_t i) { return tx_buffers_.address() + Word{i} * buffer_bytes; }
    static std::vector<std::uint8_t> bytes_at(Word paddr, std::uint32_t n) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): "physical" addresses are host addresses
        const auto* p = reinterpret_cast<const std::uint8_t*>(paddr);
        return {p, p + n};
    }

    // The RX virtualiser: lends buffers; true if it must notify the driver.
    bool rx_virt_gives(std::uint32_t first, std::uint32_t count) {
        for (std::uint32_t i = first; i < first + count; ++i) {
            EXPECT_TRUE(rx_virt_->free().push({rx_buffer(i), buffer_bytes, i}).ok()) << i;
        }
        return rx_virt_->free().consumer_needs_signal();
    }
    std::vector<BufferDescriptor> rx_virt_takes(std::size_t most = ~std::size_t{0}) {
        std::vector<BufferDescriptor> frames;
        while (frames.size() < most) {
            auto d = rx_virt_->active().pop();
            if (!d) {
                break;
            }
            frames.push_back(*d);
        }
        return frames;
    }
    // The TX virtualiser: queues the frame `tag` in its buffer `index`.
    bool tx_virt_sends(std::uint32_t index, std::uint32_t tag, std::size_t bytes) {
        const auto frame = make_frame(tag, bytes);
        std::memcpy(tx_buffers_.bytes.data() + std::size_t{index} * buffer_bytes, frame.data(),
                    frame.size());
        return tx_virt_->active()
            .push({tx_buffer(index), static_cast<std::uint32_t>(bytes), tag})
            .ok();
    }
    std::vector<BufferDescriptor> tx_virt_takes_back(std::size_t most = ~std::size_t{0}) {
        std::vector<BufferDescriptor> buffers;
        while (buffers.size() < most) {
            auto d = tx_virt_->free().pop();
            if (!d) {
                break;
            }
            buffers.push_back(*d);
        }
        return buffers;
    }
    // Descriptors in a ring the virtualiser produces into, seen from its end.
    static std::uint32_t in_ring(net::NetQueue::Ring& produced) {
        return queue_capacity - produced.free_slots();
    }

    VirtioNetModel model_;
    kaal::mock::HostRegion<0x6000> dma_;
    kaal::mock::HostRegion<net::queue_region_bytes> rx_region_;
    kaal::mock::HostRegion<net::queue_region_bytes> tx_region_;
    kaal::mock::HostRegion<std::size_t{buffer_count} * buffer_bytes> rx_buffers_;
    kaal::mock::HostRegion<std::size_t{buffer_count} * buffer_bytes> tx_buffers_;
    std::optional<Driver> driver_;
    std::optional<Server> server_;
    std::optional<net::NetQueue> rx_virt_;
    std::optional<net::NetQueue> tx_virt_;
};

TEST_F(NetDriverServerTest, ReceivedFramesReachTheRxVirtualiserThroughManyWraps) {
    static_cast<void>(rx_virt_gives(0, queue_capacity));
    driver_runs();
    EXPECT_EQ(model_.rx_buffers(), 128U) << "as many as the device takes";
    EXPECT_EQ(in_ring(rx_virt_->free()), queue_capacity - 128);
    constexpr std::uint32_t frames = 2000;
    std::uint32_t delivered = 0;
    std::set<std::uint32_t> held; // buffers the virtualiser holds
    for (std::uint32_t i = 0; i < frames; ++i) {
        ASSERT_TRUE(model_.receive(make_frame(i, size_of(i)))) << i;
        if (i % 50 == 49 || i + 1 == frames) {
            driver_runs();
            for (const BufferDescriptor& d : rx_virt_takes()) {
                ASSERT_EQ(d.length, size_of(delivered));
                ASSERT_EQ(d.offset, rx_buffer(d.cookie));
                ASSERT_EQ(bytes_at(d.offset, d.length), make_frame(delivered, size_of(delivered)));
                ++delivered;
                held.insert(d.cookie);
            }
            // It gives back all but the last few, which it keeps a while.
            while (held.size() > 3) {
                const std::uint32_t c = *held.begin();
                held.erase(held.begin());
                ASSERT_TRUE(rx_virt_->free().push({rx_buffer(c), buffer_bytes, c}).ok());
            }
        }
    }
    EXPECT_EQ(delivered, frames);
    EXPECT_EQ(model_.dropped_no_buffer, 0U);
    EXPECT_EQ(driver_->dropped_frames(), 0U);
    // Every buffer is somewhere: the free ring, the device, or the virtualiser's hands.
    EXPECT_EQ(in_ring(rx_virt_->free()) + driver_->rx_in_flight() + held.size(), queue_capacity);
    EXPECT_EQ(driver_->rx_in_flight(), model_.rx_buffers());
}

TEST_F(NetDriverServerTest, TransmittedFramesGoOutAndComeBackThroughManyWraps) {
    constexpr std::uint32_t frames = 2000;
    std::uint32_t queued = 0;
    std::uint32_t returned = 0;
    while (returned < frames) {
        // The virtualiser queues as many as it has buffers for (512 at most), in batches.
        while (queued < frames && queued - returned < queue_capacity &&
               tx_virt_sends(queued % queue_capacity, queued, size_of(queued))) {
            ++queued;
        }
        driver_runs();
        for (const BufferDescriptor& d : tx_virt_takes_back()) {
            ASSERT_EQ(d.cookie, returned) << "in order";
            ASSERT_EQ(d.offset, tx_buffer(returned % queue_capacity));
            ASSERT_EQ(d.length, size_of(returned)) << "as it was queued";
            ++returned;
        }
    }
    ASSERT_EQ(model_.sent.size(), frames);
    for (std::uint32_t i = 0; i < frames; ++i) {
        ASSERT_EQ(model_.sent[i], make_frame(i, size_of(i))) << i;
    }
    EXPECT_EQ(driver_->tx_in_flight(), 0U);
    EXPECT_EQ(server_->refused_frames(), 0U);
    EXPECT_EQ(model_.bad_chains, 0U);
}

TEST_F(NetDriverServerTest, FramesTheDriverMustNotSendComeBackUnsentAndCounted) {
    model_.hold_tx = true;
    ASSERT_TRUE(tx_virt_sends(0, 100, 60));
    ASSERT_TRUE(tx_virt_->active().push({tx_buffer(1), 0, 101}).ok());
    ASSERT_TRUE(tx_virt_->active().push({tx_buffer(2), max_frame_bytes + 1, 102}).ok());
    ASSERT_TRUE(tx_virt_->active().push({tx_buffer(3), 13, 103}).ok());
    ASSERT_TRUE(tx_virt_sends(4, 104, max_frame_bytes));
    driver_runs();
    EXPECT_EQ(server_->refused_frames(), 3U);
    EXPECT_EQ(tx_virt_takes_back(), (std::vector<BufferDescriptor>{
                                        {tx_buffer(1), 0, 101},
                                        {tx_buffer(2), max_frame_bytes + 1, 102},
                                        {tx_buffer(3), 13, 103},
                                    }))
        << "at once, unchanged";
    EXPECT_EQ(model_.tx_pending(), 2U);
    model_.send();
    driver_runs();
    EXPECT_EQ(model_.sent, (std::vector<std::vector<std::uint8_t>>{
                               make_frame(100, 60), make_frame(104, max_frame_bytes)}));
    EXPECT_EQ(tx_virt_takes_back(), (std::vector<BufferDescriptor>{
                                        {tx_buffer(0), 60, 100},
                                        {tx_buffer(4), max_frame_bytes, 104},
                                    }));
}

TEST_F(NetDriverServerTest, AnEmptyReceiveQueueDropsAtTheDeviceUntilBuffersReturn) {
    // The driver's first pass finds no buffer and asks the RX virtualiser for a signal.
    EXPECT_EQ(driver_runs(), NetPeers{});
    EXPECT_FALSE(model_.receive(make_frame(0, 100)));
    EXPECT_TRUE(rx_virt_gives(0, 4)) << "the driver asked to be told";
    driver_runs();
    for (std::uint32_t i = 1; i <= 4; ++i) {
        ASSERT_TRUE(model_.receive(make_frame(i, 100)));
    }
    EXPECT_FALSE(model_.receive(make_frame(5, 100)));
    EXPECT_EQ(model_.dropped_no_buffer, 2U);
    driver_runs();
    auto frames = rx_virt_takes();
    ASSERT_EQ(frames.size(), 4U);
    EXPECT_EQ(bytes_at(frames[0].offset, 100), make_frame(1, 100));
    EXPECT_EQ(model_.rx_buffers(), 0U);
    // The buffers come back; the virtualiser notifies; the next frames are received.
    for (const BufferDescriptor& d : frames) {
        ASSERT_TRUE(rx_virt_->free().push({d.offset, buffer_bytes, d.cookie}).ok());
    }
    EXPECT_TRUE(rx_virt_->free().consumer_needs_signal());
    driver_runs();
    EXPECT_EQ(model_.rx_buffers(), 4U);
    ASSERT_TRUE(model_.receive(make_frame(6, 100)));
    driver_runs();
    frames = rx_virt_takes();
    ASSERT_EQ(frames.size(), 1U);
    EXPECT_EQ(bytes_at(frames[0].offset, 100), make_frame(6, 100));
}

TEST_F(NetDriverServerTest, MalformedReceivesNeverReachTheVirtualiserAndNoBufferIsLost) {
    static_cast<void>(rx_virt_gives(0, 8));
    driver_runs();
    const auto frame = make_frame(1, 100);
    ASSERT_TRUE(model_.receive_claiming(frame, 3));
    ASSERT_TRUE(model_.receive_claiming(frame, Driver::header_bytes + 10));
    ASSERT_TRUE(model_.receive_claiming(frame, Driver::header_bytes + buffer_bytes + 8));
    model_.inject_used(VirtioNetModel::rx, 200, 100);
    ASSERT_TRUE(model_.receive(frame));
    driver_runs();
    const auto frames = rx_virt_takes();
    ASSERT_EQ(frames.size(), 1U);
    EXPECT_EQ(frames[0], (BufferDescriptor{rx_buffer(3), 100, 3}));
    EXPECT_EQ(driver_->dropped_frames(), 3U);
    EXPECT_EQ(driver_->bogus_completions(), 1U);
    EXPECT_EQ(model_.rx_buffers(), 7U) << "the dropped frames' buffers are back in the device";
    EXPECT_EQ(in_ring(rx_virt_->free()) + driver_->rx_in_flight() + frames.size(), 8U);
}

TEST_F(NetDriverServerTest, ABufferIsTakenOnlyWhileItsFrameHasAPlaceInTheActiveRing) {
    // 600 buffers for a ring of 512, and a virtualiser that reads no frame for a while.
    static_cast<void>(rx_virt_gives(0, queue_capacity));
    driver_runs();
    static_cast<void>(rx_virt_gives(queue_capacity, buffer_count - queue_capacity));
    std::uint32_t received = 0;
    for (int round = 0; round < 20; ++round) {
        while (model_.receive(make_frame(received, 64))) {
            ++received;
        }
        driver_runs();
        ASSERT_LE(in_ring(rx_virt_->free()) + driver_->rx_in_flight() + received, buffer_count);
    }
    EXPECT_EQ(received, queue_capacity) << "the device got exactly as many as fit the ring";
    EXPECT_EQ(driver_->rx_in_flight(), 0U);
    EXPECT_EQ(in_ring(rx_virt_->free()), buffer_count - queue_capacity) << "the rest wait";
    // Reading one frame makes one place; the driver asked to be told, and takes one buffer.
    ASSERT_EQ(rx_virt_takes(1).size(), 1U);
    EXPECT_TRUE(rx_virt_->active().producer_needs_signal());
    driver_runs();
    EXPECT_EQ(driver_->rx_in_flight(), 1U);
    ASSERT_TRUE(model_.receive(make_frame(received, 64)));
    driver_runs();
    EXPECT_EQ(rx_virt_takes().size(), queue_capacity);
    EXPECT_EQ(in_ring(rx_virt_->free()), buffer_count - queue_capacity - 1);
}

TEST_F(NetDriverServerTest, AFrameIsTakenOnlyWhileItsBufferHasAPlaceInTheFreeRing) {
    for (std::uint32_t i = 0; i < queue_capacity; ++i) {
        ASSERT_TRUE(tx_virt_sends(i, i, 60));
    }
    driver_runs();
    EXPECT_EQ(model_.sent.size(), queue_capacity);
    EXPECT_EQ(in_ring(tx_virt_->active()), 0U);
    // The free ring is full of buffers the virtualiser has not read; it queues 88 more frames.
    for (std::uint32_t i = queue_capacity; i < buffer_count; ++i) {
        ASSERT_TRUE(tx_virt_sends(i, i, 60));
    }
    driver_runs();
    EXPECT_EQ(model_.sent.size(), queue_capacity) << "none taken without a place to return it";
    EXPECT_EQ(in_ring(tx_virt_->active()), buffer_count - queue_capacity);
    EXPECT_EQ(driver_->tx_in_flight(), 0U);
    // Reading three buffers makes three places; the driver asked to be told.
    ASSERT_EQ(tx_virt_takes_back(3).size(), 3U);
    EXPECT_TRUE(tx_virt_->free().producer_needs_signal());
    driver_runs();
    EXPECT_EQ(model_.sent.size(), queue_capacity + 3);
    EXPECT_EQ(in_ring(tx_virt_->active()), buffer_count - queue_capacity - 3);
    const auto back = tx_virt_takes_back();
    ASSERT_EQ(back.size(), queue_capacity);
    EXPECT_EQ(back.back().cookie, queue_capacity + 2);
}

TEST_F(NetDriverServerTest, SentBuffersReturnOnAQuietLinkByTheTransmitInterrupt) {
    model_.hold_tx = true;
    EXPECT_EQ(driver_runs(), NetPeers{}) << "the PD's first pass, in init()";
    EXPECT_TRUE(tx_virt_->free().consumer_may_sleep()) << "the virtualiser waits for buffers";
    ASSERT_TRUE(tx_virt_sends(0, 0, 60));
    ASSERT_TRUE(tx_virt_sends(1, 1, 60));
    EXPECT_TRUE(tx_virt_->active().consumer_needs_signal()) << "the driver asked in its first pass";
    EXPECT_EQ(driver_runs(), NetPeers{});
    EXPECT_EQ(driver_->tx_in_flight(), 2U);
    EXPECT_TRUE(driver_->tx_interrupts_wanted()) << "asleep with frames out";
    model_.send();
    ASSERT_NE(model_.interrupt_status, 0U);
    EXPECT_EQ(driver_runs(), (NetPeers{false, true}));
    EXPECT_EQ(tx_virt_takes_back().size(), 2U);
    EXPECT_FALSE(driver_->tx_interrupts_wanted()) << "none out";
}

TEST_F(NetDriverServerTest, EachVirtualiserIsSignalledOnlyWhenItAsked) {
    static_cast<void>(rx_virt_gives(0, 16));
    driver_runs();
    ASSERT_TRUE(model_.receive(make_frame(0, 64)));
    EXPECT_EQ(driver_runs(), NetPeers{}) << "the RX virtualiser is busy: no signal";
    EXPECT_EQ(rx_virt_takes().size(), 1U);
    EXPECT_TRUE(rx_virt_->active().consumer_may_sleep());
    ASSERT_TRUE(model_.receive(make_frame(1, 64)));
    EXPECT_EQ(driver_runs(), (NetPeers{true, false}));
    ASSERT_TRUE(model_.receive(make_frame(2, 64)));
    EXPECT_EQ(driver_runs(), NetPeers{}) << "one signal per sleep";
    EXPECT_EQ(rx_virt_takes().size(), 2U);

    ASSERT_TRUE(tx_virt_sends(0, 0, 60));
    EXPECT_EQ(driver_runs(), NetPeers{}) << "the TX virtualiser did not ask";
    EXPECT_EQ(tx_virt_takes_back().size(), 1U);
    EXPECT_TRUE(tx_virt_->free().consumer_may_sleep());
    ASSERT_TRUE(tx_virt_sends(1, 1, 60));
    EXPECT_EQ(driver_runs(), (NetPeers{false, true}));
}

TEST_F(NetDriverServerTest, BuffersTooSmallForAFrameAreKeptOutOfTheDevice) {
    ASSERT_TRUE(rx_virt_->free().push({rx_buffer(0), 100, 0}).ok());
    static_cast<void>(rx_virt_gives(1, 1));
    driver_runs();
    EXPECT_EQ(server_->refused_buffers(), 1U);
    EXPECT_EQ(model_.rx_buffers(), 1U);
    ASSERT_TRUE(model_.receive(make_frame(0, 200)));
    driver_runs();
    EXPECT_EQ(rx_virt_takes(), (std::vector<BufferDescriptor>{{rx_buffer(1), 200, 1}}));
}

TEST_F(NetDriverServerTest, ADeviceThatNeedsAResetStopsTheServer) {
    static_cast<void>(rx_virt_gives(0, 2));
    driver_runs();
    ASSERT_TRUE(model_.receive(make_frame(0, 64)));
    model_.break_device();
    driver_runs();
    EXPECT_TRUE(server_->device_failed());
    EXPECT_EQ(rx_virt_takes().size(), 1U) << "what it finished before is delivered";
    ASSERT_TRUE(tx_virt_sends(0, 0, 60));
    static_cast<void>(rx_virt_gives(2, 1));
    EXPECT_EQ(driver_runs(), NetPeers{});
    EXPECT_TRUE(model_.sent.empty());
    EXPECT_EQ(in_ring(tx_virt_->active()), 1U) << "left where it is";
    EXPECT_EQ(in_ring(rx_virt_->free()), 1U);
}

} // namespace
