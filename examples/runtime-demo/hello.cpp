// SPDX-License-Identifier: BSD-2-Clause
// hello, as a client of the serial driver: its lines go through a byte stream to the 16550
// driver component, which puts them on COM1, and what is typed on COM1 comes back through a
// second stream and is echoed line by line. Nothing here talks to the kernel's debug console.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

kaal::Word tx_queue;
kaal::Word rx_queue;

namespace {

constexpr kaal::Channel tx_channel{0};
constexpr kaal::Channel rx_channel{1};

class Hello {
public:
    void init() {
        auto tx = kaal::dddk::serial::attach_queue(tx_queue);
        auto rx = kaal::dddk::serial::attach_queue(rx_queue);
        if (!tx || !rx) {
            kaal::debug::print("hello: cannot attach the serial streams\n");
            return;
        }
        tx_ = *tx;
        rx_ = *rx;
        send("hello: Hello from a KaaL C++ component, through the 16550 driver!\n");
        send("hello: platform mode: ");
        send(kaal::platform_mode());
        send("\n");
        receive(); // asks the driver for a signal when input arrives
    }

    void notified(kaal::Channel ch) {
        if (ch == tx_channel) {
            flush(); // the driver made room in a stream that was full
        } else if (ch == rx_channel) {
            receive();
        }
    }

private:
    // Reads what arrived; a line (ended by CR or LF) is echoed back. The reader's side of the
    // signal protocol: after finding the stream empty, ask for a signal and look once more.
    void receive() {
        for (;;) {
            char chunk[64];
            const std::size_t n = rx_->read(chunk);
            for (std::size_t i = 0; i < n; ++i) {
                take(chunk[i]);
            }
            if (n != 0) {
                if (rx_->writer_needs_signal()) {
                    static_cast<void>(kaal::notify(rx_channel));
                }
                continue;
            }
            if (rx_->reader_may_sleep()) {
                return;
            }
        }
    }

    void take(char c) {
        if (c != '\r' && c != '\n') {
            if (line_length_ < sizeof line_) {
                line_[line_length_++] = c;
            }
            return;
        }
        if (line_length_ == 0) {
            return;
        }
        send("hello: you typed '");
        send({line_, line_length_});
        send("'\n");
        line_length_ = 0;
    }

    // Appends to what waits to be sent, then sends what the stream takes now.
    void send(std::string_view text) {
        const std::size_t n = std::min(text.size(), sizeof out_ - out_length_);
        std::copy_n(text.data(), n, out_ + out_length_);
        out_length_ += n;
        flush();
    }

    void flush() {
        while (out_length_ != 0) {
            const std::size_t n = tx_->write(std::string_view{out_, out_length_});
            std::memmove(out_, out_ + n, out_length_ - n);
            out_length_ -= n;
            if (tx_->reader_needs_signal()) {
                static_cast<void>(kaal::notify(tx_channel));
            }
            if (n == 0 && tx_->writer_may_sleep()) {
                return; // the driver signals when it has made room
            }
        }
    }

    std::optional<kaal::ipc::ByteStream> tx_;
    std::optional<kaal::ipc::ByteStream> rx_;
    char out_[512] = {};
    std::size_t out_length_ = 0;
    char line_[80] = {};
    std::size_t line_length_ = 0;
};

} // namespace

KAAL_COMPONENT(Hello);
