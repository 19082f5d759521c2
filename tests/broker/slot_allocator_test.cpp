// SPDX-License-Identifier: BSD-2-Clause
#include <gtest/gtest.h>

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

} // namespace
} // namespace kaal::broker
