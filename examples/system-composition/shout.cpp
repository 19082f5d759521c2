// SPDX-License-Identifier: BSD-2-Clause
// shout: the third client of the serial console, added with one line of the description
// (system.cpp) and this file. It answers every line typed to it in capitals. Everything it needs
// to know about the system is in its configuration (kaal_config.hpp).
#include <optional>
#include <string_view>

#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/serial/console_reader.hpp>
#include <kaal/services/serial/console_writer.hpp>

#include "kaal_config.hpp"
#include "line.hpp"

namespace {

using kaal::services::serial::ConsoleReader;
using kaal::services::serial::ConsoleWriter;

class Shout {
public:
    void init() {
        auto console = ConsoleWriter::attach(config::serial_tx_queue, config::serial_tx);
        auto input = ConsoleReader::attach(config::serial_rx_queue, config::serial_rx);
        if (!console.ok() || !input.ok()) {
            kaal::debug::print("shout: queue variables not set\n");
            return;
        }
        console_.emplace(*console);
        input_.emplace(*input);
        composition::Line line;
        line.add("ready: select me with Ctrl-\\ ").add(config::serial_input_index).add("\n");
        say(line.view());
        // Drain once now: input typed before this PD ran signalled nobody (the RX mux signals a
        // reader only after it asked, and draining is how it asks).
        notified(config::serial_rx);
    }

    void notified(kaal::Channel ch) {
        if (!console_) {
            return;
        }
        if (ch == config::serial_rx) {
            input_->drain([this](std::string_view typed) {
                composition::Line line;
                for (const char c : typed) {
                    const char up = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
                    line.add(std::string_view{&up, 1});
                }
                say(line.add("\n").view());
            });
        }
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

KAAL_COMPONENT(Shout);
