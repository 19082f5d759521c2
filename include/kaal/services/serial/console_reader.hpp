// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include <kaal/core/result.hpp>
#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/services/serial/queue_region.hpp>

// A client's end of its RX queue from the RX mux, read as lines: a terminal sends '\r' for
// Enter (and some send "\r\n"), so either ends a line and an empty line is not reported.
// Backspace (0x08 or DEL 0x7f) removes the last byte. A line longer than `line_capacity` is
// handed over in pieces of that size.
namespace kaal::services::serial {

class ConsoleReader {
public:
    static constexpr std::size_t line_capacity = 120;

    // `vaddr`: the RX queue's setvar_vaddr variable; `mux`: this PD's channel to the RX mux.
    static Result<ConsoleReader> attach(Word vaddr, Channel mux) {
        KAAL_TRY(void* region, queue_region(vaddr));
        KAAL_TRY(auto stream, ipc::ByteStream::attach(region, dddk::serial::queue_region_bytes,
                                                      dddk::serial::queue_capacity));
        return ConsoleReader(stream, mux);
    }

    // Reads everything queued, calling `on_line(std::string_view)` for each complete line, and
    // returns once the queue is empty after asking for a signal (the reader side of ByteStream's
    // protocol). Signals the mux when it was waiting for space.
    template <typename OnLine>
    void drain(OnLine&& on_line) {
        std::array<char, 64> chunk{};
        for (;;) {
            const std::size_t got = stream_.read(chunk);
            if (got == 0) {
                if (stream_.reader_may_sleep()) {
                    return;
                }
                continue;
            }
            if (stream_.writer_needs_signal()) {
                (void)notify(mux_);
            }
            for (const char c : std::span{chunk.data(), got}) {
                take(c, on_line);
            }
        }
    }

private:
    ConsoleReader(const ipc::ByteStream& stream, Channel mux) : stream_(stream), mux_(mux) {}

    template <typename OnLine>
    void take(char c, OnLine& on_line) {
        if (c == '\r' || c == '\n') {
            if (length_ != 0) {
                on_line(std::string_view{line_.data(), length_});
                length_ = 0;
            }
        } else if (c == '\b' || c == '\x7f') {
            length_ -= length_ != 0 ? 1 : 0;
        } else {
            line_[length_++] = c;
            if (length_ == line_capacity) {
                on_line(std::string_view{line_.data(), length_});
                length_ = 0;
            }
        }
    }

    ipc::ByteStream stream_;
    Channel mux_;
    std::array<char, line_capacity> line_{};
    std::size_t length_ = 0;
};

} // namespace kaal::services::serial
