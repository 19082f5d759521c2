// SPDX-License-Identifier: BSD-2-Clause
// The driver's side of a split virtqueue against a device played by the test, which reads the
// available ring and writes the used ring as the virtio 1.2 spec (2.7) says a device does.
#include <algorithm>
#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <random>
#include <vector>

#include <kaal/dddk/virtio/split_queue.hpp>

namespace {

using namespace kaal::dddk::virtio;
using kaal::Error;
using kaal::Word;

constexpr std::uint16_t size = 8;
using Queue = SplitQueue<size>;

// The device's view: the same memory, found by the physical addresses the driver gave it (here
// equal to the virtual ones).
class Device {
public:
    // NOLINTBEGIN(performance-no-int-to-ptr): "physical" addresses are host addresses here
    explicit Device(const Queue& q)
        : desc_(reinterpret_cast<QueueDescriptor*>(q.descriptors_paddr())),
          avail_(reinterpret_cast<AvailableRing<size>*>(q.available_paddr())),
          used_(reinterpret_cast<UsedRing<size>*>(q.used_paddr())) {}
    // NOLINTEND(performance-no-int-to-ptr)

    // Every chain made available since the last call: its head and its buffers.
    std::vector<std::pair<std::uint16_t, std::vector<QueueDescriptor>>> take() {
        std::vector<std::pair<std::uint16_t, std::vector<QueueDescriptor>>> chains;
        for (; seen_ != avail_->idx; ++seen_) {
            const std::uint16_t head = avail_->ring[seen_ % size];
            std::vector<QueueDescriptor> chain;
            for (std::uint16_t d = head;; d = desc_[d].next) {
                chain.push_back(desc_[d]);
                if ((desc_[d].flags & QueueDescriptor::next_flag) == 0 || chain.size() > size) {
                    break;
                }
            }
            chains.emplace_back(head, chain);
        }
        return chains;
    }
    void complete(std::uint32_t head, std::uint32_t len) {
        used_->ring[used_->idx % size] = {head, len};
        ++used_->idx;
    }
    void suppress_notifications(bool on) { used_->flags = on ? UsedRing<size>::no_notify : 0; }

private:
    QueueDescriptor* desc_;
    AvailableRing<size>* avail_;
    UsedRing<size>* used_;
    std::uint16_t seen_ = 0;
};

struct alignas(16) Memory {
    std::array<std::byte, Queue::bytes> bytes{};
    [[nodiscard]] QueueMemory queue() {
        const auto at = reinterpret_cast<Word>(bytes.data());
        return {at, at};
    }
};

TEST(SplitQueue, ChainsReachTheDeviceInOrderWithTheirBuffersAndFlags) {
    Memory m;
    auto q = Queue::create(m.queue()).value();
    Device device{q};
    const std::array<QueueBuffer, 3> request{
        {{0x1000, 16, false}, {0x2000, 512, true}, {0x3000, 1, true}}};
    const auto head = q.add(request);
    ASSERT_TRUE(head.ok());
    EXPECT_TRUE(device.take().empty()) << "nothing is the device's before publish()";
    q.publish();
    EXPECT_TRUE(q.needs_notify());
    const auto chains = device.take();
    ASSERT_EQ(chains.size(), 1U);
    EXPECT_EQ(chains[0].first, *head);
    ASSERT_EQ(chains[0].second.size(), 3U);
    EXPECT_EQ(chains[0].second[0].addr, 0x1000U);
    EXPECT_EQ(chains[0].second[0].flags, QueueDescriptor::next_flag);
    EXPECT_EQ(chains[0].second[1].flags, QueueDescriptor::next_flag | QueueDescriptor::write_flag);
    EXPECT_EQ(chains[0].second[2].flags, QueueDescriptor::write_flag);
    EXPECT_EQ(chains[0].second[2].len, 1U);
    device.suppress_notifications(true);
    EXPECT_FALSE(q.needs_notify());
}

TEST(SplitQueue, AFullQueueRefusesAndCompletionsInAnyOrderFreeTheirDescriptors) {
    Memory m;
    auto q = Queue::create(m.queue()).value();
    Device device{q};
    const std::array<QueueBuffer, 3> three{{{0x1000, 16, false}, {0x2000, 8, true}, {0, 1, true}}};
    const auto a = q.add(three);
    const auto b = q.add(three);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(q.free_descriptors(), 2U);
    EXPECT_EQ(q.add(three).error(), Error::queue_full);
    EXPECT_EQ(q.add({}).error(), Error::invalid_argument);
    q.publish();
    ASSERT_EQ(device.take().size(), 2U);
    device.complete(*b, 9); // the second first
    std::vector<std::pair<std::uint16_t, std::uint32_t>> done;
    EXPECT_EQ(q.collect([&](std::uint16_t h, std::uint32_t len) { done.emplace_back(h, len); }),
              1U);
    EXPECT_EQ(q.free_descriptors(), 5U);
    device.complete(*a, 3);
    q.collect([&](std::uint16_t h, std::uint32_t len) { done.emplace_back(h, len); });
    EXPECT_EQ(done, (std::vector<std::pair<std::uint16_t, std::uint32_t>>{{*b, 9}, {*a, 3}}));
    EXPECT_EQ(q.free_descriptors(), size);
}

TEST(SplitQueue, AUsedElementNamingNoChainOfOursIsSkippedAndCounted) {
    Memory m;
    auto q = Queue::create(m.queue()).value();
    Device device{q};
    const std::array<QueueBuffer, 1> one{{{0x1000, 16, false}}};
    const auto head = q.add(one);
    q.publish();
    device.take();
    device.complete(size + 3, 0); // out of range
    device.complete(*head, 0);
    device.complete(*head, 0); // twice
    std::size_t completions = 0;
    EXPECT_EQ(q.collect([&](std::uint16_t, std::uint32_t) { ++completions; }), 1U);
    EXPECT_EQ(completions, 1U);
    EXPECT_EQ(q.bogus(), 2U);
    EXPECT_EQ(q.free_descriptors(), size);
}

// 100,000 chains of random lengths, completed in random order: the 16-bit indices wrap many
// times, no descriptor is lost or handed out twice, every chain is completed exactly once.
TEST(SplitQueue, IndicesWrapAndNoDescriptorIsLostOverManyRandomRequests) {
    Memory m;
    auto q = Queue::create(m.queue()).value();
    Device device{q};
    std::mt19937 random{7};
    std::vector<std::uint16_t> in_flight;
    std::size_t submitted = 0;
    std::size_t completed = 0;
    while (submitted < 100'000) {
        const auto length = static_cast<std::size_t>(1 + random() % 3);
        std::array<QueueBuffer, 3> chain{};
        for (std::size_t i = 0; i < length; ++i) {
            chain[i] = {0x1000 * (submitted % 64), 512, i != 0};
        }
        if (auto head = q.add(std::span{chain.data(), length}); head.ok()) {
            ++submitted;
        } else {
            ASSERT_EQ(head.error(), Error::queue_full);
        }
        if (random() % 2 == 0) {
            q.publish();
            for (const auto& [head, buffers] : device.take()) {
                in_flight.push_back(head);
            }
            std::shuffle(in_flight.begin(), in_flight.end(), random);
            const auto finish = static_cast<std::size_t>(random() % (in_flight.size() + 1));
            for (std::size_t i = 0; i < finish; ++i) {
                device.complete(in_flight.back(), 0);
                in_flight.pop_back();
            }
            completed += q.collect([](std::uint16_t, std::uint32_t) {});
        }
    }
    q.publish();
    for (const auto& [head, buffers] : device.take()) {
        in_flight.push_back(head);
    }
    for (const auto head : in_flight) {
        device.complete(head, 0);
    }
    completed += q.collect([](std::uint16_t, std::uint32_t) {});
    EXPECT_EQ(completed, submitted);
    EXPECT_EQ(q.free_descriptors(), size);
    EXPECT_EQ(q.bogus(), 0U);
}

} // namespace
