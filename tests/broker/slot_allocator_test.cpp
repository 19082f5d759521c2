// SPDX-License-Identifier: BSD-2-Clause
#include <algorithm>
#include <gtest/gtest.h>
#include <optional>
#include <random>
#include <vector>

#include <kaal/broker/slot_allocator.hpp>

namespace kaal::broker {
namespace {

TEST(SlotAllocator, HandsOutEachSlotOfTheRegionOnceThenReportsExhaustion) {
    SlotAllocator slots;
    slots.reset({100, 164});
    for (CPtr expected = 100; expected < 164; ++expected) {
        auto slot = slots.alloc();
        ASSERT_TRUE(slot.ok());
        EXPECT_EQ(*slot, expected);
    }
    EXPECT_EQ(slots.alloc().error(), Error::out_of_slots);
    EXPECT_EQ(slots.available(), 0U);
    slots.free(130);
    EXPECT_EQ(*slots.alloc(), 130U);
}

TEST(SlotAllocator, RangesAreContiguousAndFragmentationIsReported) {
    SlotAllocator slots;
    slots.reset({0, 16});
    for (int i = 0; i < 16; ++i) {
        ASSERT_TRUE(slots.alloc().ok());
    }
    // Free every other slot: 8 free, but no two adjacent.
    for (CPtr s = 0; s < 16; s += 2) {
        slots.free(s);
    }
    EXPECT_EQ(slots.available(), 8U);
    EXPECT_EQ(slots.alloc_range(2).error(), Error::out_of_slots);
    slots.free(5);
    auto run = slots.alloc_range(3);
    ASSERT_TRUE(run.ok());
    EXPECT_EQ(*run, 4U);
    EXPECT_TRUE(slots.is_allocated(6));
    EXPECT_EQ(slots.alloc_range(0).error(), Error::invalid_argument);
}

TEST(SlotAllocator, FreeingASlotItDoesNotOwnChangesNothing) {
    SlotAllocator slots;
    slots.reset({10, 12});
    slots.free(10); // not allocated yet
    slots.free(99); // outside the region
    EXPECT_EQ(slots.available(), 2U);
    ASSERT_TRUE(slots.alloc().ok());
    slots.free(10);
    slots.free(10);
    EXPECT_EQ(slots.available(), 2U);
}

TEST(SlotAllocator, ARegionLargerThanTheCapacityIsClamped) {
    SlotAllocator slots;
    slots.reset({16, 16 + SlotAllocator::capacity + 100});
    EXPECT_EQ(slots.available(), SlotAllocator::capacity);
}

// Runs that start anywhere in a word and cross one or more word boundaries, against a model
// that tests one slot at a time: every allocation is the lowest free slot or the lowest run.
TEST(SlotAllocator, RandomisedRunsMatchAFirstFitModel) {
    constexpr CPtr base = 37;
    constexpr std::size_t size = 1000; // not a multiple of 64: the last word is partial
    SlotAllocator slots;
    slots.reset({base, base + size});
    std::vector<bool> taken(size, false);
    const auto first_fit = [&](std::size_t count) -> std::optional<std::size_t> {
        std::size_t run = 0;
        for (std::size_t i = 0; i < size; ++i) {
            run = taken[i] ? 0 : run + 1;
            if (run == count) {
                return i + 1 - count;
            }
        }
        return std::nullopt;
    };
    std::mt19937 random{20261124};
    std::size_t ranges = 0;
    for (int step = 0; step < 20000; ++step) {
        const unsigned op = random() % 8;
        if (op < 3) {
            const std::size_t count = 1 + random() % (op == 0 ? 3 : 150);
            const auto expected = first_fit(count);
            auto got = slots.alloc_range(count);
            if (!expected) {
                ASSERT_FALSE(got.ok()) << "step " << step;
                ASSERT_EQ(got.error(), Error::out_of_slots);
                continue;
            }
            ASSERT_TRUE(got.ok()) << "step " << step << " count " << count;
            ASSERT_EQ(*got, base + *expected) << "step " << step << " count " << count;
            for (std::size_t i = 0; i < count; ++i) {
                taken[*expected + i] = true;
            }
            ++ranges;
        } else if (op < 5) {
            const auto expected = first_fit(1);
            auto got = slots.alloc();
            ASSERT_EQ(got.ok(), expected.has_value());
            if (got.ok()) {
                ASSERT_EQ(*got, base + *expected);
                taken[*expected] = true;
            }
        } else {
            // Free a random stretch, some of it perhaps not allocated.
            const std::size_t first = random() % size;
            const std::size_t count = 1 + random() % 40;
            for (std::size_t i = first; i < first + count && i < size; ++i) {
                slots.free(base + i);
                taken[i] = false;
            }
        }
        ASSERT_EQ(slots.available(),
                  static_cast<std::size_t>(std::count(taken.begin(), taken.end(), false)));
    }
    EXPECT_GT(ranges, 2000U);
    for (std::size_t i = 0; i < size; ++i) {
        ASSERT_EQ(slots.is_allocated(base + i), bool(taken[i])) << i;
    }
}

} // namespace
} // namespace kaal::broker
