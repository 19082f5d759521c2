// SPDX-License-Identifier: BSD-2-Clause
// shout: the third client of the serial console, added with one line of the description
// (system.cpp) and this file. It answers every line typed to it in capitals. Everything it needs
// to know about the system is in its configuration (kaal_config.hpp).
#include <optional>
#include <string_view>

#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/serial/console.hpp>

#include "kaal_config.hpp"
#include "line.hpp"

namespace {

using kaal::services::serial::Console;

class Shout {
public:
    void init() {
        if (!Console::attach(console_, config::serial_tx_queue, config::serial_tx,
                             config::serial_rx_queue, config::serial_rx)
                 .ok()) {
            kaal::debug::print("shout: queue variables not set\n");
            return;
        }
        composition::Line line;
        line.add("ready: select me with Ctrl-\\ ").add(config::serial_input_index).add("\n");
        console_->say(line.view());
        console_->start([this](std::string_view typed) { answer(typed); });
    }

    void notified(kaal::Channel ch) {
        if (console_) {
            console_->notified(ch, [this](std::string_view typed) { answer(typed); });
        }
    }

private:
    void answer(std::string_view typed) {
        composition::Line line;
        for (const char c : typed) {
            const char up = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
            line.add(std::string_view{&up, 1});
        }
        console_->say(line.add("\n").view());
    }

    std::optional<Console> console_;
};

} // namespace

KAAL_COMPONENT(Shout);
