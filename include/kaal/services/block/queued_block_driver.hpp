// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/dddk/block_driver_queue.hpp>

// The block virtualiser's handle on a driver in another PD, through its queue
// (kaal/dddk/block_driver_queue.hpp): a BlockDriver (block_virtualiser.hpp) whose submit() is
// a push, with the notification sent once per batch by kick() rather than once per request.
//
// Who may call: the virtualiser's one thread, for every function.
namespace kaal::services::block {

class QueuedBlockDriver {
public:
    explicit QueuedBlockDriver(dddk::BlockDriverQueue queue) : queue_(queue) {}

    // Whether the driver has published the disk's size; until then nothing else is valid.
    // The info is copied here once: the driver writes it once, and later scribbles there
    // would change nothing the virtualiser decided.
    bool ready() {
        if (!ready_ && queue_.info->published()) {
            capacity_ = queue_.info->sectors;
            read_only_ = queue_.info->read_only != 0;
            ready_ = true;
        }
        return ready_;
    }
    [[nodiscard]] std::uint64_t capacity_sectors() const { return capacity_; }
    [[nodiscard]] bool read_only() const { return read_only_; }

    // The ring's room is the driver's: the driver takes a request off it only when the device
    // has room, so whatever the ring holds waits there, not in the virtualiser.
    [[nodiscard]] bool can_accept() { return queue_.requests.free_slots() != 0; }
    Status submit(const dddk::BlockRequest& r) {
        KAAL_CHECK(queue_.requests.push(r));
        pushed_ = true;
        return {};
    }

    // After a batch of submits: true if the driver must be notified (it asked for a signal).
    bool kick() {
        const bool notify = pushed_ && queue_.requests.consumer_needs_signal();
        pushed_ = false;
        return notify;
    }

    // A notification from the driver: every completion to `on_complete(cookie, BlockStatus)`,
    // asking for a signal and looking again before returning (the lost wake-up). Returns true
    // if the driver must be notified (it waited for room in the ring).
    template <typename OnComplete>
    bool collect(OnComplete&& on_complete) {
        bool popped = false;
        do {
            while (auto c = queue_.responses.pop()) {
                popped = true;
                on_complete(c->cookie, c->status);
            }
        } while (!queue_.responses.consumer_may_sleep());
        return popped && queue_.responses.producer_needs_signal();
    }

private:
    dddk::BlockDriverQueue queue_;
    std::uint64_t capacity_ = 0;
    bool read_only_ = false;
    bool ready_ = false;
    bool pushed_ = false;
};

} // namespace kaal::services::block
