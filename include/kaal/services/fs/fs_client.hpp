// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include <kaal/core/result.hpp>
#include <kaal/services/fs/fs_protocol.hpp>

// A client's end of one filesystem service queue (fs_protocol.hpp). `call` sends one command and
// waits for its completion, which is what a POSIX-shaped caller (vfs.hpp) needs. `send` and
// `receive` keep several reads and writes in flight, each on its own part of the data region:
// the service overlaps one's disk time with the next (fs_server.hpp), which is what streams a
// large file at the disk's pace.
//
// `wait()` returns once the service's channel may have been notified (kaal::wait_for on seL4,
// which keeps the PD answering other events meanwhile; a function that runs the server in host
// tests). Before waiting, the ring asks for a signal and is re-checked, so a completion that
// lands between the last look and the wait is not slept through (ring_buffer.hpp).
//
// The end of the data region is the client's own: paths are copied there, so the caller's
// strings need not live in shared memory and the caller cannot lend the service a pointer it
// does not own. The service copies paths out before reading them, so the scratch area can be
// reused by the next call.
namespace kaal::services::fs {

template <typename Wait, typename Notify>
class FsClient {
public:
    static constexpr std::size_t scratch_bytes = 2 * std::size_t{fs_max_path};

    FsClient(FsQueue queue, std::span<std::uint8_t> data, Wait wait, Notify notify)
        : queue_(queue), data_(data), wait_(wait), notify_(notify) {}

    // Offsets into it are region offsets: it starts at offset 0.
    [[nodiscard]] std::span<std::uint8_t> buffer() const {
        return data_.first(data_.size() - scratch_size());
    }

    // Errors: busy while commands sent with `send` are still to be received (this call would
    // take their completions for stale ones).
    Result<FsCompletion> call(FsCommand cmd, std::string_view path = {},
                              std::string_view path2 = {}) {
        if (sent_ != 0) {
            return Error::busy;
        }
        if (path.size() > fs_max_path || path2.size() > fs_max_path) {
            return Error::bad_name;
        }
        if (path.size() + path2.size() > scratch_size()) {
            return Error::no_space; // a region too small to hold even the scratch area
        }
        // Both paths back to back: the pair always fits in 2 * fs_max_path.
        const std::size_t scratch = data_.size() - scratch_size();
        // An empty view's data() may be null, which memcpy may not be given even for 0 bytes.
        if (!path.empty()) {
            std::memcpy(data_.data() + scratch, path.data(), path.size());
        }
        if (!path2.empty()) {
            std::memcpy(data_.data() + scratch + path.size(), path2.data(), path2.size());
        }
        // A zero length is how stat asks for a handle instead of a path.
        cmd.path = path.empty() ? 0 : scratch;
        cmd.path_len = static_cast<std::uint32_t>(path.size());
        cmd.path2 = path2.empty() ? 0 : scratch + path.size();
        cmd.path2_len = static_cast<std::uint32_t>(path2.size());
        KAAL_CHECK(push(cmd));
        for (;;) {
            KAAL_TRY(const FsCompletion done, next_completion());
            if (done.id != cmd.id) {
                continue; // the answer to a call whose wait failed: nobody wants it now
            }
            if (done.status != Error::ok) {
                return done.status;
            }
            return done;
        }
    }

    // A read or a write sent without waiting for it; its completion comes from `receive`, in
    // the order sent. At most fs_queue_capacity in flight. Returns the command's id. Errors:
    // invalid_argument for any other command (their paths share one scratch area), queue_full
    // when fs_queue_capacity are in flight.
    Result<std::uint64_t> send(FsCommand cmd) {
        if (cmd.op != FsOp::read && cmd.op != FsOp::write) {
            return Error::invalid_argument;
        }
        if (sent_ == fs_queue_capacity) {
            return Error::queue_full;
        }
        cmd.path = cmd.path_len = 0;
        cmd.path2 = cmd.path2_len = 0;
        KAAL_CHECK(push(cmd));
        ++sent_;
        return cmd.id;
    }

    // The completion of the oldest command sent and not yet received, waiting for it. A command
    // that failed is returned too, with its status. Errors: queue_empty with none in flight.
    Result<FsCompletion> receive() {
        if (sent_ == 0) {
            return Error::queue_empty;
        }
        for (;;) {
            KAAL_TRY(const FsCompletion done, next_completion());
            if (done.id > last_id_ - sent_) {
                --sent_;
                return done;
            }
            // older: a call whose wait failed
        }
    }

private:
    // Puts `cmd` in the ring with the next id, waiting for room.
    Status push(FsCommand& cmd) {
        // The id is spent only once the command is in the ring: a call that fails before then
        // leaves no completion to wait for, and the next call reuses the id.
        cmd.id = last_id_ + 1;
        while (!queue_.commands.push(cmd).ok()) {
            // Full only after calls were abandoned (their waits failed), so whatever completions
            // are waiting are theirs; taking them is what lets the service run the rest.
            KAAL_CHECK(drain_abandoned(cmd.id));
            // A completion also means a command slot was freed (the service pops before it
            // answers), so asking for both signals cannot miss the room. fs_server.hpp notifies
            // only when the completion ring asked, so the second request is the one that works.
            if (queue_.commands.producer_may_sleep() && queue_.completions.consumer_may_sleep()) {
                KAAL_CHECK(wait_());
            }
        }
        last_id_ = cmd.id;
        if (queue_.commands.consumer_needs_signal()) {
            notify_();
        }
        return {};
    }

    // The next completion, waiting for it.
    Result<FsCompletion> next_completion() {
        for (;;) {
            if (auto done = queue_.completions.pop()) {
                // The service may be waiting for this slot before it answers anyone.
                if (queue_.completions.producer_needs_signal()) {
                    notify_();
                }
                // Completions come in command order, so the next one must be the oldest still
                // unanswered. Anything else is a confused or hostile service; `expected_` stays,
                // so this command's real answer, if it comes, is skipped as stale next time.
                if (done->id != expected_) {
                    return Error::malformed_message;
                }
                ++expected_;
                return *done;
            }
            if (queue_.completions.consumer_may_sleep()) {
                // On failure the command stays in flight; its completion is skipped later.
                KAAL_CHECK(wait_());
            }
        }
    }

    // Takes completions of abandoned calls, all older than `next`, in order.
    Status drain_abandoned(std::uint64_t next) {
        while (auto done = queue_.completions.pop()) {
            if (queue_.completions.producer_needs_signal()) {
                notify_();
            }
            if (done->id != expected_ || done->id >= next) {
                return Error::malformed_message;
            }
            ++expected_;
        }
        return {};
    }

    [[nodiscard]] std::size_t scratch_size() const { return std::min(data_.size(), scratch_bytes); }

    FsQueue queue_;
    std::span<std::uint8_t> data_;
    Wait wait_;
    Notify notify_;
    std::uint64_t last_id_ = 0;
    std::uint64_t expected_ = 1; // the id the next completion must carry
    std::size_t sent_ = 0;       // commands sent and not yet received
};

} // namespace kaal::services::fs
