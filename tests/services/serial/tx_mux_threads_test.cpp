// SPDX-License-Identifier: BSD-2-Clause
// The TX mux with real concurrency: three client threads, a mux thread and a driver thread,
// each sleeping on its own semaphore exactly where a PD would return to its event loop, and
// woken only by the signals the queue protocol asks for. A lost wake-up shows up as a sleeper
// that waits too long; lines interleaved or lost show up in what the "driver" received. The
// tsan preset runs this (label `concurrency`).
#include <array>
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <semaphore>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <kaal/services/serial/tx_mux.hpp>

#include "queue_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using kaal::services::serial::TxMux;
using serial_test::Queue;
namespace serial = kaal::dddk::serial;

constexpr std::size_t clients = 3;
constexpr int lines_per_client = 3000;
constexpr auto lost_wakeup = 5s; // far longer than any wait the protocol can cause

struct Wakeup {
    std::binary_semaphore signal{0};
    std::atomic<bool> stalled{false};
    void notify() { signal.release(); }
    void sleep() {
        if (!signal.try_acquire_for(lost_wakeup)) {
            stalled = true;
        }
    }
};

std::string line_text(std::size_t client, int n) {
    // Lengths vary from 1 to over a line buffer, so some lines are split and some are short.
    const auto length = (static_cast<std::size_t>(n) * 37 + client * 11) % 200;
    return "c" + std::to_string(client) + " " + std::to_string(n) + " " +
           std::string(length, static_cast<char>('a' + client)) + "\n";
}

TEST(TxMuxThreads, WholeLinesNothingLostNoLostWakeups) {
    Queue driver;
    std::array<std::unique_ptr<Queue>, clients> client_queues;
    TxMux mux;
    ASSERT_TRUE(
        mux.attach_driver(driver.region.data(), driver.region.size(), serial::queue_capacity).ok());
    for (std::size_t i = 0; i < clients; ++i) {
        client_queues[i] = std::make_unique<Queue>();
        ASSERT_TRUE(mux.add_client("c" + std::to_string(i), client_queues[i]->region.data(),
                                   client_queues[i]->region.size(), serial::queue_capacity)
                        .ok());
    }
    Wakeup mux_wakeup;
    Wakeup driver_wakeup;
    std::array<Wakeup, clients> client_wakeups;
    std::atomic<bool> done{false};

    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
            kaal::ipc::ByteStream& out = client_queues[i]->peer;
            for (int n = 0; n < lines_per_client; ++n) {
                const std::string whole = line_text(i, n);
                std::string_view text = whole;
                while (!text.empty()) {
                    text.remove_prefix(out.write(text));
                    if (out.reader_needs_signal()) {
                        mux_wakeup.notify();
                    }
                    if (!text.empty() && out.writer_may_sleep()) {
                        client_wakeups[i].sleep();
                        if (client_wakeups[i].stalled || mux_wakeup.stalled) {
                            return; // a lost wake-up: give up, the checks below report it
                        }
                    }
                }
            }
        });
    }
    std::thread mux_thread([&] {
        while (!done) {
            const auto result = mux.pump();
            for (std::size_t i = 0; i < clients; ++i) {
                if (((result.notify_clients >> i) & 1U) != 0) {
                    client_wakeups[i].notify();
                }
            }
            if (result.notify_driver) {
                driver_wakeup.notify();
            }
            mux_wakeup.sleep();
        }
    });
    // Split points depend only on each client's own bytes, never on timing, so the exact number
    // of bytes the driver must receive is known in advance.
    std::size_t expected_wire = 0;
    for (std::size_t i = 0; i < clients; ++i) {
        for (int n = 0; n < lines_per_client; ++n) {
            std::size_t length = line_text(i, n).size();
            for (; length > kaal::services::serial::tx_line_capacity;
                 length -= kaal::services::serial::tx_line_capacity) {
                expected_wire += 5 + kaal::services::serial::tx_line_capacity + 1;
            }
            expected_wire += 5 + length; // "[cN] " and the rest of the line
        }
    }
    std::string received;
    std::thread driver_thread([&] {
        std::array<char, 300> chunk{}; // a slow device: small reads
        while (received.size() < expected_wire && !driver_wakeup.stalled && !mux_wakeup.stalled) {
            const std::size_t n = driver.peer.read(chunk);
            received.append(chunk.data(), n);
            if (n != 0 && driver.peer.writer_needs_signal()) {
                mux_wakeup.notify();
            }
            if (n == 0 && driver.peer.reader_may_sleep()) {
                driver_wakeup.sleep();
            }
        }
    });
    for (auto& t : threads) {
        t.join();
    }
    driver_thread.join();
    done = true;
    mux_wakeup.notify();
    mux_thread.join();
    received += driver.drain();

    EXPECT_FALSE(mux_wakeup.stalled || driver_wakeup.stalled) << "a lost wake-up";
    for (const auto& w : client_wakeups) {
        EXPECT_FALSE(w.stalled) << "a client never got its space signal";
    }
    // Reassemble each client's text from its prefixed lines. A split piece is exactly a line
    // buffer long and its newline was added by the mux; any other line is one of the client's.
    std::array<std::string, clients> got;
    std::istringstream in(received);
    for (std::string line; std::getline(in, line);) {
        ASSERT_TRUE(line.size() >= 5 && line[0] == '[' && line[1] == 'c' && line[3] == ']')
            << "line without a prefix: " << line.substr(0, 40);
        const auto client = static_cast<std::size_t>(line[2] - '0');
        ASSERT_LT(client, clients);
        const std::string body = line.substr(5);
        ASSERT_EQ(body.find('['), std::string::npos) << "two prefixes in one line";
        got[client] += body;
        if (body.size() != kaal::services::serial::tx_line_capacity) {
            got[client] += "\n"; // a split line's added newline is not the client's
        }
    }
    for (std::size_t i = 0; i < clients; ++i) {
        std::string sent;
        for (int n = 0; n < lines_per_client; ++n) {
            sent += line_text(i, n);
        }
        EXPECT_EQ(got[i].size(), sent.size()) << "client " << i;
        EXPECT_TRUE(got[i] == sent) << "client " << i << ": text differs";
    }
}

} // namespace
