// SPDX-License-Identifier: BSD-2-Clause
#include <thread>

#include "fixture.hpp"

namespace kaal::mock::testing {
namespace {

class NotificationTest : public KernelTest {
protected:
    void SetUp() override {
        ASSERT_TRUE(retype(big_ram, ObjectType::notification, 0, free_slot).ok());
        ASSERT_TRUE(kernel
                        .cnode_mint(root, free_slot + 1, depth, root, free_slot, depth,
                                    CapRights::all(), 0b01)
                        .ok());
        ASSERT_TRUE(kernel
                        .cnode_mint(root, free_slot + 2, depth, root, free_slot, depth,
                                    CapRights::all(), 0b10)
                        .ok());
    }
};

TEST_F(NotificationTest, SignalsOrTheirBadgesUntilAWaitTakesThem) {
    EXPECT_EQ(*kernel.poll(free_slot), 0U);
    ASSERT_TRUE(kernel.signal(free_slot + 1).ok());
    ASSERT_TRUE(kernel.signal(free_slot + 2).ok());
    EXPECT_EQ(*kernel.wait(free_slot), 0b11U);
    EXPECT_EQ(*kernel.poll(free_slot), 0U); // the wait left it idle
    ASSERT_TRUE(kernel.signal(free_slot + 2).ok());
    EXPECT_EQ(*kernel.poll(free_slot), 0b10U);
}

TEST_F(NotificationTest, WaitBlocksUntilAnotherThreadSignals) {
    std::thread signaller([&] { ASSERT_TRUE(kernel.signal(free_slot + 1).ok()); });
    EXPECT_EQ(*kernel.wait(free_slot), 0b01U);
    signaller.join();
}

TEST_F(NotificationTest, RightsAreChecked) {
    ASSERT_TRUE(kernel
                    .cnode_copy(root, free_slot + 3, depth, root, free_slot + 1, depth,
                                CapRights::read_only())
                    .ok());
    EXPECT_EQ(kernel.signal(free_slot + 3).error(), Error::invalid_capability);
    ASSERT_TRUE(kernel
                    .cnode_copy(root, free_slot + 4, depth, root, free_slot + 1, depth,
                                CapRights{CapRights::write_bit})
                    .ok());
    EXPECT_EQ(kernel.poll(free_slot + 4).error(), Error::invalid_capability);
    EXPECT_EQ(kernel.signal(big_ram).error(), Error::invalid_capability);
}

} // namespace
} // namespace kaal::mock::testing
