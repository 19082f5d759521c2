// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/serial/mux_wiring.hpp>
#include <kaal/services/serial/queue_region.hpp>
#include <kaal/services/serial/tx_mux.hpp>

// The TX multiplexer as a Microkit protection domain. A system instantiates it with a
// configuration naming its queues and channels, in a few lines of its own source file:
//
//   extern "C" { kaal::Word driver_tx; kaal::Word greeter_tx; kaal::Word echo_tx; }
//   struct Config {
//       static constexpr const kaal::Word* driver_queue = &driver_tx;
//       static constexpr kaal::Channel driver_channel{0};
//       static constexpr std::array clients{
//           kaal::services::serial::TxClientConfig{"greeter", &greeter_tx, kaal::Channel{1}},
//           kaal::services::serial::TxClientConfig{"echo", &echo_tx, kaal::Channel{2}}};
//       static constexpr kaal::services::serial::TxOptions options{};
//   };
//   KAAL_COMPONENT(kaal::services::serial::TxMuxComponent<Config>);
//
// The variables are the setvar_vaddr names of the PD's <map> elements; the channels are the
// mux's ids of one channel per queue. Any notification, from the driver (space) or a client
// (data), runs the same pump: the mux does not need to know who woke it.
namespace kaal::services::serial {

using TxClientConfig = MuxClientConfig;

template <typename Config>
class TxMuxComponent {
    static_assert(Config::clients.size() <= tx_max_clients, "TxMux serves at most 16 clients");

public:
    void init() {
        if (const auto attached = attach(); !attached.ok()) {
            debug::print(tx_mux_name.data(), ": not started: ", attached.error(), "\n");
            return;
        }
        ready_ = true;
        // Clients may have written before this PD first ran, and signal only a reader that
        // asked: pump once before the first sleep.
        pump();
    }

    void notified(Channel) {
        if (ready_) {
            pump();
        }
    }

private:
    Status attach() { return attach_queues(mux_, *Config::driver_queue, Config::clients); }

    void pump() {
        const TxPumpResult result = mux_.pump();
        notify_clients(result.notify_clients, Config::clients);
        if (result.notify_driver) {
            (void)notify(Config::driver_channel);
        }
    }

    TxMux mux_{Config::options};
    bool ready_ = false;
};

} // namespace kaal::services::serial
