// SPDX-License-Identifier: BSD-2-Clause
#include "fixture.hpp"

namespace kaal::mock::testing {
namespace {

using CNodeTest = KernelTest;

TEST_F(CNodeTest, CopyAndMintDeriveWithFewerRightsAndABadge) {
    ASSERT_TRUE(retype(big_ram, ObjectType::endpoint, 0, free_slot).ok());
    ASSERT_TRUE(
        kernel
            .cnode_copy(root, free_slot + 1, depth, root, free_slot, depth, CapRights::read_only())
            .ok());
    EXPECT_EQ(kernel.slot(free_slot + 1).rights, CapRights::read_only());
    ASSERT_TRUE(kernel
                    .cnode_mint(root, free_slot + 2, depth, root, free_slot + 1, depth,
                                CapRights::all(), 42)
                    .ok());
    EXPECT_EQ(kernel.slot(free_slot + 2).badge, 42U);
    EXPECT_EQ(kernel.slot(free_slot + 2).rights, CapRights::read_only()); // never gains rights
    EXPECT_EQ(kernel.slot(free_slot).children, 1U);
    EXPECT_EQ(kernel.slot(free_slot + 1).children, 1U);
}

TEST_F(CNodeTest, CopyErrors) {
    ASSERT_TRUE(retype(big_ram, ObjectType::endpoint, 0, free_slot).ok());
    EXPECT_EQ(
        kernel.cnode_copy(root, free_slot, depth, root, free_slot, depth, CapRights::all()).error(),
        Error::delete_first);
    EXPECT_EQ(
        kernel.cnode_copy(root, free_slot + 1, depth, root, free_slot + 5, depth, CapRights::all())
            .error(),
        Error::failed_lookup); // empty source
    EXPECT_EQ(
        kernel.cnode_copy(root, free_slot + 1, 0, root, free_slot, depth, CapRights::all()).error(),
        Error::range_error);
    EXPECT_EQ(kernel.cnode_copy(root, free_slot + 1, 65, root, free_slot, depth, CapRights::all())
                  .error(),
              Error::range_error);
    // The root CNode resolves exactly 64 bits; fewer is a depth mismatch.
    EXPECT_EQ(kernel.cnode_copy(root, free_slot + 1, 32, root, free_slot, depth, CapRights::all())
                  .error(),
              Error::failed_lookup);
    EXPECT_EQ(kernel
                  .cnode_copy(initial_cap::tcb, free_slot + 1, depth, root, free_slot, depth,
                              CapRights::all())
                  .error(),
              Error::failed_lookup); // not a CNode
    EXPECT_EQ(kernel
                  .cnode_copy(root, free_slot + 1, depth, root, initial_cap::irq_control, depth,
                              CapRights::all())
                  .error(),
              Error::illegal_operation);
}

TEST_F(CNodeTest, ABadgeIsSetOnce) {
    ASSERT_TRUE(retype(big_ram, ObjectType::notification, 0, free_slot).ok());
    ASSERT_TRUE(
        kernel.cnode_mint(root, free_slot + 1, depth, root, free_slot, depth, CapRights::all(), 1)
            .ok());
    EXPECT_EQ(
        kernel
            .cnode_mint(root, free_slot + 2, depth, root, free_slot + 1, depth, CapRights::all(), 2)
            .error(),
        Error::illegal_operation);
    // A copy keeps the badge.
    ASSERT_TRUE(
        kernel.cnode_copy(root, free_slot + 2, depth, root, free_slot + 1, depth, CapRights::all())
            .ok());
    EXPECT_EQ(kernel.slot(free_slot + 2).badge, 1U);
}

TEST_F(CNodeTest, GuardAndRadixAddressing) {
    ASSERT_TRUE(retype(big_ram, ObjectType::cnode, 4, free_slot).ok());
    // Guard 0xA of 4 bits: the CNode now resolves 8 bits, the top 4 of which must be 0xA.
    ASSERT_TRUE(kernel
                    .cnode_mint(root, free_slot + 1, depth, root, free_slot, depth,
                                CapRights::all(), (0xAU << 6) | 4U)
                    .ok());
    const CPtr node = free_slot + 1;
    ASSERT_TRUE(retype(big_ram, ObjectType::endpoint, 0, free_slot + 2).ok());
    EXPECT_TRUE(
        kernel.cnode_copy(node, 0xA3, 8, root, free_slot + 2, depth, CapRights::all()).ok());
    EXPECT_EQ(
        kernel.cnode_copy(node, 0xB3, 8, root, free_slot + 2, depth, CapRights::all()).error(),
        Error::failed_lookup); // guard mismatch
    EXPECT_EQ(
        kernel.cnode_copy(node, 0x147, 9, root, free_slot + 2, depth, CapRights::all()).error(),
        Error::failed_lookup); // depth mismatch: bits left at a non-CNode
    EXPECT_EQ(
        kernel.cnode_copy(node, 0xA3, 8, root, free_slot + 2, depth, CapRights::all()).error(),
        Error::delete_first);
    // Retype straight into the second-level CNode (depth 0: the node cap itself).
    ASSERT_TRUE(kernel.untyped_retype(big_ram, ObjectType::notification, 0, node, 0, 0, 5, 1).ok());
    EXPECT_EQ(kernel.cnode_delete(node, 0xA5, 8).ok(), true);
    // A guard that no longer fits in a word is refused.
    EXPECT_EQ(
        kernel.cnode_mint(root, free_slot + 3, depth, root, free_slot, depth, CapRights::all(), 61U)
            .error(),
        Error::illegal_operation);
}

TEST_F(CNodeTest, RevokeDeletesTheWholeDerivationTreeButNotTheCap) {
    ASSERT_TRUE(retype(big_ram, ObjectType::endpoint, 0, free_slot).ok());
    ASSERT_TRUE(
        kernel.cnode_mint(root, free_slot + 1, depth, root, free_slot, depth, CapRights::all(), 7)
            .ok());
    ASSERT_TRUE(
        kernel.cnode_copy(root, free_slot + 2, depth, root, free_slot + 1, depth, CapRights::all())
            .ok());
    ASSERT_TRUE(kernel.cnode_revoke(root, free_slot, depth).ok());
    EXPECT_EQ(kernel.slot(free_slot).type, CapType::endpoint);
    EXPECT_EQ(kernel.slot(free_slot + 1).type, CapType::null);
    EXPECT_EQ(kernel.slot(free_slot + 2).type, CapType::null);
    EXPECT_EQ(kernel.live_objects(), 1U);
}

TEST_F(CNodeTest, DeleteKeepsTheObjectWhileACopyLivesAndMovesChildrenUp) {
    ASSERT_TRUE(retype(big_ram, ObjectType::endpoint, 0, free_slot).ok());
    ASSERT_TRUE(
        kernel.cnode_copy(root, free_slot + 1, depth, root, free_slot, depth, CapRights::all())
            .ok());
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot, depth).ok());
    EXPECT_EQ(kernel.live_objects(), 1U);
    EXPECT_EQ(kernel.slot(big_ram).children, 1U); // the copy is now the untyped's child
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot + 1, depth).ok());
    EXPECT_EQ(kernel.live_objects(), 0U);
    EXPECT_TRUE(kernel.cnode_delete(root, free_slot + 1, depth).ok()); // empty: nothing to do
}

TEST_F(CNodeTest, DeletingACNodeDeletesWhatItHolds) {
    ASSERT_TRUE(retype(big_ram, ObjectType::cnode, 2, free_slot).ok());
    ASSERT_TRUE(
        kernel.untyped_retype(big_ram, ObjectType::endpoint, 0, free_slot, 0, 0, 1, 2).ok());
    EXPECT_EQ(kernel.live_objects(), 3U);
    ASSERT_TRUE(kernel.cnode_delete(root, free_slot, depth).ok());
    EXPECT_EQ(kernel.live_objects(), 0U);
    EXPECT_EQ(kernel.slot(big_ram).children, 0U);
}

} // namespace
} // namespace kaal::mock::testing
