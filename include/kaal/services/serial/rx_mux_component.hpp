// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/serial/mux_wiring.hpp>
#include <kaal/services/serial/queue_region.hpp>
#include <kaal/services/serial/rx_mux.hpp>

// The RX multiplexer as a Microkit protection domain, configured like TxMuxComponent:
//
//   struct Config {
//       static constexpr const kaal::Word* driver_queue = &driver_rx;
//       static constexpr kaal::Channel driver_channel{0};
//       static constexpr std::array clients{
//           kaal::services::serial::RxClientConfig{"greeter", &greeter_rx, kaal::Channel{1}},
//           kaal::services::serial::RxClientConfig{"echo", &echo_rx, kaal::Channel{2},
//                                                   /*may_select_input=*/true}};
//       // Optional: a TX queue to the TX mux for the RX mux's report lines (nullptr: none).
//       static constexpr const kaal::Word* report_queue = &reports_tx;
//       static constexpr kaal::Channel report_channel{3};
//   };
//   KAAL_COMPONENT(kaal::services::serial::RxMuxComponent<Config>);
//
// A client's RX channel also carries its control calls: the client's end is pp="true", the mux
// has the higher priority (Microkit manual, "Protected procedure"), and the channel a call
// arrives on tells the mux who called.
namespace kaal::services::serial {

using RxClientConfig = MuxClientConfig;

template <typename Config>
class RxMuxComponent {
    static_assert(Config::clients.size() <= rx_max_clients, "RxMux serves at most 16 clients");

public:
    void init() {
        if (const auto attached = attach(); !attached.ok()) {
            debug::print("serial-rx: not started: ", attached.error(), "\n");
            return;
        }
        ready_ = true;
        pump();
    }

    void notified(Channel) {
        if (ready_) {
            pump();
        }
    }

    // The channel says who called: seL4 badges each PD's endpoint cap per channel, so a client
    // cannot call on another's.
    MessageInfo protected_call(Channel ch, MessageInfo msg) {
        if (!ready_) {
            return error_reply(Error::unsupported);
        }
        const auto caller = static_cast<unsigned>(client_on(ch, Config::clients));
        const MessageInfo reply = mux_.control(caller, msg, ipc::PlatformRegisters{});
        if (mux_.reports_need_signal()) {
            (void)notify(Config::report_channel);
        }
        // Input may now go to a client with bytes still pending for it.
        pump();
        return reply;
    }

private:
    Status attach() {
        KAAL_CHECK(attach_queues(mux_, *Config::driver_queue, Config::clients));
        if (Config::report_queue != nullptr) {
            KAAL_TRY(void* reports, queue_region(*Config::report_queue));
            KAAL_CHECK(mux_.attach_reports(reports, dddk::serial::queue_region_bytes,
                                           dddk::serial::queue_capacity));
        }
        return {};
    }

    void pump() {
        const RxPumpResult result = mux_.pump();
        notify_clients(result.notify_clients, Config::clients);
        if (result.notify_driver) {
            (void)notify(Config::driver_channel);
        }
        if (result.notify_reports) {
            (void)notify(Config::report_channel);
        }
    }

    RxMux mux_;
    bool ready_ = false;
};

} // namespace kaal::services::serial
