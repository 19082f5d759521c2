// SPDX-License-Identifier: BSD-2-Clause
#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <numeric>
#include <vector>

#include <kaal/ipc/ring_buffer.hpp>

#include "ring_test_support.hpp"

namespace {

using kaal::Error;
using kaal::ipc::RingBuffer;
using kaal::ipc::RingControl;
using kaal::ipc::RingIndex;
using kaal::ipc::test::Region;

template <typename T = std::uint64_t>
struct Fixture {
    explicit Fixture(RingIndex capacity)
        : region(RingBuffer<T>::region_size(capacity)),
          ring(RingBuffer<T>::attach(region.data(), region.size(), capacity).value()) {}
    [[nodiscard]] RingControl& control() const {
        return *reinterpret_cast<RingControl*>(region.data());
    }
    Region region;
    RingBuffer<T> ring;
};

TEST(RingBuffer, AttachValidatesTheRegion) {
    Region region(RingBuffer<std::uint64_t>::region_size(8) + 64);
    EXPECT_EQ(RingBuffer<std::uint64_t>::attach(nullptr, 4096, 8).error(), Error::invalid_argument);
    EXPECT_EQ(RingBuffer<std::uint64_t>::attach(region.data(), region.size(), 0).error(),
              Error::invalid_argument);
    EXPECT_EQ(RingBuffer<std::uint64_t>::attach(region.data(), region.size(), 12).error(),
              Error::invalid_argument);
    EXPECT_EQ(RingBuffer<std::uint64_t>::attach(region.data() + 8, region.size() - 8, 8).error(),
              Error::alignment_error);
    EXPECT_EQ(RingBuffer<std::uint64_t>::attach(region.data(), region.size(), 32).error(),
              Error::no_space);
    const auto ring = RingBuffer<std::uint64_t>::attach(region.data(), region.size(), 8);
    ASSERT_TRUE(ring.ok());
    EXPECT_EQ(ring->capacity(), 8U);
}

TEST(RingBuffer, IndicesAndFlagsSitOnSeparateCacheLines) {
    EXPECT_EQ(offsetof(RingControl, tail) / kaal::ipc::cache_line_size, 0U);
    EXPECT_EQ(offsetof(RingControl, head) / kaal::ipc::cache_line_size, 1U);
    EXPECT_EQ(offsetof(RingControl, consumer_wants_signal) / kaal::ipc::cache_line_size, 2U);
    EXPECT_EQ(offsetof(RingControl, producer_wants_signal) / kaal::ipc::cache_line_size, 2U);
}

TEST(RingBuffer, PopsInPushOrder) {
    Fixture f{8};
    for (std::uint64_t i = 0; i < 5; ++i) {
        ASSERT_TRUE(f.ring.push(i * 10).ok());
    }
    EXPECT_EQ(f.ring.available(), 5U);
    for (std::uint64_t i = 0; i < 5; ++i) {
        const auto item = f.ring.pop();
        ASSERT_TRUE(item.ok());
        EXPECT_EQ(*item, i * 10);
    }
    EXPECT_EQ(f.ring.pop().error(), Error::queue_empty);
}

TEST(RingBuffer, FullAndEmptyAreExact) {
    Fixture f{4};
    EXPECT_EQ(f.ring.pop().error(), Error::queue_empty);
    EXPECT_EQ(f.ring.free_slots(), 4U);
    for (std::uint64_t i = 0; i < 4; ++i) {
        ASSERT_TRUE(f.ring.push(i).ok());
    }
    EXPECT_EQ(f.ring.free_slots(), 0U);
    EXPECT_EQ(f.ring.push(99).error(), Error::queue_full);
    ASSERT_EQ(*f.ring.pop(), 0U);
    // One slot freed: exactly one more push fits.
    EXPECT_TRUE(f.ring.push(4).ok());
    EXPECT_EQ(f.ring.push(5).error(), Error::queue_full);
    for (std::uint64_t i = 1; i <= 4; ++i) {
        ASSERT_EQ(*f.ring.pop(), i);
    }
    EXPECT_EQ(f.ring.pop().error(), Error::queue_empty);
}

TEST(RingBuffer, WrapsAroundTheSlotsManyTimes) {
    Fixture f{4};
    std::uint64_t next_push = 0;
    std::uint64_t next_pop = 0;
    for (int round = 0; round < 100; ++round) {
        // An uneven fill level so every slot boundary is crossed at every fill.
        for (int i = 0; i < 3; ++i) {
            ASSERT_TRUE(f.ring.push(next_push++).ok());
        }
        for (int i = 0; i < 3; ++i) {
            ASSERT_EQ(*f.ring.pop(), next_pop++);
        }
    }
    EXPECT_EQ(f.control().tail, 300U);
    EXPECT_EQ(f.control().head, 300U);
}

TEST(RingBuffer, IndicesWrapAroundThirtyTwoBits) {
    Fixture f{8};
    // Both sides start just below the 32-bit wrap, as a ring that has run for a long time.
    f.control().tail = 0xFFFFFFFDU;
    f.control().head = 0xFFFFFFFDU;
    auto ring = RingBuffer<std::uint64_t>::attach(f.region.data(), f.region.size(), 8).value();
    for (std::uint64_t i = 0; i < 8; ++i) {
        ASSERT_TRUE(ring.push(i).ok()) << i;
    }
    EXPECT_EQ(ring.push(8).error(), Error::queue_full);
    EXPECT_EQ(f.control().tail, 5U);
    for (std::uint64_t i = 0; i < 8; ++i) {
        ASSERT_EQ(*ring.pop(), i);
    }
    EXPECT_EQ(ring.pop().error(), Error::queue_empty);
}

TEST(RingBuffer, BatchesStopAtFullAndEmptyAndCrossTheEnd) {
    Fixture f{8};
    std::vector<std::uint64_t> in(20);
    std::iota(in.begin(), in.end(), 100);
    // Offset the indices so the batch crosses the end of the slot array.
    for (std::uint64_t i = 0; i < 5; ++i) {
        ASSERT_TRUE(f.ring.push(i).ok());
        ASSERT_TRUE(f.ring.pop().ok());
    }
    EXPECT_EQ(f.ring.push_batch(std::span{in}), 8U); // capped at capacity
    EXPECT_EQ(f.ring.push_batch(std::span{in}.subspan(8)), 0U);
    std::array<std::uint64_t, 3> small{};
    EXPECT_EQ(f.ring.pop_batch(small), 3U);
    EXPECT_EQ(small, (std::array<std::uint64_t, 3>{100, 101, 102}));
    EXPECT_EQ(f.ring.push_batch(std::span{in}.subspan(8)), 3U); // exactly the freed slots
    std::array<std::uint64_t, 16> big{};
    EXPECT_EQ(f.ring.pop_batch(big), 8U);
    for (std::uint64_t i = 0; i < 8; ++i) {
        EXPECT_EQ(big.at(i), 103 + i);
    }
    EXPECT_EQ(f.ring.pop_batch(big), 0U);
    EXPECT_EQ(f.ring.push_batch(std::span<const std::uint64_t>{}), 0U);
    EXPECT_EQ(f.control().tail, f.control().head);
}

TEST(RingBuffer, BatchOfExactlyCapacityAndOfOne) {
    Fixture f{16};
    std::vector<std::uint64_t> in(16);
    std::iota(in.begin(), in.end(), 0);
    for (int round = 0; round < 5; ++round) {
        ASSERT_EQ(f.ring.push_batch(std::span{in}), 16U);
        std::array<std::uint64_t, 1> one{};
        ASSERT_EQ(f.ring.pop_batch(one), 1U);
        EXPECT_EQ(one[0], 0U);
        ASSERT_EQ(f.ring.push_batch(std::span{in}.first(1)), 1U);
        std::vector<std::uint64_t> out(16);
        ASSERT_EQ(f.ring.pop_batch(std::span{out}), 16U);
        EXPECT_EQ(out.front(), 1U);
        EXPECT_EQ(out.back(), 0U);
    }
}

TEST(RingBuffer, TwoViewsOfOneRegionSeeTheSameRing) {
    // One view per PD, as on seL4: the producer's and the consumer's.
    Fixture f{8};
    auto consumer = RingBuffer<std::uint64_t>::attach(f.region.data(), f.region.size(), 8).value();
    ASSERT_TRUE(f.ring.push(7).ok());
    ASSERT_TRUE(f.ring.push(8).ok());
    EXPECT_EQ(*consumer.pop(), 7U);
    EXPECT_EQ(*consumer.pop(), 8U);
    EXPECT_EQ(consumer.pop().error(), Error::queue_empty);
}

TEST(RingBuffer, CorruptPeerIndicesAreClamped) {
    Fixture f{8};
    auto consumer = RingBuffer<std::uint64_t>::attach(f.region.data(), f.region.size(), 8).value();
    // A faulty producer claims a billion items: the consumer sees none rather than reading on.
    f.control().tail = 1'000'000'000U;
    EXPECT_EQ(consumer.available(), 0U);
    EXPECT_EQ(consumer.pop().error(), Error::queue_empty);
    f.control().tail = 0;
    // A faulty consumer claims to be ahead of the producer: the producer keeps the last head it
    // accepted and writes only slots the consumer has given back.
    f.control().head = 5;
    EXPECT_EQ(f.ring.free_slots(), 8U);
    ASSERT_TRUE(f.ring.push(1).ok());
    EXPECT_EQ(f.ring.free_slots(), 7U);
}

// push() and pop() check a refreshed index with a shortcut of the clamp (the view's copy equals
// the other index when they refresh). The shortcut must refuse the same corrupt indices.
TEST(RingBuffer, SinglePushAndPopBelieveOnlyAnIndexThatMovedForwardWithinTheRing) {
    Fixture f{8};
    auto consumer = RingBuffer<std::uint64_t>::attach(f.region.data(), f.region.size(), 8).value();
    for (std::uint64_t i = 0; i < 8; ++i) {
        ASSERT_TRUE(f.ring.push(i).ok());
    }
    f.control().head = 9; // past the tail: more popped than was ever pushed
    EXPECT_EQ(f.ring.push(100).error(), Error::queue_full);
    f.control().head = 0xFFFF'FFFFU; // moved back
    EXPECT_EQ(f.ring.push(100).error(), Error::queue_full);
    f.control().head = 0;
    for (std::uint64_t i = 0; i < 3; ++i) {
        ASSERT_EQ(consumer.pop().value(), i);
    }
    for (std::uint64_t i = 8; i < 11; ++i) {
        EXPECT_TRUE(f.ring.push(i).ok()) << "three slots were given back";
    }
    EXPECT_EQ(f.ring.push(100).error(), Error::queue_full);

    for (std::uint64_t i = 3; i < 11; ++i) {
        ASSERT_EQ(consumer.pop().value(), i);
    }
    f.control().tail = 10; // moved back behind what the consumer already popped
    EXPECT_EQ(consumer.pop().error(), Error::queue_empty);
    f.control().tail = 11 + 9; // more than a capacity ahead
    EXPECT_EQ(consumer.pop().error(), Error::queue_empty);
    f.control().tail = 11 + 8; // a whole ring's worth: believed
    EXPECT_TRUE(consumer.pop().ok());
}

// Defect 5 of the hardening issue: the capacity-only clamp let a consumer move `head` back by up
// to a capacity, so free_slots() could promise room that the next push_batch did not find.
TEST(RingBuffer, APeerMovingItsIndexBackwardsNeverShrinksTheView) {
    Fixture f{8};
    auto consumer = RingBuffer<std::uint64_t>::attach(f.region.data(), f.region.size(), 8).value();
    const std::uint64_t items[6] = {1, 2, 3, 4, 5, 6};
    ASSERT_EQ(f.ring.push_batch(items), 6U);
    std::uint64_t out[6] = {};
    ASSERT_EQ(consumer.pop_batch(std::span{out, 4}), 4U);
    ASSERT_EQ(f.ring.free_slots(), 6U); // head 4, tail 6
    f.control().head = 0;               // the consumer "un-pops" four items
    EXPECT_EQ(f.ring.free_slots(), 6U);
    const std::uint64_t more[6] = {7, 8, 9, 10, 11, 12};
    EXPECT_EQ(f.ring.push_batch(more), 6U) << "what free_slots() promised is there";
    f.control().head = 4;

    // The producer moving `tail` back: the consumer keeps what it was shown.
    ASSERT_EQ(consumer.available(), 8U);
    f.control().tail = 7;
    EXPECT_EQ(consumer.available(), 8U);
    EXPECT_EQ(consumer.pop_batch(std::span{out, 6}), 6U);
    EXPECT_EQ(out[0], 5U);
    EXPECT_EQ(out[2], 7U);
}

TEST(RingBuffer, CarriesDescriptorsIntact) {
    struct Slot {
        std::uint64_t offset;
        std::uint32_t length;
        std::uint32_t cookie;
    };
    Fixture<Slot> f{4};
    ASSERT_TRUE(f.ring.push(Slot{0x1000, 1500, 42}).ok());
    const auto slot = f.ring.pop();
    ASSERT_TRUE(slot.ok());
    EXPECT_EQ(slot->offset, 0x1000U);
    EXPECT_EQ(slot->length, 1500U);
    EXPECT_EQ(slot->cookie, 42U);
}

// ---- notification suppression, single-threaded: each step of the protocol in order --------

TEST(RingSuppression, NoSignalUnlessTheConsumerAskedForOne) {
    Fixture f{8};
    ASSERT_TRUE(f.ring.push(1).ok());
    EXPECT_FALSE(f.ring.consumer_needs_signal()); // the consumer is running: no signal needed
    ASSERT_TRUE(f.ring.pop().ok());
    EXPECT_TRUE(f.ring.consumer_may_sleep()); // empty: it asks for a signal and may sleep
    EXPECT_EQ(f.control().consumer_wants_signal, 1U);
    ASSERT_TRUE(f.ring.push(2).ok());
    EXPECT_TRUE(f.ring.consumer_needs_signal()); // asked: signal exactly once
    EXPECT_EQ(f.control().consumer_wants_signal, 0U);
    ASSERT_TRUE(f.ring.push(3).ok());
    EXPECT_FALSE(f.ring.consumer_needs_signal()); // the signal already sent wakes it for both
}

TEST(RingSuppression, ConsumerRecheckSeesItemsThatRacedTheRequest) {
    Fixture f{8};
    // The consumer found the ring empty, and before it asks for a signal an item arrives.
    ASSERT_TRUE(f.ring.push(1).ok());
    EXPECT_FALSE(f.ring.consumer_may_sleep());        // the re-check finds it: drain, do not sleep
    EXPECT_EQ(f.control().consumer_wants_signal, 0U); // the request was withdrawn
    EXPECT_FALSE(f.ring.consumer_needs_signal());     // so no redundant signal
    EXPECT_EQ(*f.ring.pop(), 1U);
}

TEST(RingSuppression, ProducerSleepsOnFullAndIsSignalledOnSpace) {
    Fixture f{2};
    ASSERT_TRUE(f.ring.push(1).ok());
    EXPECT_FALSE(f.ring.producer_may_sleep()); // not full: keep pushing
    EXPECT_EQ(f.control().producer_wants_signal, 0U);
    ASSERT_TRUE(f.ring.push(2).ok());
    EXPECT_EQ(f.ring.push(3).error(), Error::queue_full);
    EXPECT_TRUE(f.ring.producer_may_sleep());
    EXPECT_FALSE(f.ring.consumer_needs_signal()); // the two directions are independent
    ASSERT_TRUE(f.ring.pop().ok());
    EXPECT_TRUE(f.ring.producer_needs_signal());
    EXPECT_FALSE(f.ring.producer_needs_signal());
    EXPECT_TRUE(f.ring.push(3).ok());
}

TEST(RingSuppression, ProducerRecheckSeesSpaceThatRacedTheRequest) {
    Fixture f{2};
    ASSERT_TRUE(f.ring.push(1).ok());
    ASSERT_TRUE(f.ring.push(2).ok());
    ASSERT_TRUE(f.ring.pop().ok()); // space freed between the failed push and the request
    EXPECT_FALSE(f.ring.producer_may_sleep());
    EXPECT_EQ(f.control().producer_wants_signal, 0U);
}

} // namespace
