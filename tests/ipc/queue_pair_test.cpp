// SPDX-License-Identifier: BSD-2-Clause
#include <array>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>

#include <kaal/ipc/buffer_descriptor.hpp>
#include <kaal/ipc/queue_pair.hpp>

#include "ring_test_support.hpp"

namespace {

using kaal::Error;
using kaal::ipc::BufferDescriptor;
using kaal::ipc::DataRegion;
using kaal::ipc::QueuePair;
using kaal::ipc::test::Region;

TEST(DataRegion, ResolvesOnlyDescriptorsInside) {
    std::array<std::byte, 256> memory{};
    const DataRegion data{memory.data(), memory.size()};
    const auto whole = data.resolve({0, 256, 0});
    ASSERT_TRUE(whole.ok());
    EXPECT_EQ(whole->data(), memory.data());
    EXPECT_EQ(whole->size(), 256U);
    EXPECT_TRUE(data.resolve({256, 0, 0}).ok()); // empty, at the end
    EXPECT_EQ(data.resolve({200, 57, 0}).error(), Error::range_error);
    EXPECT_EQ(data.resolve({257, 0, 0}).error(), Error::range_error);
    // Offsets chosen so that offset + length wraps around 64 bits.
    EXPECT_EQ(data.resolve({std::numeric_limits<std::uint64_t>::max() - 3, 8, 0}).error(),
              Error::range_error);
    EXPECT_EQ(DataRegion{}.resolve({0, 0, 0}).error(), Error::range_error);
}

TEST(DataRegion, CarvesEqualBuffers) {
    std::array<std::byte, 256> memory{};
    const DataRegion data{memory.data(), memory.size()};
    EXPECT_EQ(*data.buffer(3, 64), (BufferDescriptor{192, 64, 3}));
    EXPECT_EQ(data.buffer(4, 64).error(), Error::range_error);
    EXPECT_EQ(data.buffer(0, 0).error(), Error::range_error);
    EXPECT_EQ(data.buffer(0xFFFFFFFFU, 0xFFFFFFFFU).error(), Error::range_error);
}

TEST(QueuePair, RingsDoNotOverlapAndFitTheRegion) {
    Region region(QueuePair<>::region_size(16));
    EXPECT_EQ(QueuePair<>::attach(region.data(), region.size() - 1, 16).error(), Error::no_space);
    auto pair = QueuePair<>::attach(region.data(), region.size(), 16).value();
    // Fill both rings completely; if they overlapped, one would corrupt the other.
    for (std::uint32_t i = 0; i < 16; ++i) {
        ASSERT_TRUE(pair.free().push({i, 1, i}).ok());
        ASSERT_TRUE(pair.active().push({i + 100, 2, i}).ok());
    }
    for (std::uint32_t i = 0; i < 16; ++i) {
        EXPECT_EQ(*pair.free().pop(), (BufferDescriptor{i, 1, i}));
        EXPECT_EQ(*pair.active().pop(), (BufferDescriptor{i + 100, 2, i}));
    }
}

TEST(QueuePair, BuffersCirculateBetweenFillerAndDrainer) {
    constexpr std::uint32_t buffers = 4;
    constexpr std::uint32_t buffer_size = 32;
    Region rings(QueuePair<>::region_size(buffers));
    std::array<std::byte, std::size_t{buffers} * buffer_size> pool{};
    const DataRegion data{pool.data(), pool.size()};
    // Each side has its own view, as each PD does.
    auto drainer = QueuePair<>::attach(rings.data(), rings.size(), buffers).value();
    auto filler = QueuePair<>::attach(rings.data(), rings.size(), buffers).value();
    for (std::uint32_t i = 0; i < buffers; ++i) {
        ASSERT_TRUE(drainer.free().push(*data.buffer(i, buffer_size)).ok());
    }
    std::uint32_t sent = 0;
    std::uint32_t received = 0;
    for (int round = 0; round < 10; ++round) {
        while (true) {
            auto desc = filler.free().pop();
            if (!desc.ok()) {
                break;
            }
            const auto bytes = data.resolve(*desc).value();
            std::memcpy(bytes.data(), &sent, sizeof sent);
            desc->length = sizeof sent;
            ++sent;
            ASSERT_TRUE(filler.active().push(*desc).ok());
        }
        while (true) {
            auto desc = drainer.active().pop();
            if (!desc.ok()) {
                break;
            }
            std::uint32_t value = 0;
            const auto bytes = data.resolve(*desc).value();
            ASSERT_EQ(bytes.size(), sizeof value);
            std::memcpy(&value, bytes.data(), sizeof value);
            EXPECT_EQ(value, received++);
            desc->length = buffer_size;
            ASSERT_TRUE(drainer.free().push(*desc).ok());
        }
    }
    EXPECT_EQ(sent, 10 * buffers);
    EXPECT_EQ(received, sent);
}

} // namespace
