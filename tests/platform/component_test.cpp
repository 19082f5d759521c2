// SPDX-License-Identifier: BSD-2-Clause
#include <gtest/gtest.h>
#include <optional>
#include <vector>

#include <kaal/platform/component.hpp>

namespace {

using kaal::Channel;
using kaal::Child;
using kaal::Dispatch;
using kaal::MessageInfo;

struct Full {
    int inits = 0;
    std::vector<unsigned> notifications;
    void init() { ++inits; }
    void notified(Channel ch) { notifications.push_back(ch.id()); }
    MessageInfo protected_call(Channel ch, MessageInfo msg) { return {msg.label() + ch.id(), 0}; }
    std::optional<MessageInfo> fault(Child child, MessageInfo) {
        return MessageInfo{child.id(), 0};
    }
};

struct InitOnly {
    bool ran = false;
    void init() { ran = true; }
};

static_assert(kaal::Component<Full> && kaal::HandlesNotifications<Full> &&
              kaal::HandlesProtectedCalls<Full> && kaal::HandlesFaults<Full>);
static_assert(kaal::Component<InitOnly> && !kaal::HandlesNotifications<InitOnly> &&
              !kaal::HandlesProtectedCalls<InitOnly> && !kaal::HandlesFaults<InitOnly>);

TEST(Dispatch, CallsEveryHookTheComponentHas) {
    Full c;
    Dispatch<Full>::init(c);
    Dispatch<Full>::notified(c, Channel{4});
    Dispatch<Full>::notified(c, Channel{9});
    EXPECT_EQ(c.inits, 1);
    EXPECT_EQ(c.notifications, (std::vector<unsigned>{4, 9}));
    EXPECT_EQ(Dispatch<Full>::protected_call(c, Channel{2}, MessageInfo{40, 1}).label(), 42U);
    const auto reply = Dispatch<Full>::fault(c, Child{3}, MessageInfo{});
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->label(), 3U);
}

TEST(Dispatch, MissingHooksAreReportedNotFatal) {
    InitOnly c;
    Dispatch<InitOnly>::init(c);
    EXPECT_TRUE(c.ran);
    testing::internal::CaptureStdout();
    Dispatch<InitOnly>::notified(c, Channel{1});
    const auto reply = Dispatch<InitOnly>::protected_call(c, Channel{1}, MessageInfo{5, 2});
    const auto fault = Dispatch<InitOnly>::fault(c, Child{7}, MessageInfo{2, 0});
    const auto log = testing::internal::GetCapturedStdout();
    EXPECT_TRUE(kaal::is_error_reply(reply));
    EXPECT_EQ(kaal::reply_error(reply), kaal::Error::unsupported);
    EXPECT_FALSE(fault.has_value());
    EXPECT_NE(log.find("notification on channel 1"), std::string::npos);
    EXPECT_NE(log.find("protected call on channel 1"), std::string::npos);
    EXPECT_NE(log.find("child 7 faulted"), std::string::npos);
}

TEST(ComponentSlot, ConstructsInPlaceOnce) {
    kaal::detail::ComponentSlot<Full> slot;
    Full& c = slot.construct();
    c.init();
    EXPECT_EQ(&slot.get(), &c);
    EXPECT_EQ(slot.get().inits, 1);
    std::destroy_at(&c); // the test owns the slot; a PD never destroys its component
}

} // namespace
