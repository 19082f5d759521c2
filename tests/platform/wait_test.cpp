// SPDX-License-Identifier: BSD-2-Clause
// wait_for on the mock PD model: a handler that waits still answers calls, and the notifications
// that arrive meanwhile reach the component after it, once each, never inside it.
#include <chrono>
#include <gtest/gtest.h>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/wait.hpp>

namespace {

using kaal::Channel;
using kaal::Error;
using kaal::MessageInfo;
using kaal::Word;

constexpr unsigned client_end = 1;  // the client's end of the channel to the sleeper
constexpr unsigned sleeper_end = 2; // the sleeper's end of it
constexpr unsigned timer_end = 5;   // the sleeper's end of the channel to the timer
constexpr Word answered_while_waiting = 1;

class Journal {
public:
    void add(std::string event) {
        const std::lock_guard lock{mutex_};
        events_.push_back(std::move(event));
    }
    std::vector<std::string> events() {
        const std::lock_guard lock{mutex_};
        return events_;
    }

private:
    std::mutex mutex_;
    std::vector<std::string> events_;
};

struct Sleeper {
    kaal::mock::ProtectionDomain client;
    kaal::mock::ProtectionDomain timer;
    kaal::mock::ProtectionDomain pd;
    Journal journal;
    bool waiting = false; // the sleeper thread's own
    bool first = true;

    Sleeper() {
        kaal::mock::connect(client, pd,
                            {.a_id = client_end, .b_id = sleeper_end, .a_calls_b = true});
        kaal::mock::connect(timer, pd, {.a_id = 0, .b_id = timer_end});
    }

    void run() {
        kaal::mock::run_event_loop(
            pd,
            [this](Channel ch) {
                journal.add("notified " + std::to_string(ch.id()));
                if (ch.id() == sleeper_end && std::exchange(first, false)) {
                    waiting = true;
                    const auto woke = kaal::wait_for(Channel{timer_end});
                    waiting = false;
                    journal.add(woke.ok() ? "woke" : "wait failed");
                }
            },
            [this](Channel, MessageInfo) {
                journal.add("call");
                kaal::mr_set(0, waiting ? answered_while_waiting : 0);
                return MessageInfo{0, 1};
            });
    }
};

TEST(WaitFor, AWaitingHandlerAnswersCallsAndHoldsOtherNotificationsUntilItReturns) {
    Sleeper s;
    std::thread sleeper([&s] { s.run(); });
    {
        const kaal::mock::ScopedPd as{s.client};
        ASSERT_TRUE(kaal::notify(Channel{client_end}).ok()); // the sleeper starts to wait
        // Answered by the wait itself: the handler that waits has not returned.
        const auto reply = kaal::ppcall(Channel{client_end}, MessageInfo{1, 0});
        ASSERT_TRUE(reply.ok());
        EXPECT_EQ(kaal::mr_get(0), answered_while_waiting);
        ASSERT_TRUE(kaal::notify(Channel{client_end}).ok()); // held: the sleeper is still waiting
    }
    {
        const kaal::mock::ScopedPd as{s.timer};
        ASSERT_TRUE(kaal::notify(Channel{0}).ok());
    }
    // Bounded: two seconds for the sleeper to wake and take the held notification.
    for (int i = 0; i < 2000 && s.journal.events().size() < 4; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    kaal::mock::request_stop(s.pd);
    sleeper.join();
    // The timer's notification ended the wait: it is the wait's, not notified()'s.
    EXPECT_EQ(s.journal.events(),
              (std::vector<std::string>{"notified 2", "call", "woke", "notified 2"}));
}

TEST(WaitFor, IsRefusedInsideAProtectedCallAndForAChannelNothingNotifies) {
    Sleeper s;
    Error in_call = Error::ok;
    std::thread sleeper([&s, &in_call] {
        kaal::mock::run_event_loop(s.pd, nullptr, [&in_call](Channel, MessageInfo) {
            in_call = kaal::wait_for(Channel{timer_end}).error();
            return MessageInfo{0, 0};
        });
    });
    {
        const kaal::mock::ScopedPd as{s.client};
        ASSERT_TRUE(kaal::ppcall(Channel{client_end}, MessageInfo{1, 0}).ok());
    }
    kaal::mock::request_stop(s.pd);
    sleeper.join();
    EXPECT_EQ(in_call, Error::illegal_operation);

    const kaal::mock::ScopedPd as{s.pd};
    EXPECT_EQ(kaal::wait_for(Channel{9}).error(), Error::invalid_channel);
}

TEST(WaitForAny, SaysWhichChannelWokeItAndKeepsTheOthersHeld) {
    kaal::mock::ProtectionDomain a;
    kaal::mock::ProtectionDomain b;
    kaal::mock::ProtectionDomain pd;
    kaal::mock::connect(a, pd, {.a_id = 0, .b_id = 3});
    kaal::mock::connect(b, pd, {.a_id = 0, .b_id = 7});
    for (auto* from : {&b, &a}) {
        const kaal::mock::ScopedPd as{*from};
        ASSERT_TRUE(kaal::notify(Channel{0}).ok());
    }
    const kaal::mock::ScopedPd as{pd};
    // Both were notified before the first wait: the lowest first, then the other without a
    // second notification, since the first wait received both and held the one it did not take.
    const auto first = kaal::wait_for_any({Channel{3}, Channel{7}});
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->id(), 3U);
    const auto second = kaal::wait_for_any({Channel{3}, Channel{7}});
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->id(), 7U);
    EXPECT_EQ(kaal::wait_for_any({Channel{3}, Channel{9}}).error(), Error::invalid_channel);
    EXPECT_EQ(kaal::wait_for_any({Channel{3}, Channel{63}}).error(), Error::invalid_channel);
    EXPECT_EQ(kaal::wait_for_any({}).error(), Error::invalid_channel);
}

TEST(WaitFor, ReturnsAnErrorWhenThePdIsStoppedWhileItWaits) {
    Sleeper s;
    Error woke = Error::ok;
    std::thread sleeper([&s, &woke] {
        const kaal::mock::ScopedPd as{s.pd};
        woke = kaal::wait_for(Channel{timer_end}).error();
    });
    kaal::mock::request_stop(s.pd);
    sleeper.join();
    EXPECT_EQ(woke, Error::unsupported);
}

} // namespace
