// SPDX-License-Identifier: BSD-2-Clause
// hello, as a client of the serial driver: its lines go through a byte stream to the 16550
// driver component, which puts them on COM1. Nothing here talks to the kernel's debug console.
#include <algorithm>
#include <optional>
#include <string_view>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

kaal::Word tx_queue;

namespace {

constexpr kaal::Channel serial_channel{0};

class Hello {
public:
    void init() {
        auto tx = kaal::dddk::serial::attach_queue(tx_queue);
        if (!tx) {
            kaal::debug::print("hello: no serial queue: ", tx.error(), "\n");
            return;
        }
        stream_ = *tx;
        send("hello: Hello from a KaaL C++ component, through the 16550 driver!\n");
        send("hello: platform mode: ");
        send(kaal::platform_mode());
        send("\n");
    }

    // The driver made room in a stream that was full.
    void notified(kaal::Channel) { flush(); }

private:
    // Appends to what is waiting, then sends what the stream takes.
    void send(std::string_view text) {
        const auto offset = static_cast<std::size_t>(pending_.data() - buffer_);
        const std::size_t room = sizeof buffer_ - offset - pending_.size();
        const std::size_t n = text.size() < room ? text.size() : room;
        std::copy_n(text.data(), n, buffer_ + offset + pending_.size());
        pending_ = std::string_view{pending_.data(), pending_.size() + n};
        flush();
    }

    // Writes what fits and signals the driver; what does not fit waits for the driver's signal.
    void flush() {
        if (!stream_) {
            return;
        }
        while (!pending_.empty()) {
            const std::size_t n = stream_->write(pending_);
            pending_.remove_prefix(n);
            if (stream_->reader_needs_signal()) {
                static_cast<void>(kaal::notify(serial_channel));
            }
            if (n == 0 && stream_->writer_may_sleep()) {
                return;
            }
        }
    }

    std::optional<kaal::ipc::ByteStream> stream_;
    char buffer_[512] = {};
    std::string_view pending_{buffer_, 0};
};

} // namespace

KAAL_COMPONENT(Hello);
