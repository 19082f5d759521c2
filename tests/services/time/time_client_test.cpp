// SPDX-License-Identifier: BSD-2-Clause
// TimeClient::sleep_for on the mock PD model, with the test playing the time service: the
// client's other timeouts that fire during a sleep are kept for the next drain, coalesced as the
// service's backlog would, and the service's notification is held for after the handler.
#include <array>
#include <chrono>
#include <cstddef>
#include <gtest/gtest.h>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <kaal/platform/channel.hpp>
#include <kaal/services/time/time_client.hpp>

namespace {

using namespace kaal::services::time;
using kaal::Channel;
using kaal::MessageInfo;
using kaal::Word;

constexpr Channel service{3};
constexpr Word periodic_cookie = 5;

struct alignas(4096) Page {
    std::array<std::byte, fired_queue_bytes> bytes{};
};

// The time service as the client sees it: SetTimeout answers with the next id; once the
// timeout with id `fire_after` is armed, a thread pushes `fires` into the fired queue, 5 ms
// apart, and signals the client only when the ring says it asked, as the service does.
class FakeService {
public:
    FakeService(Word fire_after, std::vector<FiredTimeout> fires)
        : fire_after_(fire_after), fires_(std::move(fires)) {
        auto* clock = reinterpret_cast<ClockPage*>(clock_page_.bytes.data());
        clock->counter_hz = 1'000'000'000; // the mock counter counts nanoseconds
        clock->boot_counter = read_counter();
        __atomic_store_n(&clock->version, clock_page_version, __ATOMIC_RELEASE);
        client.notifications = Word{1} << service.id();
        client.pps = Word{1} << service.id();
        client.on_ppcall = [this](Channel ch, MessageInfo msg) {
            EXPECT_EQ(ch, service);
            EXPECT_EQ(msg.label(), SetTimeout::label);
            const Word id = next_id_++;
            kaal::mr_set(0, id);
            if (id == fire_after_) {
                firing_.emplace([this] {
                    for (const FiredTimeout& f : fires_) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(5));
                        push(f);
                    }
                });
            }
            return kaal::ok_reply(1);
        };
    }
    ~FakeService() { join(); }
    FakeService(const FakeService&) = delete;
    FakeService& operator=(const FakeService&) = delete;

    kaal::Status attach(std::optional<TimeClient>& time) {
        return TimeClient::attach(time, reinterpret_cast<Word>(clock_page_.bytes.data()),
                                  reinterpret_cast<Word>(fired_page_.bytes.data()), service);
    }
    void push(const FiredTimeout& f) {
        EXPECT_TRUE(ring_.push(f).ok());
        if (ring_.consumer_needs_signal()) {
            client.inbox.signal(Word{1} << service.id());
        }
    }
    // Whether the client asked to be signalled for the next push (the ring's request flag).
    bool client_waits_for_a_signal() { return ring_.consumer_needs_signal(); }
    void join() {
        if (firing_ && firing_->joinable()) {
            firing_->join();
        }
    }

    kaal::mock::ProtectionDomain client;

private:
    Page clock_page_;
    Page fired_page_;
    FiredRing ring_ =
        FiredRing::attach(fired_page_.bytes.data(), fired_page_.bytes.size(), fired_queue_capacity)
            .value();
    Word fire_after_;
    std::vector<FiredTimeout> fires_;
    Word next_id_ = 1;
    std::optional<std::thread> firing_;
};

FiredTimeout fired(Word cookie, Word id, Word overruns) {
    return {.cookie = cookie, .id = id, .deadline = 0, .fired_at = 0, .overruns = overruns};
}

// The periodic timeout (id 1) fires twice during the sleep (id 2), then the sleep's own.
TEST(TimeClient, ASleepKeepsTheTimeoutsThatFireDuringItForTheNextDrainAndHoldsTheSignal) {
    FakeService fake{2,
                     {fired(periodic_cookie, 1, 0), fired(periodic_cookie, 1, 2), fired(0, 2, 0)}};
    const kaal::mock::ScopedPd as{fake.client};
    std::optional<TimeClient> time;
    ASSERT_TRUE(fake.attach(time).ok());
    ASSERT_TRUE(time->after(periodic_cookie, 1'000'000, 1'000'000).ok());
    ASSERT_TRUE(time->sleep_for(1'000'000).ok());
    fake.join();

    // The sleep took the signals; the one for the kept entries waits for the handler's return.
    EXPECT_TRUE(
        kaal::detail::held_notifications.take_any(kaal::Word{1} << service.id()).has_value());
    std::vector<FiredTimeout> drained;
    time->drain([&drained](const FiredTimeout& f) { drained.push_back(f); });
    ASSERT_EQ(drained.size(), 1U);
    EXPECT_EQ(drained[0].id, 1U);
    EXPECT_EQ(drained[0].cookie, periodic_cookie);
    EXPECT_EQ(drained[0].overruns, 3U); // fired once more, with two overruns of its own
}

// The signal that ended the sleep used up the client's request for one: a sleep asks again
// before it returns, or a timeout that fires afterwards would wait for a notification that the
// service never sends (the lost wake-up).
TEST(TimeClient, AfterASleepTheNextFiredTimeoutIsSignalled) {
    FakeService fake{1, {fired(0, 1, 0)}};
    const kaal::mock::ScopedPd as{fake.client};
    std::optional<TimeClient> time;
    ASSERT_TRUE(fake.attach(time).ok());
    ASSERT_TRUE(time->sleep_for(1'000'000).ok());
    fake.join();
    EXPECT_FALSE(
        kaal::detail::held_notifications.take_any(kaal::Word{1} << service.id()).has_value())
        << "nothing was kept";
    EXPECT_TRUE(fake.client_waits_for_a_signal());
}

} // namespace
