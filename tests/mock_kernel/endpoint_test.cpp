// SPDX-License-Identifier: BSD-2-Clause
#include <thread>

#include "fixture.hpp"

namespace kaal::mock::testing {
namespace {

class EndpointTest : public KernelTest {
protected:
    void SetUp() override {
        ASSERT_TRUE(retype(big_ram, ObjectType::endpoint, 0, free_slot).ok());
        ASSERT_TRUE(kernel
                        .cnode_mint(root, free_slot + 1, depth, root, free_slot, depth,
                                    CapRights::all(), 0x55)
                        .ok());
    }
};

TEST_F(EndpointTest, CallBlocksUntilTheServerRepliesAndTheServerSeesTheBadge) {
    std::thread server([&] {
        auto request = kernel.recv(free_slot);
        ASSERT_TRUE(request.ok());
        EXPECT_EQ(request->badge, 0x55U);
        EXPECT_EQ(request->message.label, 3U);
        ASSERT_EQ(request->message.words.size(), 1U);
        EXPECT_TRUE(kernel.reply({0, {request->message.words[0] * 2}}));
        EXPECT_FALSE(kernel.reply({0, {}})); // nobody left to answer
    });
    const auto answer = kernel.call(free_slot + 1, {3, {21}});
    server.join();
    ASSERT_TRUE(answer.ok());
    ASSERT_EQ(answer->words.size(), 1U);
    EXPECT_EQ(answer->words[0], 42U);
}

TEST_F(EndpointTest, SendReturnsOnceReceivedAndAnUnbadgedCapSendsBadgeZero) {
    std::thread sender([&] { EXPECT_TRUE(kernel.send(free_slot, {9, {1, 2}}).ok()); });
    const auto got = kernel.recv(free_slot);
    sender.join();
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->badge, 0U);
    EXPECT_EQ(got->message.label, 9U);
    EXPECT_EQ(got->message.words, (std::vector<Word>{1, 2}));
    EXPECT_FALSE(kernel.reply({})); // a send is not a call: there is no one to reply to
}

TEST_F(EndpointTest, RecvNeedsReadAndSendNeedsWrite) {
    ASSERT_TRUE(kernel
                    .cnode_copy(root, free_slot + 2, depth, root, free_slot, depth,
                                CapRights{CapRights::write_bit})
                    .ok());
    EXPECT_EQ(kernel.recv(free_slot + 2).error(), Error::invalid_capability);
    ASSERT_TRUE(
        kernel
            .cnode_copy(root, free_slot + 3, depth, root, free_slot, depth, CapRights::read_only())
            .ok());
    EXPECT_EQ(kernel.send(free_slot + 3, {}).error(), Error::invalid_capability);
}

TEST_F(EndpointTest, DeletingTheEndpointWakesABlockedReceiver) {
    std::thread receiver(
        [&] { EXPECT_EQ(kernel.recv(free_slot).error(), Error::invalid_capability); });
    // Revoke and delete every cap; the blocked thread must not hang.
    while (kernel.slot(free_slot).type != CapType::null) {
        ASSERT_TRUE(kernel.cnode_revoke(root, free_slot, depth).ok());
        ASSERT_TRUE(kernel.cnode_delete(root, free_slot, depth).ok());
    }
    receiver.join();
}

} // namespace
} // namespace kaal::mock::testing
