// SPDX-License-Identifier: BSD-2-Clause
#include <gtest/gtest.h>
#include <thread>
#include <vector>

#include <kaal/platform/channel.hpp>

namespace {

using kaal::Channel;
using kaal::Error;
using kaal::MessageInfo;

TEST(MockChannel, UnwiredChannelsAreRejectedLikeOnMicrokit) {
    kaal::mock::ProtectionDomain pd;
    const kaal::mock::ScopedPd as{pd};
    EXPECT_EQ(kaal::notify(Channel{3}).error(), Error::invalid_channel);
    EXPECT_EQ(kaal::irq_ack(Channel{3}).error(), Error::invalid_channel);
    EXPECT_EQ(kaal::ppcall(Channel{3}, MessageInfo{1, 0}).error(), Error::invalid_channel);
    // Beyond the highest channel id Microkit allows.
    pd.notifications = ~kaal::Word{0};
    EXPECT_EQ(kaal::notify(Channel{63}).error(), Error::invalid_channel);
}

TEST(MockChannel, WiredChannelsReachTheOtherEnd) {
    kaal::mock::ProtectionDomain pd;
    pd.notifications = 1U << 2;
    pd.irqs = 1U << 5;
    pd.pps = 1U << 1;
    std::vector<unsigned> notified;
    std::vector<unsigned> acked;
    pd.on_notify = [&](Channel ch) { notified.push_back(ch.id()); };
    pd.on_irq_ack = [&](Channel ch) { acked.push_back(ch.id()); };
    pd.on_ppcall = [](Channel, MessageInfo msg) {
        kaal::mr_set(0, kaal::mr_get(0) * 2);
        return kaal::ok_reply(msg.length());
    };
    const kaal::mock::ScopedPd as{pd};

    ASSERT_TRUE(kaal::notify(Channel{2}).ok());
    ASSERT_TRUE(kaal::irq_ack(Channel{5}).ok());
    EXPECT_EQ(kaal::notify(Channel{5}).error(), Error::invalid_channel);
    kaal::mr_set(0, 21);
    const auto reply = kaal::ppcall(Channel{1}, MessageInfo{7, 1});
    ASSERT_TRUE(reply.ok());
    EXPECT_FALSE(kaal::is_error_reply(*reply));
    EXPECT_EQ(reply->length(), 1U);
    EXPECT_EQ(kaal::mr_get(0), 42U);
    EXPECT_EQ(notified, std::vector<unsigned>{2});
    EXPECT_EQ(acked, std::vector<unsigned>{5});
}

TEST(MockChannel, EachThreadIsItsOwnPd) {
    kaal::mock::current_pd().name = "main";
    kaal::mock::current_pd().message_registers[0] = 1;
    std::thread other([] {
        EXPECT_STREQ(kaal::mock::current_pd().name, "mock");
        EXPECT_EQ(kaal::mr_get(0), 0U);
    });
    other.join();
    EXPECT_EQ(kaal::mr_get(0), 1U);
}

TEST(MockChannel, ConnectedPdsNotifyAcrossThreadsAndBlockUntilNotified) {
    kaal::mock::ProtectionDomain a;
    kaal::mock::ProtectionDomain b;
    kaal::mock::connect(a, b, {.a_id = 3, .b_id = 7});
    EXPECT_EQ(a.notifications, kaal::Word{1} << 3);
    EXPECT_EQ(b.notifications, kaal::Word{1} << 7);
    EXPECT_EQ(a.pps | b.pps, 0U);
    std::thread other([&] {
        const kaal::mock::ScopedPd as{b};
        EXPECT_EQ(kaal::mock::wait_for_notification(), kaal::Word{1} << 7); // blocks until a's
        ASSERT_TRUE(kaal::notify(Channel{7}).ok());
    });
    const kaal::mock::ScopedPd as{a};
    ASSERT_TRUE(kaal::notify(Channel{3}).ok());
    EXPECT_EQ(kaal::mock::wait_for_notification(), kaal::Word{1} << 3);
    other.join();
    EXPECT_EQ(a.inbox.poll(), 0U); // consumed by the wait
}

TEST(MockChannel, SignalsLatchUntilWaitedForAndCoalesce) {
    kaal::mock::Inbox inbox;
    inbox.signal(1U << 2);
    inbox.signal(1U << 2);
    inbox.signal(1U << 4);
    EXPECT_EQ(inbox.wait(), (1U << 2) | (1U << 4));
    EXPECT_EQ(inbox.poll(), 0U);
}

TEST(MockChannel, PpcallReachesAServerPdOnAnotherThread) {
    kaal::mock::ProtectionDomain client;
    kaal::mock::ProtectionDomain server;
    kaal::mock::connect(client, server, {.a_id = 1, .b_id = 2, .a_calls_b = true});
    std::thread server_thread([&] {
        kaal::mock::run_event_loop(server, nullptr, [](Channel ch, MessageInfo msg) {
            EXPECT_EQ(ch.id(), 2U);
            kaal::mr_set(0, kaal::mr_get(0) + kaal::mr_get(1));
            return MessageInfo{0, msg.length() - 1};
        });
    });
    {
        const kaal::mock::ScopedPd as{client};
        kaal::mr_set(0, 40);
        kaal::mr_set(1, 2);
        const auto reply = kaal::ppcall(Channel{1}, MessageInfo{9, 2});
        ASSERT_TRUE(reply.ok());
        EXPECT_EQ(*reply, (MessageInfo{0, 1}));
        EXPECT_EQ(kaal::mr_get(0), 42U);
    }
    {
        // The server's end was not given pp="true": it cannot call back.
        const kaal::mock::ScopedPd as{server};
        EXPECT_EQ(kaal::ppcall(Channel{2}, MessageInfo{}).error(), Error::invalid_channel);
    }
    kaal::mock::request_stop(server);
    server_thread.join();
}

TEST(MessageInfo, ClampsToTheKernelFields) {
    const MessageInfo m{~kaal::Word{0}, 500};
    EXPECT_EQ(m.label(), MessageInfo::max_label);
    EXPECT_EQ(m.length(), MessageInfo::max_length);
    EXPECT_TRUE(kaal::is_error_reply(kaal::error_reply(Error::malformed_message)));
    EXPECT_EQ(kaal::reply_error(kaal::error_reply(Error::malformed_message)),
              Error::malformed_message);
    EXPECT_FALSE(kaal::is_error_reply(kaal::ok_reply(3)));
}

} // namespace
