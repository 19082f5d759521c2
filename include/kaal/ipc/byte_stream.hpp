// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include <kaal/ipc/ring_buffer.hpp>

// A byte stream for serial data: a ring of single bytes between one writer PD and one reader PD.
// Writes and reads are partial, like a UART FIFO: `write` takes what fits and says how much, and
// the writer waits for a signal (producer_may_sleep) before offering the rest.
namespace kaal::ipc {

class ByteStream {
public:
    using Ring = RingBuffer<char>;

    static constexpr std::size_t region_size(RingIndex capacity) {
        return Ring::region_size(capacity);
    }

    static Result<ByteStream> attach(void* region, std::size_t region_bytes, RingIndex capacity) {
        KAAL_TRY(auto ring, Ring::attach(region, region_bytes, capacity));
        return ByteStream(ring);
    }

    // Writer only. Appends as much of `bytes` as fits; returns how much.
    std::size_t write(std::span<const char> bytes) { return ring_.push_batch(bytes); }
    std::size_t write(std::string_view text) { return write(std::span{text.data(), text.size()}); }

    // Reader only. Takes up to `out.size()` bytes; returns how many.
    std::size_t read(std::span<char> out) { return ring_.pop_batch(out); }

    // The suppression protocol of RingBuffer, unchanged: the reader calls reader_may_sleep
    // when it finds nothing to read and writer_needs_signal after reading; the writer calls
    // reader_needs_signal after writing and writer_may_sleep when the stream is full.
    [[nodiscard]] bool reader_needs_signal() { return ring_.consumer_needs_signal(); }
    [[nodiscard]] bool reader_may_sleep() { return ring_.consumer_may_sleep(); }
    [[nodiscard]] bool writer_needs_signal() { return ring_.producer_needs_signal(); }
    [[nodiscard]] bool writer_may_sleep() { return ring_.producer_may_sleep(); }

    Ring& ring() { return ring_; }

private:
    explicit ByteStream(const Ring& ring) : ring_(ring) {}

    Ring ring_;
};

} // namespace kaal::ipc
