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

// A client's end of one filesystem service queue (fs_protocol.hpp), made synchronous: `call`
// sends one command and waits for its completion, which is what a POSIX-shaped caller (vfs.hpp)
// needs. Pipelining several commands would buy little here: the service runs commands one at a
// time against a synchronous volume.
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

    Result<FsCompletion> call(FsCommand cmd, std::string_view path = {},
                              std::string_view path2 = {}) {
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

        for (;;) {
            while (auto done = queue_.completions.pop()) {
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
                if (done->id != cmd.id) {
                    continue; // the answer to a call whose wait failed: nobody wants it now
                }
                if (done->status != Error::ok) {
                    return done->status;
                }
                return *done;
            }
            if (queue_.completions.consumer_may_sleep()) {
                // On failure the command stays in flight; its completion is skipped later.
                KAAL_CHECK(wait_());
            }
        }
    }

private:
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
};

} // namespace kaal::services::fs
