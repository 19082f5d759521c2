// SPDX-License-Identifier: BSD-2-Clause
// Two host threads as producer and consumer of one ring, each with its own view, as two PDs
// have. Run under ThreadSanitizer by the tsan preset (label `concurrency`): TSan checks that
// the release/acquire pairs really order every slot access. KAAL_STRESS_ITEMS overrides the
// item count.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <kaal/ipc/buffer_descriptor.hpp>
#include <kaal/ipc/queue_pair.hpp>
#include <kaal/ipc/ring_buffer.hpp>
#include <kaal/platform/channel.hpp>

#include "ring_test_support.hpp"

namespace {

using kaal::Channel;
using kaal::Error;
using kaal::ipc::DataRegion;
using kaal::ipc::QueuePair;
using kaal::ipc::RingBuffer;
using kaal::ipc::test::Region;

std::uint64_t stress_items() {
    if (const char* env = std::getenv("KAAL_STRESS_ITEMS"); env != nullptr) {
        return std::stoull(env);
    }
#if defined(__SANITIZE_THREAD__)
    return 8'000'000; // about ten seconds per test under TSan on two cores
#else
    return 1'000'000;
#endif
}

// The item for sequence number n: a payload that differs in every bit position over a run, so
// a torn or stale slot shows up in the checksum as well as in the order check.
struct Item {
    std::uint64_t sequence;
    std::uint64_t payload;
};
std::uint64_t payload_of(std::uint64_t n) {
    return n * 0x9E3779B97F4A7C15ULL ^ (n >> 7);
}

struct Totals {
    std::uint64_t received = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t checksum = 0;
    void take(const Item& item) {
        out_of_order += item.sequence != received ? 1U : 0U;
        out_of_order += item.payload != payload_of(item.sequence) ? 1U : 0U;
        checksum = checksum * 31 + item.payload;
        ++received;
    }
};

std::uint64_t expected_checksum(std::uint64_t items) {
    std::uint64_t sum = 0;
    for (std::uint64_t n = 0; n < items; ++n) {
        sum = sum * 31 + payload_of(n);
    }
    return sum;
}

TEST(RingStress, SingleItemsArriveInOrderWithChecksum) {
    const auto items = stress_items();
    constexpr kaal::ipc::RingIndex capacity = 256;
    Region region(RingBuffer<Item>::region_size(capacity));
    std::thread producer([&] {
        auto ring = RingBuffer<Item>::attach(region.data(), region.size(), capacity).value();
        for (std::uint64_t n = 0; n < items;) {
            if (ring.push(Item{n, payload_of(n)}).ok()) {
                ++n;
            } else {
                std::this_thread::yield();
            }
        }
    });
    Totals totals;
    auto ring = RingBuffer<Item>::attach(region.data(), region.size(), capacity).value();
    while (totals.received < items) {
        if (const auto item = ring.pop(); item.ok()) {
            totals.take(*item);
        } else {
            std::this_thread::yield();
        }
    }
    producer.join();
    EXPECT_EQ(totals.out_of_order, 0U);
    EXPECT_EQ(totals.checksum, expected_checksum(items));
    EXPECT_EQ(ring.pop().error(), Error::queue_empty);
}

TEST(RingStress, BatchesOfEverySizeArriveInOrderWithChecksum) {
    const auto items = stress_items();
    constexpr kaal::ipc::RingIndex capacity = 64;
    Region region(RingBuffer<Item>::region_size(capacity));
    std::thread producer([&] {
        auto ring = RingBuffer<Item>::attach(region.data(), region.size(), capacity).value();
        std::vector<Item> batch;
        std::uint64_t n = 0;
        std::size_t size = 1;
        while (n < items) {
            // Batch sizes 1..97 cycle, so batches are smaller than, equal to and larger than
            // the ring and cross its end at every offset.
            size = size % 97 + 1;
            batch.clear();
            for (std::uint64_t k = n; k < items && batch.size() < size; ++k) {
                batch.push_back(Item{k, payload_of(k)});
            }
            std::size_t done = 0;
            while (done < batch.size()) {
                const auto pushed = ring.push_batch(std::span<const Item>{batch}.subspan(done));
                done += pushed;
                if (pushed == 0) {
                    std::this_thread::yield();
                }
            }
            n += batch.size();
        }
    });
    Totals totals;
    auto ring = RingBuffer<Item>::attach(region.data(), region.size(), capacity).value();
    std::vector<Item> out(41);
    while (totals.received < items) {
        const auto popped = ring.pop_batch(std::span<Item>{out});
        for (std::size_t i = 0; i < popped; ++i) {
            totals.take(out[i]);
        }
        if (popped == 0) {
            std::this_thread::yield();
        }
    }
    producer.join();
    EXPECT_EQ(totals.out_of_order, 0U);
    EXPECT_EQ(totals.checksum, expected_checksum(items));
}

// Both sides sleep on mock notification objects whenever the protocol lets them: a lost
// wake-up hangs this test (CTest's timeout fails it). It also checks that suppression works:
// far fewer signals than items.
TEST(RingStress, BlockingProducerAndConsumerNeverLoseAWakeup) {
    const auto items = stress_items() / 4;
    constexpr kaal::ipc::RingIndex capacity = 32;
    Region region(RingBuffer<Item>::region_size(capacity));
    kaal::mock::ProtectionDomain producer_pd;
    kaal::mock::ProtectionDomain consumer_pd;
    kaal::mock::connect(producer_pd, consumer_pd, {.a_id = 1, .b_id = 2});
    std::atomic<std::uint64_t> producer_signals{0};
    std::atomic<std::uint64_t> producer_sleeps{0};

    std::thread producer([&] {
        const kaal::mock::ScopedPd as{producer_pd};
        auto ring = RingBuffer<Item>::attach(region.data(), region.size(), capacity).value();
        std::uint64_t n = 0;
        while (n < items) {
            // Publish a burst of up to 8, then signal once if the consumer asked.
            for (int k = 0; k < 8 && n < items && ring.push(Item{n, payload_of(n)}).ok(); ++k) {
                ++n;
            }
            if (ring.consumer_needs_signal()) {
                ASSERT_TRUE(kaal::notify(Channel{1}).ok());
                producer_signals.fetch_add(1, std::memory_order_relaxed);
            }
            if (ring.free_slots() == 0 && ring.producer_may_sleep()) {
                producer_sleeps.fetch_add(1, std::memory_order_relaxed);
                kaal::mock::wait_for_notification();
            }
        }
    });

    const kaal::mock::ScopedPd as{consumer_pd};
    auto ring = RingBuffer<Item>::attach(region.data(), region.size(), capacity).value();
    Totals totals;
    std::uint64_t consumer_signals = 0;
    std::uint64_t consumer_sleeps = 0;
    std::vector<Item> out(capacity);
    while (totals.received < items) {
        const auto popped = ring.pop_batch(std::span<Item>{out});
        for (std::size_t i = 0; i < popped; ++i) {
            totals.take(out[i]);
        }
        if (popped != 0 && ring.producer_needs_signal()) {
            ASSERT_TRUE(kaal::notify(Channel{2}).ok());
            ++consumer_signals;
        }
        if (popped == 0 && ring.consumer_may_sleep()) {
            ++consumer_sleeps;
            kaal::mock::wait_for_notification(); // like returning to the event loop
        }
    }
    producer.join();
    EXPECT_EQ(totals.out_of_order, 0U);
    EXPECT_EQ(totals.checksum, expected_checksum(items));
    // Every sleep of either side was ended by a signal of the other (or a stale one).
    EXPECT_LE(producer_signals.load(), items / 8 + 1);
    std::cout << items << " items; consumer slept " << consumer_sleeps << " times, signalled "
              << producer_signals.load() << " times; producer slept " << producer_sleeps.load()
              << " times, signalled " << consumer_signals << " times\n";
}

TEST(RingStress, QueuePairCirculatesBuffersBetweenThreads) {
    const auto items = stress_items() / 4;
    constexpr std::uint32_t buffers = 16;
    constexpr std::uint32_t buffer_size = 64;
    Region rings(QueuePair<>::region_size(buffers));
    Region pool(std::size_t{buffers} * buffer_size);
    const DataRegion data{pool.data(), pool.size()};
    {
        auto owner = QueuePair<>::attach(rings.data(), rings.size(), buffers).value();
        for (std::uint32_t i = 0; i < buffers; ++i) {
            ASSERT_TRUE(owner.free().push(*data.buffer(i, buffer_size)).ok());
        }
    }
    std::thread filler([&] {
        auto link = QueuePair<>::attach(rings.data(), rings.size(), buffers).value();
        for (std::uint64_t n = 0; n < items;) {
            auto desc = link.free().pop();
            if (!desc.ok()) {
                std::this_thread::yield();
                continue;
            }
            const auto bytes = data.resolve(*desc).value();
            const Item item{n, payload_of(n)};
            std::memcpy(bytes.data(), &item, sizeof item);
            desc->length = sizeof item;
            while (!link.active().push(*desc).ok()) {
                std::this_thread::yield();
            }
            ++n;
        }
    });
    // The drainer takes the link over from the initialising view: a fresh view per side.
    auto link = QueuePair<>::attach(rings.data(), rings.size(), buffers).value();
    Totals totals;
    std::uint64_t bad_descriptors = 0;
    while (totals.received < items) {
        auto desc = link.active().pop();
        if (!desc.ok()) {
            std::this_thread::yield();
            continue;
        }
        const auto bytes = data.resolve(*desc);
        if (!bytes.ok() || bytes->size() != sizeof(Item)) {
            ++bad_descriptors;
            break;
        }
        Item item{};
        std::memcpy(&item, bytes->data(), sizeof item);
        totals.take(item);
        desc->length = buffer_size;
        ASSERT_TRUE(link.free().push(*desc).ok()); // never full: only `buffers` exist
    }
    filler.join();
    EXPECT_EQ(bad_descriptors, 0U);
    EXPECT_EQ(totals.out_of_order, 0U);
    EXPECT_EQ(totals.checksum, expected_checksum(items));
}

} // namespace
