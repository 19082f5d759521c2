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

TEST(TimeClient, ASleepKeepsTheTimeoutsThatFireDuringItForTheNextDrainAndHoldsTheSignal) {
    Page clock_page;
    Page fired_page;
    auto* clock = reinterpret_cast<ClockPage*>(clock_page.bytes.data());
    clock->counter_hz = 1'000'000'000; // the mock counter counts nanoseconds
    clock->boot_counter = read_counter();
    __atomic_store_n(&clock->version, clock_page_version, __ATOMIC_RELEASE);
    auto service_end =
        FiredRing::attach(fired_page.bytes.data(), fired_page.bytes.size(), fired_queue_capacity)
            .value();

    kaal::mock::ProtectionDomain client;
    client.notifications = Word{1} << service.id();
    client.pps = Word{1} << service.id();
    Word next_id = 1;
    std::optional<std::thread> firing;
    // The service: SetTimeout answers with the next id. Once the sleep's timeout (the second)
    // is armed, the periodic one fires twice, then the sleep's: each push signalled.
    client.on_ppcall = [&](Channel ch, MessageInfo msg) {
        EXPECT_EQ(ch, service);
        EXPECT_EQ(msg.label(), SetTimeout::label);
        const Word id = next_id++;
        kaal::mr_set(0, id);
        if (id == 2) {
            firing.emplace([&service_end, &client] {
                const auto fire = [&](FiredTimeout f) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                    EXPECT_TRUE(service_end.push(f).ok());
                    client.inbox.signal(Word{1} << service.id());
                };
                fire({.cookie = periodic_cookie,
                      .id = 1,
                      .deadline = 0,
                      .fired_at = 0,
                      .overruns = 0});
                fire({.cookie = periodic_cookie,
                      .id = 1,
                      .deadline = 0,
                      .fired_at = 0,
                      .overruns = 2});
                fire({.cookie = 0, .id = 2, .deadline = 0, .fired_at = 0, .overruns = 0});
            });
        }
        return kaal::ok_reply(1);
    };
    const kaal::mock::ScopedPd as{client};

    std::optional<TimeClient> time;
    ASSERT_TRUE(TimeClient::attach(time, reinterpret_cast<Word>(clock),
                                   reinterpret_cast<Word>(fired_page.bytes.data()), service)
                    .ok());
    ASSERT_TRUE(time->after(periodic_cookie, 1'000'000, 1'000'000).ok());
    ASSERT_TRUE(time->sleep_for(1'000'000).ok());
    firing->join();

    // The sleep took the signals; the one for the kept entries waits for the handler's return.
    EXPECT_TRUE(kaal::detail::held_notifications.take(service));
    std::vector<FiredTimeout> drained;
    time->drain([&drained](const FiredTimeout& f) { drained.push_back(f); });
    ASSERT_EQ(drained.size(), 1U);
    EXPECT_EQ(drained[0].id, 1U);
    EXPECT_EQ(drained[0].cookie, periodic_cookie);
    EXPECT_EQ(drained[0].overruns, 3U); // fired once more, with two overruns of its own
}

} // namespace
