// SPDX-License-Identifier: BSD-2-Clause
// pl011-echo client: writes a greeting and a flood of numbered lines (twice the TX queue's
// capacity, so the driver's back-pressure is exercised), then echoes what is typed: each
// character as it arrives, and each whole line once Enter is pressed.
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"

namespace {

using kaal::debug::print;
using kaal::ipc::ByteStream;

constexpr kaal::Channel tx_channel = config::tx;
constexpr kaal::Channel rx_channel = config::rx;
constexpr unsigned flood_lines = 100;

class Echo {
public:
    void init() {
        auto tx = kaal::dddk::serial::attach_queue(config::tx_queue);
        auto rx = kaal::dddk::serial::attach_queue(config::rx_queue);
        if (!tx.ok() || !rx.ok()) {
            print("pl011-echo: cannot attach the serial queues\n");
            return;
        }
        tx_.emplace(*tx);
        rx_.emplace(*rx);
        append("pl011-echo: hello through the PL011 driver\n");
        send();
        // The driver signals only a reader that asked (ByteStream's protocol): drain, and ask.
        receive();
    }

    void notified(kaal::Channel ch) {
        if (!tx_) {
            return;
        }
        if (ch == rx_channel) {
            receive();
        }
        send(); // space in the TX queue (tx_channel), or output the input produced
    }

private:
    // Output waits here until the TX queue takes it. The flood lines are made one at a time,
    // only when the previous one is gone, so this stays small.
    void append(std::string_view text) {
        for (const char c : text) {
            if (pending_len_ < pending_.size()) {
                pending_[pending_len_++] = c;
            }
        }
    }

    void append_number(unsigned value) {
        std::array<char, 10> digits{};
        std::size_t n = 0;
        do {
            digits[n++] = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value != 0);
        while (n != 0) {
            const char digit[1] = {digits[--n]};
            append({digit, 1});
        }
    }

    void append_flood_line() {
        // "pl011-echo: flood line NNN of 100 ........\n"
        std::array<char, 64> line{};
        std::size_t n = 0;
        for (const char c : std::string_view{"pl011-echo: flood line "}) {
            line[n++] = c;
        }
        const unsigned number = next_flood_line_ + 1;
        line[n++] = static_cast<char>('0' + number / 100);
        line[n++] = static_cast<char>('0' + number / 10 % 10);
        line[n++] = static_cast<char>('0' + number % 10);
        for (const char c : std::string_view{" of 100 ................\n"}) {
            line[n++] = c;
        }
        append({line.data(), n});
        ++next_flood_line_;
    }

    void send() {
        bool wrote = false;
        for (;;) {
            if (sent_ == pending_len_) {
                sent_ = pending_len_ = 0;
                if (next_flood_line_ < flood_lines) {
                    append_flood_line();
                } else if (!reported_flood_) {
                    // Through the queue too, so it cannot land in the middle of a flood line.
                    reported_flood_ = true;
                    append("pl011-echo: flood done, the TX queue was full ");
                    append_number(waits_for_space_);
                    append(" times\n");
                } else {
                    break;
                }
            }
            const std::size_t n =
                tx_->write(std::span<const char>{pending_.data() + sent_, pending_len_ - sent_});
            sent_ += n;
            wrote = wrote || n != 0;
            if (n == 0) {
                // Full: the driver will signal tx_channel when it has taken some.
                if (tx_->writer_may_sleep()) {
                    ++waits_for_space_;
                    break;
                }
            }
        }
        if (wrote && tx_->reader_needs_signal()) {
            (void)kaal::notify(tx_channel);
        }
    }

    void receive() {
        std::array<char, 64> buffer{};
        for (;;) {
            const std::size_t n = rx_->read(buffer);
            if (n == 0) {
                if (rx_->reader_may_sleep()) {
                    break;
                }
                continue;
            }
            if (rx_->writer_needs_signal()) {
                (void)kaal::notify(rx_channel);
            }
            for (std::size_t i = 0; i < n; ++i) {
                typed(buffer[i]);
            }
        }
    }

    void typed(char c) {
        if (c == '\r' || c == '\n') {
            append("\npl011-echo: you typed '");
            append({line_.data(), line_len_});
            append("'\n");
            line_len_ = 0;
            return;
        }
        const char echo[1] = {c};
        append({echo, 1});
        if (line_len_ < line_.size()) {
            line_[line_len_++] = c;
        }
    }

    std::optional<ByteStream> tx_;
    std::optional<ByteStream> rx_;
    std::array<char, 512> pending_{};
    std::size_t pending_len_ = 0;
    std::size_t sent_ = 0;
    std::array<char, 128> line_{};
    std::size_t line_len_ = 0;
    unsigned next_flood_line_ = 0;
    unsigned waits_for_space_ = 0;
    bool reported_flood_ = false;
};

} // namespace

KAAL_COMPONENT(Echo);
