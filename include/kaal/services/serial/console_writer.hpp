// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include <kaal/core/result.hpp>
#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/services/serial/queue_region.hpp>

// A client's end of its TX queue to the TX mux: text goes into the queue as far as it fits and
// the rest into a small backlog, which `flush` moves on as space appears. The client never
// waits inside a hook: when the backlog cannot drain, `flush` has asked the mux for a space
// signal (ByteStream's writer_may_sleep) and the client simply returns from `notified`, calling
// `flush` again on the next notification. The mux assembles lines, so a line split across two
// writes still comes out whole.
namespace kaal::services::serial {

class ConsoleWriter {
public:
    static constexpr std::size_t backlog_capacity = 512;

    // `vaddr`: the TX queue's setvar_vaddr variable; `mux`: this PD's channel to the TX mux.
    static Result<ConsoleWriter> attach(Word vaddr, Channel mux) {
        KAAL_TRY(void* region, queue_region(vaddr));
        KAAL_TRY(auto stream, ipc::ByteStream::attach(region, dddk::serial::queue_region_bytes,
                                                      dddk::serial::queue_capacity));
        return ConsoleWriter(stream, mux);
    }

    // Queues `text`, all of it or (if the backlog has no room) none of it; false means call
    // flush() and try again after the next notification.
    //
    // The queue is written only up to the room free_slots() reported, and the rest must fit the
    // backlog, so the backlog's bound holds whatever the mux does to the ring's `head`
    // meanwhile: the ring never lets its free space shrink behind the writer (ring_buffer.hpp,
    // clamp_head), and the copy below is bounded again by the backlog's room regardless.
    bool write(std::string_view text) {
        const std::size_t room = backlog_capacity - backlog_length_;
        if (backlog_length_ == 0) {
            const std::size_t queue_room = stream_.ring().free_slots();
            if (text.size() > room + queue_room) {
                return false;
            }
            // Prefixes are taken by hand: string_view::substr may throw, and components have no
            // exceptions.
            text.remove_prefix(
                stream_.write(std::string_view{text.data(), std::min(text.size(), queue_room)}));
            if (text.size() > room) {
                // Only a ring that broke its promise gets here; what was queued stays queued.
                dropped_ += text.size() - room;
                text = std::string_view{text.data(), room};
            }
        } else if (text.size() > room) {
            return false;
        }
        std::copy(text.begin(), text.end(), backlog_.data() + backlog_length_);
        backlog_length_ += text.size();
        return true;
    }

    [[nodiscard]] bool backlog_empty() const { return backlog_length_ == 0; }
    // Bytes a write could neither queue nor keep: zero unless the ring itself is broken.
    [[nodiscard]] std::size_t dropped() const { return dropped_; }

    // Moves the backlog into the queue and signals the mux if it waits for data. True: all of
    // it is queued. False: the queue is full and a space signal has been requested.
    bool flush() {
        for (;;) {
            const std::size_t put = stream_.write(std::span{backlog_.data(), backlog_length_});
            std::copy(backlog_.data() + put, backlog_.data() + backlog_length_, backlog_.data());
            backlog_length_ -= put;
            if (stream_.reader_needs_signal()) {
                (void)notify(mux_);
            }
            if (backlog_length_ == 0) {
                return true;
            }
            if (stream_.writer_may_sleep()) {
                return false;
            }
        }
    }

private:
    ConsoleWriter(const ipc::ByteStream& stream, Channel mux) : stream_(stream), mux_(mux) {}

    ipc::ByteStream stream_;
    Channel mux_;
    std::array<char, backlog_capacity> backlog_{};
    std::size_t backlog_length_ = 0;
    std::size_t dropped_ = 0;
};

} // namespace kaal::services::serial
