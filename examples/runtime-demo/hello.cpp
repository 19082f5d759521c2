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
#include <kaal/services/serial/console_reader.hpp>
#include <kaal/services/serial/console_writer.hpp>

#include "kaal_config.hpp"

namespace {

using kaal::services::serial::ConsoleReader;
using kaal::services::serial::ConsoleWriter;

class Hello {
public:
    void init() {
        auto console = ConsoleWriter::attach(config::serial_tx_queue, config::serial_tx);
        auto input = ConsoleReader::attach(config::serial_rx_queue, config::serial_rx);
        if (!console || !input) {
            kaal::debug::print("hello: cannot attach the serial streams\n");
            return;
        }
        console_.emplace(*console);
        input_.emplace(*input);
        say("hello: Hello from a KaaL C++ component, through the 16550 driver!\n");
        say("hello: platform mode: ");
        say(kaal::platform_mode());
        say("\n");
        notified(config::serial_rx); // reads what came early and asks the driver for a signal
    }

    void notified(kaal::Channel ch) {
        if (!console_) {
            return;
        }
        if (ch == config::serial_rx) {
            input_->drain([this](std::string_view typed) {
                say("hello: you typed '");
                say(typed);
                say("'\n");
            });
        }
        // The driver made room in a stream that was full, or a line was just queued.
        static_cast<void>(console_->flush());
    }

private:
    void say(std::string_view text) {
        static_cast<void>(console_->write(text));
        static_cast<void>(console_->flush());
    }

    std::optional<ConsoleWriter> console_;
    std::optional<ConsoleReader> input_;
};

} // namespace

KAAL_COMPONENT(Hello);
