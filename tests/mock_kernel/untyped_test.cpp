// SPDX-License-Identifier: BSD-2-Clause
#include "fixture.hpp"

namespace kaal::mock::testing {
namespace {

using UntypedTest = KernelTest;

TEST_F(UntypedTest, BootInfoDescribesEveryUntypedAndTheEmptySlots) {
    const auto& bi = kernel.bootinfo();
    EXPECT_EQ(bi.untyped.start, 16U);
    ASSERT_EQ(bi.untyped_count(), 3U);
    EXPECT_EQ(bi.untyped_list[0].paddr, 0x4000'0000U);
    EXPECT_EQ(bi.untyped_list[0].size_bits, 20U);
    EXPECT_TRUE(bi.untyped_list[2].is_device);
    EXPECT_EQ(bi.empty.start, free_slot);
    EXPECT_EQ(bi.empty.end, 256U);
    EXPECT_EQ(kernel.slot(initial_cap::irq_control).type, CapType::irq_control);
    EXPECT_EQ(kernel.slot(initial_cap::io_port_control).type, CapType::null); // not x86
    EXPECT_EQ(kernel.slot(bi.empty.start).type, CapType::null);
}

TEST_F(UntypedTest, RetypeAlignsEachObjectToItsSizeAndAdvancesTheWatermark) {
    ASSERT_TRUE(retype(big_ram, ObjectType::endpoint, 0, free_slot).ok());
    EXPECT_EQ(*kernel.untyped_watermark(big_ram), 16U);
    ASSERT_TRUE(retype(big_ram, ObjectType::small_frame, 0, free_slot + 1, 2).ok());
    // The frames start at the next 4 KiB boundary, skipping the rest of the first page.
    EXPECT_EQ(kernel.slot(free_slot + 1).paddr, 0x4000'1000U);
    EXPECT_EQ(kernel.slot(free_slot + 2).paddr, 0x4000'2000U);
    EXPECT_EQ(*kernel.untyped_watermark(big_ram), 0x3000U);
    EXPECT_EQ(kernel.slot(big_ram).children, 3U);
    EXPECT_EQ(kernel.live_objects(), 3U);
}

TEST_F(UntypedTest, ObjectSizesAreSeL4sPerArchitecture) {
    // TCB 2^11, notification 2^5, CNode of 2^4 slots 2^9, page table 2^12.
    ASSERT_TRUE(retype(big_ram, ObjectType::tcb, 0, free_slot).ok());
    EXPECT_EQ(*kernel.untyped_watermark(big_ram), 1U << 11);
    ASSERT_TRUE(retype(big_ram, ObjectType::notification, 0, free_slot + 1).ok());
    EXPECT_EQ(*kernel.untyped_watermark(big_ram), (1U << 11) + 32);
    ASSERT_TRUE(retype(big_ram, ObjectType::cnode, 4, free_slot + 2).ok());
    EXPECT_EQ(*kernel.untyped_watermark(big_ram), (1U << 11) + 512 + 512);
    EXPECT_EQ(object_size_bits(Arch::x86_64, ObjectType::pdpt, 0).value(), 12U);
    EXPECT_EQ(object_size_bits(Arch::aarch64, ObjectType::pdpt, 0).error(),
              Error::invalid_argument);
}

TEST_F(UntypedTest, RetypeErrorsAreTheKernels) {
    EXPECT_EQ(retype(big_ram, ObjectType::untyped, 3, free_slot).error(), Error::invalid_argument);
    EXPECT_EQ(retype(big_ram, ObjectType::untyped, 48, free_slot).error(), Error::range_error);
    EXPECT_EQ(retype(big_ram, ObjectType::cnode, 0, free_slot).error(), Error::invalid_argument);
    EXPECT_EQ(retype(big_ram, ObjectType::pdpt, 0, free_slot).error(), Error::invalid_argument);
    EXPECT_EQ(retype(big_ram, ObjectType::endpoint, 0, 256).error(), Error::range_error);
    EXPECT_EQ(retype(big_ram, ObjectType::endpoint, 0, 250, 7).error(), Error::range_error);
    EXPECT_EQ(retype(big_ram, ObjectType::endpoint, 0, free_slot, 0).error(), Error::range_error);
    EXPECT_EQ(retype(big_ram, ObjectType::endpoint, 0, free_slot, 257).error(), Error::range_error);
    EXPECT_EQ(retype(big_ram, ObjectType::endpoint, 0, big_ram).error(), Error::delete_first);
    EXPECT_EQ(retype(free_slot, ObjectType::endpoint, 0, free_slot + 1).error(),
              Error::invalid_capability);
    EXPECT_EQ(retype(initial_cap::tcb, ObjectType::endpoint, 0, free_slot).error(),
              Error::illegal_operation);
    // The destination must be a CNode.
    EXPECT_EQ(
        kernel
            .untyped_retype(big_ram, ObjectType::endpoint, 0, initial_cap::tcb, 0, 0, free_slot, 1)
            .error(),
        Error::failed_lookup);
    EXPECT_EQ(retype(device_ut, ObjectType::endpoint, 0, free_slot).error(),
              Error::invalid_argument);
    EXPECT_EQ(kernel.occupied_slots(), 8U); // 5 initial caps + 3 untypeds: nothing was created
}

TEST_F(UntypedTest, NotEnoughMemoryWhenFullAndDeviceUntypedsOnlyMakeFramesAndUntypeds) {
    ASSERT_TRUE(retype(small_ram, ObjectType::small_frame, 0, free_slot, 16).ok());
    EXPECT_EQ(retype(small_ram, ObjectType::endpoint, 0, free_slot + 16).error(),
              Error::not_enough_memory);
    EXPECT_EQ(retype(small_ram, ObjectType::large_frame, 0, free_slot + 16).error(),
              Error::not_enough_memory); // bigger than the untyped itself
    ASSERT_TRUE(retype(device_ut, ObjectType::small_frame, 0, free_slot + 16).ok());
    ASSERT_TRUE(retype(device_ut, ObjectType::untyped, 12, free_slot + 17).ok());
    EXPECT_EQ(kernel.slot(free_slot + 17).paddr, 0x0900'1000U);
}

TEST_F(UntypedTest, RevokeFreesTheMemoryForTheNextRetype) {
    ASSERT_TRUE(retype(small_ram, ObjectType::small_frame, 0, free_slot, 16).ok());
    ASSERT_EQ(retype(small_ram, ObjectType::small_frame, 0, free_slot + 16).error(),
              Error::not_enough_memory);
    ASSERT_TRUE(kernel.cnode_revoke(root, small_ram, depth).ok());
    EXPECT_EQ(kernel.slot(free_slot).type, CapType::null);
    EXPECT_EQ(kernel.slot(small_ram).children, 0U);
    EXPECT_EQ(kernel.live_objects(), 0U);
    // The free index is reset lazily, by the next retype of an untyped without children.
    EXPECT_EQ(*kernel.untyped_watermark(small_ram), 0x10000U);
    ASSERT_TRUE(retype(small_ram, ObjectType::small_frame, 0, free_slot + 16).ok());
    EXPECT_EQ(kernel.slot(free_slot + 16).paddr, 0x5000'0000U);
}

TEST_F(UntypedTest, DeletingTheLastChildResetsButOneRemainingChildDoesNot) {
    ASSERT_TRUE(retype(small_ram, ObjectType::small_frame, 0, free_slot, 2).ok());
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot, depth).ok());
    ASSERT_TRUE(retype(small_ram, ObjectType::small_frame, 0, free_slot).ok());
    EXPECT_EQ(kernel.slot(free_slot).paddr, 0x5000'2000U); // one child left: no reset
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot, depth).ok());
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot + 1, depth).ok());
    ASSERT_TRUE(retype(small_ram, ObjectType::small_frame, 0, free_slot).ok());
    EXPECT_EQ(kernel.slot(free_slot).paddr, 0x5000'0000U);
}

TEST_F(UntypedTest, AnUntypedWithChildrenCannotBeCopied) {
    ASSERT_TRUE(
        kernel.cnode_copy(root, free_slot, depth, root, small_ram, depth, CapRights::all()).ok());
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot, depth).ok());
    ASSERT_TRUE(retype(small_ram, ObjectType::endpoint, 0, free_slot).ok());
    EXPECT_EQ(
        kernel.cnode_copy(root, free_slot + 1, depth, root, small_ram, depth, CapRights::all())
            .error(),
        Error::revoke_first);
}

TEST_F(UntypedTest, InjectedFailuresChangeNothing) {
    kernel.inject_failure(Invocation::untyped_retype, Error::not_enough_memory, 1);
    ASSERT_TRUE(retype(big_ram, ObjectType::endpoint, 0, free_slot).ok());
    EXPECT_EQ(retype(big_ram, ObjectType::endpoint, 0, free_slot + 1).error(),
              Error::not_enough_memory);
    EXPECT_EQ(kernel.slot(free_slot + 1).type, CapType::null);
    EXPECT_TRUE(retype(big_ram, ObjectType::endpoint, 0, free_slot + 1).ok());
}

} // namespace
} // namespace kaal::mock::testing
