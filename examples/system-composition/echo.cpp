// SPDX-License-Identifier: BSD-2-Clause
// echo: a client that answers every line typed at the console with the same line. It owns
// input at boot (it is the RX mux's first client). At boot it also checks the RX mux's control
// protocol: three malformed calls must get error replies, and a good one must still work.
#include <optional>
#include <string_view>

#include <kaal/ipc/ppc.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/serial/console_reader.hpp>
#include <kaal/services/serial/console_writer.hpp>
#include <kaal/services/serial/input_protocol.hpp>

#include "kaal_config.hpp"
#include "line.hpp"

namespace {

using composition::Line;
using kaal::Error;
using kaal::MessageInfo;
using kaal::services::serial::ConsoleReader;
using kaal::services::serial::ConsoleWriter;
namespace serial = kaal::services::serial;

class Echo {
public:
    void init() {
        auto console = ConsoleWriter::attach(config::serial_tx_queue, config::serial_tx);
        auto input = ConsoleReader::attach(config::serial_rx_queue, config::serial_rx);
        if (!console.ok() || !input.ok()) {
            kaal::debug::print("echo: queue variables not patched by the tool\n");
            return;
        }
        console_.emplace(*console);
        input_.emplace(*input);
        check_control_protocol();
        say("ready: type a line and press Enter\n");
        notified(config::serial_rx);
    }

    void notified(kaal::Channel ch) {
        if (!console_) {
            return;
        }
        if (ch == config::serial_rx) {
            input_->drain([this](std::string_view typed) {
                Line line;
                line.add(typed).add("\n");
                say(line.view());
            });
        }
        (void)console_->flush();
    }

private:
    void say(std::string_view text) {
        (void)console_->write(text);
        (void)console_->flush();
    }

    void check_control_protocol() {
        unsigned passed = 0;
        // Written by hand past the typed API, as a buggy or hostile client would.
        kaal::mr_set(0, 1);
        passed += expect_error("unknown label 99", kaal::ppcall(config::serial_rx, {99, 1}),
                               Error::malformed_message);
        kaal::mr_set(0, config::serial_input_index);
        kaal::mr_set(1, 0);
        passed += expect_error("select_input with 2 words instead of 1",
                               kaal::ppcall(config::serial_rx, {serial::SelectInput::label, 2}),
                               Error::malformed_message);
        kaal::mr_set(0, 7);
        passed += expect_error("select_input(7), no such client",
                               kaal::ppcall(config::serial_rx, {serial::SelectInput::label, 1}),
                               Error::range_error);
        const auto owner = kaal::ipc::call(config::serial_rx, serial::CurrentInput{});
        const bool still_serving = owner.ok() && owner->client == config::serial_input_index;
        passed += still_serving ? 1U : 0U;
        Line line;
        line.add("control: current_input after the malformed calls: ")
            .add(still_serving ? "echo, ok\n" : "FAILED\n");
        say(line.view());
        line.clear();
        line.add("control: ").add(passed).add(" of 4 checks passed\n");
        say(line.view());
    }

    unsigned expect_error(std::string_view what, const kaal::Result<MessageInfo>& reply,
                          Error expected) {
        const bool ok = reply.ok() && kaal::is_error_reply(*reply) &&
                        kaal::reply_error(*reply) == expected && reply->length() == 0;
        Line line;
        line.add("control: ").add(what).add(" -> ");
        line.add(reply.ok() && kaal::is_error_reply(*reply)
                     ? std::string_view{kaal::to_string(kaal::reply_error(*reply))}
                     : std::string_view{"no error"});
        line.add(ok ? ": ok\n" : ": FAILED\n");
        say(line.view());
        return ok ? 1U : 0U;
    }

    std::optional<ConsoleWriter> console_;
    std::optional<ConsoleReader> input_;
};

} // namespace

KAAL_COMPONENT(Echo);
