// SPDX-License-Identifier: BSD-2-Clause
// The time service's logic with simulated time: clients, their fired queues and calls as the
// component sees them.
#include <algorithm>
#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <memory>
#include <vector>

#include <kaal/services/time/clock_page.hpp>
#include <kaal/services/time/time_service.hpp>

namespace {

using namespace kaal::services::time;
using kaal::Error;
using kaal::MessageInfo;
using kaal::Word;

constexpr TimeLimits limits{.max_horizon = Ticks{1} << 40, .min_period = 10};

struct alignas(4096) FiredRegion {
    std::array<std::byte, fired_queue_bytes> bytes{};
};

class TimeServiceTest : public ::testing::Test {
protected:
    static constexpr std::size_t per_client = 128;
    using Service = TimeService<4, per_client>;

    TimeServiceTest() {
        for (auto& r : regions_) {
            const auto index = service_.add_client(r.bytes.data(), r.bytes.size());
            EXPECT_TRUE(index.ok());
            readers_.push_back(
                FiredRing::attach(r.bytes.data(), r.bytes.size(), fired_queue_capacity).value());
        }
    }

    // A call as the component makes it, from client `caller` at `now`.
    MessageInfo call(unsigned caller, MessageInfo info, std::array<Word, 4> words, Ticks now) {
        mrs_ = words;
        return service_.call(caller, info, kaal::ipc::ArrayRegisters{mrs_}, now);
    }
    kaal::Result<Word> set(unsigned caller, Word cookie, Ticks deadline, Ticks period, Ticks now) {
        const MessageInfo reply =
            call(caller, {SetTimeout::label, 3}, {cookie, deadline, period}, now);
        if (kaal::is_error_reply(reply)) {
            return kaal::reply_error(reply);
        }
        return mrs_[0];
    }
    kaal::Status cancel(unsigned caller, Word id, Ticks now) {
        const MessageInfo reply = call(caller, {CancelTimeout::label, 1}, {id}, now);
        return kaal::is_error_reply(reply) ? kaal::Status{kaal::reply_error(reply)}
                                           : kaal::Status{};
    }
    std::vector<FiredTimeout> drain(unsigned client) {
        std::vector<FiredTimeout> out;
        while (auto f = readers_[client].pop()) {
            out.push_back(*f);
        }
        return out;
    }

    std::array<FiredRegion, 4> regions_{};
    std::vector<FiredRing> readers_;
    Service service_{limits};
    std::array<Word, 4> mrs_{};
};

// Three clients with 100 interleaved timeouts each; every fourth cancelled. Time advances in
// uneven steps; each expiry happens at or after its deadline and in deadline order per client.
TEST_F(TimeServiceTest, InterleavedTimeoutsOfThreeClientsFireInOrderNoneEarlyCancelledNever) {
    Ticks now = 1000;
    std::array<std::vector<Word>, 3> cancelled_ids;
    for (Word i = 0; i < 100; ++i) {
        for (unsigned c = 0; c < 3; ++c) {
            const Ticks deadline = now + 50 + i * 37 + c * 11; // interleaved across clients
            const auto id = set(c, i, deadline, 0, now);
            ASSERT_TRUE(id.ok()) << kaal::to_string(id.error());
            if (i % 4 == 3) {
                cancelled_ids[c].push_back(*id);
            }
        }
    }
    for (unsigned c = 0; c < 3; ++c) {
        for (const Word id : cancelled_ids[c]) {
            ASSERT_TRUE(cancel(c, id, now).ok());
        }
    }
    std::array<std::vector<FiredTimeout>, 3> fired;
    for (int step = 0; step < 200 && service_.pending() != 0; ++step) {
        now += static_cast<Ticks>(13 + (step % 7) * 5);
        const ExpiryResult r = service_.expire(now);
        for (unsigned c = 0; c < 3; ++c) {
            for (const FiredTimeout& f : drain(c)) {
                fired[c].push_back(f);
            }
        }
        if (r.next_deadline) {
            EXPECT_GT(*r.next_deadline, now);
        }
    }
    for (unsigned c = 0; c < 3; ++c) {
        ASSERT_EQ(fired[c].size(), 75U) << "client " << c;
        for (std::size_t k = 0; k < fired[c].size(); ++k) {
            EXPECT_NE(fired[c][k].cookie % 4, 3U) << "a cancelled timeout fired";
            EXPECT_GE(fired[c][k].fired_at, fired[c][k].deadline) << "early";
            if (k > 0) {
                EXPECT_GT(fired[c][k].deadline, fired[c][k - 1].deadline) << "out of order";
            }
        }
    }
}

TEST_F(TimeServiceTest, APastOrZeroDeadlineFiresAtOnceAndAnAbsurdOneIsRefused) {
    ASSERT_TRUE(set(0, 1, 500, 0, 1000).ok());
    ASSERT_TRUE(set(0, 2, 0, 0, 1000).ok());
    EXPECT_EQ(set(0, 3, 1000 + (Ticks{1} << 41), 0, 1000).error(), Error::range_error);
    EXPECT_EQ(set(0, 4, 2000, 1, 1000).error(), Error::range_error) << "a period too short";
    const ExpiryResult r = service_.expire(1000);
    EXPECT_EQ(r.notify_clients, 0U) << "the client did not ask for a signal yet";
    const auto got = drain(0);
    ASSERT_EQ(got.size(), 2U);
    EXPECT_EQ(got[0].cookie, 2U) << "deadline 0 first";
    EXPECT_EQ(got[1].cookie, 1U);
    // Once the client has asked for a signal (it found its queue empty), an expiry wakes it.
    ASSERT_TRUE(readers_[0].consumer_may_sleep());
    ASSERT_TRUE(set(0, 5, 1001, 0, 1000).ok());
    EXPECT_EQ(service_.expire(1001).notify_clients, 1U);
}

TEST_F(TimeServiceTest, MalformedCallsAndUnknownClientsGetErrorReplies) {
    EXPECT_EQ(call(0, {99, 1}, {1}, 0), kaal::error_reply(Error::malformed_message));
    EXPECT_EQ(call(0, {SetTimeout::label, 2}, {1, 2}, 0),
              kaal::error_reply(Error::malformed_message));
    EXPECT_EQ(call(7, {SetTimeout::label, 3}, {1, 2, 0}, 0),
              kaal::error_reply(Error::not_permitted));
    EXPECT_EQ(cancel(0, 12345, 0).error(), Error::invalid_argument);
    const Word id = set(1, 9, 100, 0, 0).value();
    EXPECT_EQ(cancel(0, id, 0).error(), Error::invalid_argument) << "another client's timeout";
    ASSERT_TRUE(cancel(1, id, 0).ok());
    EXPECT_EQ(cancel(1, id, 0).error(), Error::invalid_argument) << "twice";
    EXPECT_EQ(service_.rejected_calls(), 6U);
    EXPECT_EQ(service_.rejected_calls(0), 4U);
    EXPECT_EQ(service_.rejected_calls(1), 1U);
    EXPECT_EQ(service_.rejected_calls(7), 1U) << "no client's";
}

TEST_F(TimeServiceTest, AFloodingClientHitsItsLimitAndOthersAreUnaffected) {
    for (std::size_t i = 0; i < per_client; ++i) {
        ASSERT_TRUE(set(0, i, 1'000'000 + i, 0, 0).ok());
    }
    EXPECT_EQ(set(0, 999, 5, 0, 0).error(), Error::out_of_slots);
    ASSERT_TRUE(set(1, 1, 10, 0, 0).ok()) << "the other client still gets its timeout";
    service_.expire(10);
    ASSERT_EQ(drain(1).size(), 1U);
}

// The client does not drain: fired timeouts wait, nothing is lost, and a waiting one-shot still
// counts against the client's limit, so the backlog stays bounded.
TEST_F(TimeServiceTest, ATimeoutFiredIntoAFullQueueWaitsAndIsNeverLost) {
    std::size_t armed = 0;
    for (; armed < per_client; ++armed) {
        ASSERT_TRUE(set(0, armed, 10 + armed, 0, 0).ok());
    }
    service_.expire(1000); // 64 fit the queue, 64 wait
    EXPECT_EQ(service_.held_by(0), per_client - fired_queue_capacity);
    EXPECT_EQ(set(0, 500, 2000, 0, 1000).ok(), true);
    for (std::size_t i = 1; i < fired_queue_capacity; ++i) {
        ASSERT_TRUE(set(0, 500 + i, 2000, 0, 1000).ok());
    }
    EXPECT_EQ(set(0, 999, 2000, 0, 1000).error(), Error::out_of_slots) << "waiting ones count";
    std::vector<Word> cookies;
    for (int round = 0; round < 10; ++round) {
        for (const auto& f : drain(0)) {
            cookies.push_back(f.cookie);
        }
        service_.expire(3000);
    }
    ASSERT_EQ(cookies.size(), per_client + fired_queue_capacity);
    for (std::size_t i = 0; i < per_client; ++i) {
        EXPECT_EQ(cookies[i], i) << "in order";
    }
}

TEST_F(TimeServiceTest, APeriodicTimeoutRearmsCountsOverrunsAndStopsWhenCancelled) {
    const Word id = set(0, 42, 100, 100, 0).value();
    service_.expire(100);
    service_.expire(200);
    EXPECT_EQ(drain(0).size(), 2U);
    service_.expire(650); // four periods late: one entry, overruns counted
    auto got = drain(0);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].deadline, 300U);
    EXPECT_EQ(got[0].overruns, 3U);
    ASSERT_TRUE(cancel(0, id, 650).ok());
    service_.expire(10'000);
    EXPECT_TRUE(drain(0).empty());
    EXPECT_EQ(service_.pending(), 0U);
}

// The counter's end: a deadline at the top of the 64-bit range still fires, and a periodic
// timeout whose next period would wrap past it fires its last instead of wrapping into the past.
TEST_F(TimeServiceTest, NearTheCountersEndNothingWrapsIntoThePast) {
    constexpr Ticks top = ~Ticks{0};
    const Ticks now = top - 1000;
    ASSERT_TRUE(set(0, 1, top, 0, now).ok());
    ASSERT_TRUE(set(0, 2, top - 500, 400, now).ok()); // next period at top - 100, then past the end
    service_.expire(top - 400);
    service_.expire(top - 50);
    service_.expire(top);
    const auto got = drain(0);
    ASSERT_EQ(got.size(), 3U);
    EXPECT_EQ(got[0].cookie, 2U);
    EXPECT_EQ(got[1].cookie, 2U);
    EXPECT_EQ(got[2].cookie, 1U);
    EXPECT_EQ(service_.pending(), 0U) << "the periodic one ended at the counter's end";
    service_.expire(top);
    EXPECT_TRUE(drain(0).empty());
    EXPECT_EQ(service_.held_by(0), 0U);
}

TEST(ClockPage, TickConversionsDoNotOverflowNearTheCounterMaximum) {
    constexpr std::uint64_t hz = 62'500'000; // QEMU virt's generic timer
    EXPECT_EQ(ticks_to_ns(hz, hz), 1'000'000'000U);
    EXPECT_EQ(ticks_to_ns(1, hz), 16U);
    const std::uint64_t big = ~std::uint64_t{0} / 1000; // a counter running for centuries
    EXPECT_EQ(ns_to_ticks(ticks_to_ns(big, hz), hz), big);
    EXPECT_EQ(ns_to_ticks(1'000'000'000U, hz), hz);
}

} // namespace
