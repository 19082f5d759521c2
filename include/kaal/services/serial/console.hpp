// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <optional>
#include <string_view>

#include <kaal/core/result.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/services/serial/console_reader.hpp>
#include <kaal/services/serial/console_writer.hpp>

// A serial console client's two ends together, as most clients use them: say() a line, and in
// notified() hand each typed line to a callback. It keeps the two rules a client must not
// forget: drain the input once at start (input typed before the PD ran signalled nobody: the RX
// mux signals a reader only after it asked, and draining is how it asks), and flush the
// output's backlog on every notification (the TX mux made room).
//
//   void init() {
//       if (Console::attach(console_, config::serial_tx_queue, config::serial_tx,
//                           config::serial_rx_queue, config::serial_rx).ok())
//           console_->start(on_line);
//   }
//   void notified(Channel ch) { if (console_) console_->notified(ch, on_line); }
//
// attach() builds the console in the caller's optional: a console holds the writer's backlog,
// and a PD's stack is one 4 KiB page unless the description gives it more, so it is not passed
// around by value.
namespace kaal::services::serial {

class Console {
public:
    static Status attach(std::optional<Console>& into, Word tx_queue, Channel tx, Word rx_queue,
                         Channel rx) {
        auto writer = ConsoleWriter::attach(tx_queue, tx);
        if (!writer) {
            return writer.error();
        }
        auto reader = ConsoleReader::attach(rx_queue, rx);
        if (!reader) {
            return reader.error();
        }
        into.emplace(Console(*writer, *reader, rx));
        return {};
    }

    // Queues `text` (keeping what does not fit for the next notification) and signals the mux.
    void say(std::string_view text) {
        static_cast<void>(writer_.write(text));
        static_cast<void>(writer_.flush());
    }

    // The first drain, at the end of init().
    template <typename OnLine>
    void start(OnLine&& on_line) {
        reader_.drain(on_line);
    }

    // Every notification: lines typed, if it is the RX channel, then the output's backlog.
    template <typename OnLine>
    void notified(Channel ch, OnLine&& on_line) {
        if (ch == rx_) {
            reader_.drain(on_line);
        }
        static_cast<void>(writer_.flush());
    }

    ConsoleWriter& writer() { return writer_; }
    ConsoleReader& reader() { return reader_; }

private:
    Console(const ConsoleWriter& writer, const ConsoleReader& reader, Channel rx)
        : writer_(writer), reader_(reader), rx_(rx) {}

    ConsoleWriter writer_;
    ConsoleReader reader_;
    Channel rx_;
};

} // namespace kaal::services::serial
