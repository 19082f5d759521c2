// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/entropy/entropy_client.hpp>
#include <kaal/services/net/lwip_stack.hpp>
#include <kaal/services/serial/console_writer.hpp>
#include <kaal/services/time/time_client.hpp>

#include "kaal_config.hpp"
#include "text.hpp"

// What each server of this example holds: its own IP stack over the NetworkStack's queues, the
// time service, whose periodic timeout runs lwIP's timers (TCP's retransmissions and delayed
// ACKs, ARP's and DHCP's), its line to the serial console, where what it says comes out as
// whole lines however the servers are scheduled, and the entropy source, for the secret its
// TCP's initial sequence numbers are keyed with. The composer's blocks give the same names in
// every client's kaal_config.hpp, so one start() serves every server.
namespace network_example {

namespace net = kaal::services::net;

class NetApp {
public:
    // lwIP's fastest timer is TCP's at 250 ms (TCP_TMR_INTERVAL); ticking at a fifth of it
    // keeps delayed ACKs and retransmissions close to the times lwIP asks for.
    static constexpr std::uint64_t tick_ns = 50'000'000;

    bool start() {
        auto writer = kaal::services::serial::ConsoleWriter::attach(config::serial_tx_queue,
                                                                    config::serial_tx);
        if (!writer) {
            kaal::debug::print(config::pd_name, ": FAILED: cannot attach the console\n");
            return false;
        }
        console_.emplace(*writer);
        if (!kaal::services::time::TimeClient::attach(time_, config::time_clock, config::time_fired,
                                                      config::time)
                 .ok()) {
            kaal::debug::print(config::pd_name, ": FAILED: cannot attach the time service\n");
            return false;
        }
        // RFC 6528's secret, from the device: without it a server would draw one from the
        // counter and its MAC, which whoever knows when it booted can guess, so it does not
        // start (lwip_stack.hpp).
        kaal::SipHashKey isn_key{};
        auto rng = kaal::services::entropy::EntropyClient::attach(
            config::entropy_data, config::entropy_data_size, config::entropy);
        if (!rng || !rng->read(isn_key)) {
            kaal::debug::print(config::pd_name,
                               ": FAILED: no entropy for TCP's initial sequence numbers\n");
            return false;
        }
        auto stack = net::LwipStack::start({
            .rx_queue = config::net_rx_queue,
            .rx_data = config::net_rx_data,
            .rx_data_size = config::net_rx_data_size,
            .tx_queue = config::net_tx_queue,
            .tx_data = config::net_tx_data,
            .tx_data_size = config::net_tx_data_size,
            .rx = config::net_rx,
            .tx = config::net_tx,
            .address = config::net_address,
            .isn_key = isn_key,
        });
        if (!stack) {
            kaal::debug::print(config::pd_name,
                               ": FAILED: the IP stack did not start: ", stack.error(), "\n");
            return false;
        }
        stack_ = *stack;
        if (auto tick = time_->after(0, tick_ns, tick_ns); !tick) {
            kaal::debug::print(config::pd_name, ": FAILED: no timer for lwIP: ", tick.error(),
                               "\n");
            return false;
        }
        // Drained once, as every queue is at start: that asks the service to signal the first
        // tick (time_client.hpp). Without it no tick is ever signalled, and lwIP's timers (TCP's
        // retransmissions and delayed ACKs, ARP's, DHCP's) never run.
        time_->drain([this](const auto&) { stack_->poll_timers(); });
        return true;
    }

    // Frames, returned buffers or the timer; false if `ch` is none of them.
    bool notified(kaal::Channel ch) {
        if (stack_ == nullptr) {
            return false;
        }
        if (ch == config::time) {
            time_->drain([this](const auto&) { stack_->poll_timers(); });
            announce();
            return true;
        }
        if (ch == config::serial_tx) {
            static_cast<void>(console_->flush()); // room again for what did not fit
            return true;
        }
        const bool ours = stack_->notified(ch);
        announce(); // a DHCP ACK comes in a frame
        return ours;
    }

    // "ready on 10.0.2.15 <what>", once the server listens and has its address: what the boot
    // test waits for. With a fixed address that is at once; with DHCP, when the lease comes,
    // after a line that says so.
    void say_ready(std::string_view what) {
        ready_what_ = what;
        announce();
    }

    [[nodiscard]] net::LwipStack& stack() { return *stack_; }
    [[nodiscard]] std::uint64_t uptime_ns() const { return time_->monotonic_ns(); }
    [[nodiscard]] std::uint64_t realtime_ns() const { return time_->realtime_ns(); }

private:
    void announce() {
        if (ready_what_.empty() || !stack_->has_address()) {
            return;
        }
        const auto ip = stack_->address();
        Text<16> address;
        address << ip[0] << "." << ip[1] << "." << ip[2] << "." << ip[3];
        Text<96> line;
        if (config::net_address.dhcp) {
            line << "leased " << address.view() << " by DHCP\n";
        }
        line << "ready on " << address.view() << " " << ready_what_ << "\n";
        ready_what_ = {};
        static_cast<void>(console_->write(line.view()));
        static_cast<void>(console_->flush());
    }

    std::optional<kaal::services::serial::ConsoleWriter> console_;
    std::optional<kaal::services::time::TimeClient> time_;
    net::LwipStack* stack_ = nullptr;
    std::string_view ready_what_; // said once the stack has its address
};

} // namespace network_example
