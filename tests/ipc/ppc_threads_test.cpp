// SPDX-License-Identifier: BSD-2-Clause
// A client PD and a server PD on two host threads: the server runs the mock event loop, the
// client calls it with typed requests, malformed ones among them, while notifications flow too.
#include <atomic>
#include <gtest/gtest.h>
#include <thread>

#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/channel.hpp>

#include "ppc_protocol.hpp"

namespace {

using kaal::Channel;
using kaal::Error;
using kaal::MessageInfo;
using kaal::Word;
using kaal::ipc::test::Accumulate;
using kaal::ipc::test::Add;
using kaal::ipc::test::AdderServer;
using kaal::ipc::test::Fill;
using kaal::ipc::test::Reset;

constexpr Channel client_to_server{0};
constexpr Channel server_to_client{5};

TEST(PpcThreads, ServerAnswersValidCallsRejectsMalformedOnesAndKeepsServing) {
    kaal::mock::ProtectionDomain client_pd;
    kaal::mock::ProtectionDomain server_pd;
    client_pd.name = "client";
    server_pd.name = "server";
    kaal::mock::connect(
        client_pd, server_pd,
        {.a_id = client_to_server.id(), .b_id = server_to_client.id(), .a_calls_b = true});
    AdderServer adder;
    std::atomic<unsigned> notifications{0};
    std::thread server([&] {
        kaal::mock::run_event_loop(
            server_pd,
            [&](Channel ch) {
                EXPECT_EQ(ch, server_to_client);
                notifications.fetch_add(1);
            },
            [&](Channel ch, MessageInfo msg) {
                EXPECT_EQ(ch, server_to_client);
                EXPECT_STREQ(kaal::mock::current_pd().name, "server"); // runs as the server
                return kaal::ipc::serve<Add, Accumulate, Reset, Fill>(msg, adder);
            });
    });

    {
        const kaal::mock::ScopedPd as{client_pd};
        // Only the client's end may call.
        EXPECT_EQ(server_pd.pps, 0U);
        for (Word i = 0; i < 2000; ++i) {
            const auto sum = kaal::ipc::call(client_to_server, Add{i, 1});
            ASSERT_TRUE(sum.ok());
            EXPECT_EQ(sum->value, i + 1);
            if (i % 100 == 0) {
                ASSERT_TRUE(kaal::notify(client_to_server).ok());
            }
        }
        // Malformed: an unknown label, and a known label with the wrong length.
        kaal::mr_set(0, 1);
        auto reply = kaal::ppcall(client_to_server, MessageInfo{77, 1});
        ASSERT_TRUE(reply.ok());
        EXPECT_EQ(kaal::reply_error(*reply), Error::malformed_message);
        reply = kaal::ppcall(client_to_server, MessageInfo{Add::label, 1});
        ASSERT_TRUE(reply.ok());
        EXPECT_EQ(kaal::reply_error(*reply), Error::malformed_message);
        EXPECT_EQ(reply->length(), 0U);
        // A 120-word request round-trips through the message registers.
        Fill fill{};
        for (unsigned i = 0; i < MessageInfo::max_length; ++i) {
            fill.words[i] = i;
        }
        EXPECT_TRUE(kaal::ipc::call(client_to_server, fill).ok());
        // And the server is still serving.
        EXPECT_EQ(kaal::ipc::call(client_to_server, Accumulate{3, 4})->value, 12U);
        EXPECT_EQ(kaal::ipc::call(client_to_server, Add{~Word{0}, 1}).error(), Error::range_error);
    }
    kaal::mock::request_stop(server_pd);
    server.join();
    EXPECT_EQ(adder.handled, 2000U + 3U);
    EXPECT_GE(notifications.load(), 1U); // signals to a busy PD coalesce, as seL4's do
    EXPECT_LE(notifications.load(), 20U);
}

TEST(PpcThreads, ManyClientsCallOneServer) {
    kaal::mock::ProtectionDomain server_pd;
    constexpr unsigned clients = 4;
    std::array<kaal::mock::ProtectionDomain, clients> client_pds;
    for (unsigned c = 0; c < clients; ++c) {
        kaal::mock::connect(client_pds.at(c), server_pd, {.a_id = 1, .b_id = c, .a_calls_b = true});
    }
    AdderServer adder; // touched only by the server thread: calls are serialised, as on seL4
    std::thread server([&] {
        kaal::mock::run_event_loop(server_pd, nullptr, [&](Channel, MessageInfo msg) {
            return kaal::ipc::serve<Add, Accumulate, Reset, Fill>(msg, adder);
        });
    });
    std::array<std::thread, clients> threads;
    for (unsigned c = 0; c < clients; ++c) {
        threads.at(c) = std::thread([&, c] {
            const kaal::mock::ScopedPd as{client_pds.at(c)};
            for (std::uint32_t i = 0; i < 500; ++i) {
                ASSERT_TRUE(kaal::ipc::call(Channel{1}, Accumulate{1, 1}).ok());
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    kaal::mock::request_stop(server_pd);
    server.join();
    EXPECT_EQ(adder.total, Word{clients} * 500);
}

} // namespace
