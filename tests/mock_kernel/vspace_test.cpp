// SPDX-License-Identifier: BSD-2-Clause
#include "fixture.hpp"

namespace kaal::mock::testing {
namespace {

using VSpaceTest = KernelTest;
constexpr Word vaddr = 0x10'0000'0000;
constexpr CPtr vspace = initial_cap::vspace;

TEST_F(VSpaceTest, AFrameNeedsEveryPageTableAboveIt) {
    ASSERT_TRUE(retype(big_ram, ObjectType::small_frame, 0, free_slot).ok());
    EXPECT_EQ(kernel.frame_map(free_slot, vspace, vaddr, CapRights::all(), true).error(),
              Error::failed_lookup);
    // aarch64: each page table goes to the highest missing level.
    for (CPtr pt = free_slot + 1; pt <= free_slot + 3; ++pt) {
        ASSERT_TRUE(retype(big_ram, ObjectType::page_table, 0, pt).ok());
        ASSERT_TRUE(kernel.paging_map(ObjectType::page_table, pt, vspace, vaddr).ok());
    }
    ASSERT_TRUE(retype(big_ram, ObjectType::page_table, 0, free_slot + 4).ok());
    EXPECT_EQ(kernel.paging_map(ObjectType::page_table, free_slot + 4, vspace, vaddr).error(),
              Error::delete_first);
    EXPECT_EQ(kernel.paging_map(ObjectType::page_table, free_slot + 1, vspace, vaddr).error(),
              Error::invalid_capability); // already mapped
    ASSERT_TRUE(kernel.frame_map(free_slot, vspace, vaddr, CapRights::read_only(), true).ok());
    const auto mapping = kernel.mapping_at(vaddr + 0x123);
    ASSERT_TRUE(mapping.has_value());
    EXPECT_EQ(mapping->paddr, kernel.slot(free_slot).paddr + 0x123);
    EXPECT_EQ(mapping->rights, CapRights::read_only());
    EXPECT_EQ(*kernel.frame_paddr(free_slot), kernel.slot(free_slot).paddr);
}

TEST_F(VSpaceTest, FrameMapErrors) {
    ASSERT_TRUE(retype(big_ram, ObjectType::small_frame, 0, free_slot).ok());
    for (CPtr pt = free_slot + 1; pt <= free_slot + 3; ++pt) {
        ASSERT_TRUE(retype(big_ram, ObjectType::page_table, 0, pt).ok());
        ASSERT_TRUE(kernel.paging_map(ObjectType::page_table, pt, vspace, vaddr).ok());
    }
    EXPECT_EQ(kernel.frame_map(free_slot, vspace, vaddr + 8, CapRights::all(), true).error(),
              Error::alignment_error);
    EXPECT_EQ(kernel.frame_map(free_slot, initial_cap::tcb, vaddr, CapRights::all(), true).error(),
              Error::invalid_capability);
    EXPECT_EQ(
        kernel.frame_map(free_slot, vspace, 0xffff'8000'0000'0000, CapRights::all(), true).error(),
        Error::invalid_argument); // kernel half
    EXPECT_EQ(kernel.frame_map(free_slot + 1, vspace, vaddr, CapRights::all(), true).error(),
              Error::illegal_operation); // not a frame
    ASSERT_TRUE(kernel.frame_map(free_slot, vspace, vaddr, CapRights::all(), true).ok());
    EXPECT_EQ(kernel.frame_map(free_slot, vspace, vaddr + 0x1000, CapRights::all(), true).error(),
              Error::invalid_argument); // one cap, one mapping
    ASSERT_TRUE(kernel.frame_unmap(free_slot).ok());
    EXPECT_FALSE(kernel.mapping_at(vaddr).has_value());
    EXPECT_TRUE(kernel.frame_map(free_slot, vspace, vaddr + 0x1000, CapRights::all(), true).ok());
    // Deleting the frame cap removes its mapping.
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot, depth).ok());
    EXPECT_FALSE(kernel.mapping_at(vaddr + 0x1000).has_value());
}

TEST_F(VSpaceTest, DeletingAPageTableUnmapsWhatItHeld) {
    ASSERT_TRUE(retype(big_ram, ObjectType::small_frame, 0, free_slot).ok());
    for (CPtr pt = free_slot + 1; pt <= free_slot + 3; ++pt) {
        ASSERT_TRUE(retype(big_ram, ObjectType::page_table, 0, pt).ok());
        ASSERT_TRUE(kernel.paging_map(ObjectType::page_table, pt, vspace, vaddr).ok());
    }
    ASSERT_TRUE(kernel.frame_map(free_slot, vspace, vaddr, CapRights::all(), false).ok());
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot + 3, depth).ok());
    EXPECT_FALSE(kernel.mapping_at(vaddr).has_value());
}

TEST(VSpaceX86, EachPagingLevelHasItsOwnTypeAndOrder) {
    Kernel kernel{small_machine(Arch::x86_64)};
    const auto make = [&](ObjectType type, CPtr slot) {
        return kernel.untyped_retype(big_ram, type, 0, root, 0, 0, slot, 1);
    };
    ASSERT_TRUE(make(ObjectType::page_table, free_slot).ok());
    ASSERT_TRUE(make(ObjectType::page_directory, free_slot + 1).ok());
    ASSERT_TRUE(make(ObjectType::pdpt, free_slot + 2).ok());
    ASSERT_TRUE(make(ObjectType::small_frame, free_slot + 3).ok());
    ASSERT_TRUE(make(ObjectType::small_frame, free_slot + 4).ok());
    EXPECT_EQ(kernel.paging_map(ObjectType::page_table, free_slot, vspace, vaddr).error(),
              Error::failed_lookup);
    EXPECT_EQ(kernel.paging_map(ObjectType::page_directory, free_slot, vspace, vaddr).error(),
              Error::illegal_operation); // wrong type for the cap
    ASSERT_TRUE(kernel.paging_map(ObjectType::pdpt, free_slot + 2, vspace, vaddr).ok());
    ASSERT_TRUE(kernel.paging_map(ObjectType::page_directory, free_slot + 1, vspace, vaddr).ok());
    ASSERT_TRUE(kernel.paging_map(ObjectType::page_table, free_slot, vspace, vaddr).ok());
    ASSERT_TRUE(kernel.frame_map(free_slot + 3, vspace, vaddr, CapRights::all(), true).ok());
    // x86 does not overwrite a present page.
    EXPECT_EQ(kernel.frame_map(free_slot + 4, vspace, vaddr, CapRights::all(), true).error(),
              Error::delete_first);
}

} // namespace
} // namespace kaal::mock::testing
