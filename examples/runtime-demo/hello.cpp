// SPDX-License-Identifier: BSD-2-Clause
// hello, as a client of the serial driver: its lines go through a byte stream to the 16550
// driver component, which puts them on COM1, and what is typed on COM1 comes back through a
// second stream and is echoed line by line. Nothing here talks to the kernel's debug console.
// The streams are the serial console's client ends (services/serial), served by its
// multiplexers, which add no prefix in this system.
#include <optional>
#include <string_view>

#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/serial/console.hpp>

#include "kaal_config.hpp"

namespace {

using kaal::services::serial::Console;

class Hello {
public:
    void init() {
        if (!Console::attach(console_, config::serial_tx_queue, config::serial_tx,
                             config::serial_rx_queue, config::serial_rx)
                 .ok()) {
            kaal::debug::print("hello: cannot attach the serial streams\n");
            return;
        }
        console_->say("hello: Hello from a KaaL C++ component, through the 16550 driver!\n");
        console_->say("hello: platform mode: ");
        console_->say(kaal::platform_mode());
        console_->say("\n");
        console_->start([this](std::string_view typed) { echo(typed); });
    }

    void notified(kaal::Channel ch) {
        if (console_) {
            console_->notified(ch, [this](std::string_view typed) { echo(typed); });
        }
    }

private:
    void echo(std::string_view typed) {
        console_->say("hello: you typed '");
        console_->say(typed);
        console_->say("'\n");
    }

    std::optional<Console> console_;
};

} // namespace

KAAL_COMPONENT(Hello);
