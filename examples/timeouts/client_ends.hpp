// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <optional>
#include <string_view>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/serial/console_writer.hpp>
#include <kaal/services/time/time_client.hpp>

#include "kaal_config.hpp"

// What every client in this example holds: its line to the serial console and its end of the
// time service. The composer's SerialConsole and TimeService blocks give them the same names in
// every client's kaal_config.hpp, so one attach() serves the alarms and the flood.
namespace timeouts {

struct ClientEnds {
    std::optional<kaal::services::serial::ConsoleWriter> console;
    std::optional<kaal::services::time::TimeClient> time;

    // Both ends, or neither (said on the debug console): a client without one has nothing to do.
    bool attach() {
        auto writer = kaal::services::serial::ConsoleWriter::attach(config::serial_tx_queue,
                                                                    config::serial_tx);
        if (!writer.ok() || !kaal::services::time::TimeClient::attach(
                                 time, config::time_clock, config::time_fired, config::time)
                                 .ok()) {
            time.reset();
            kaal::debug::print(config::pd_name,
                               ": cannot attach the console or the time service\n");
            return false;
        }
        console.emplace(*writer);
        return true;
    }

    // A notification: fired timeouts to `on_fired`, if it is the time service's, and whatever the
    // console still holds to the serial mux.
    template <typename OnFired>
    void notified(kaal::Channel ch, OnFired&& on_fired) {
        if (!time) {
            return;
        }
        if (ch == config::time) {
            time->drain(on_fired);
        }
        static_cast<void>(console->flush());
    }

    void say(std::string_view text) {
        static_cast<void>(console->write(text));
        static_cast<void>(console->flush());
    }
};

} // namespace timeouts
