// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/dddk/block_driver_queue.hpp>

// A block driver's side of its queue (block_driver_queue.hpp), whatever the device: requests
// off the ring and into the driver while it has room, completions from the device's interrupt
// back onto the ring. The device-specific part is the driver (drivers/block/virtio); the PD
// around both is a few lines (drivers/block/virtio/virtio_blk_pd.cpp).
//
// Who may call: the driver PD's one thread, for every function.
namespace kaal::dddk {

// What the server needs of a driver. `handle_irq` and `deliver_early` call back with
// (cookie, BlockStatus) for each finished request; `deliver_early` reports those that finished
// without the device (a flush on a device that has no cache to flush).
template <typename D>
concept QueueableBlockDriver = requires(D& d, const BlockRequest& r) {
    { d.can_accept() } -> std::convertible_to<bool>;
    { d.submit(r) } -> std::same_as<Status>;
    { d.read_only() } -> std::convertible_to<bool>;
    { d.capacity_sectors() } -> std::convertible_to<std::uint64_t>;
};

template <QueueableBlockDriver Driver>
class BlockDriverServer {
public:
    BlockDriverServer(Driver& driver, BlockDriverQueue queue) : driver_(&driver), queue_(queue) {}

    // Once, when the device is up: the disk's size and whether it is read-only, which the
    // virtualiser waits for before it sends anything; the caller then notifies it.
    void publish_info() { queue_.info->publish(driver_->capacity_sectors(), driver_->read_only()); }

    // A notification from the virtualiser: takes requests while the device and the responses'
    // ring have room. Returns true if the virtualiser must be notified (a refused request was
    // answered and it asked for a signal).
    bool serve() {
        // Drained: ask for a signal, then look again before sleeping (the lost wake-up). A full
        // device or ring needs no request: the device's interrupt brings the server back, or
        // the virtualiser's draining does (it was asked by producer_may_sleep).
        while (take_all() == Stop::drained && !queue_.requests.consumer_may_sleep()) {
        }
        return flush();
    }

    // The device's interrupt, or a pass after serve() for flushes that finished without it:
    // each completion onto the ring. Returns true if the virtualiser must be notified.
    template <typename Collect>
    bool complete(Collect&& collect) {
        collect([this](Word cookie, BlockStatus status) {
            --owed_;
            respond(cookie, status);
        });
        return flush();
    }

    [[nodiscard]] std::size_t refused() const { return refused_; }
    [[nodiscard]] std::size_t owed() const { return owed_; }

private:
    enum class Stop : std::uint8_t { drained, device_full, no_room };

    Stop take_all() {
        for (;;) {
            // Room for this request's completion besides those already owed. The owed ones,
            // when they come, are what frees it; with none owed the ring is full of unread
            // completions, and the virtualiser's draining frees it.
            if (queue_.responses.free_slots() <= owed_) {
                if (owed_ != 0 || queue_.responses.producer_may_sleep()) {
                    return Stop::no_room;
                }
                continue;
            }
            if (!driver_->can_accept()) {
                return Stop::device_full;
            }
            auto popped = queue_.requests.pop();
            if (!popped) {
                return Stop::drained;
            }
            take(*popped);
        }
    }

    void take(const BlockRequest& r) {
        const bool known_op = r.op == BlockRequest::Op::read || r.op == BlockRequest::Op::write ||
                              r.op == BlockRequest::Op::flush;
        // The driver checks lengths, the disk's end and read-only itself (its submit's errors).
        const Status sent = known_op ? driver_->submit(r) : Status{Error::invalid_argument};
        if (!sent) {
            ++refused_;
            respond(r.cookie, sent.error() == Error::not_permitted ? BlockStatus::unsupported
                                                                   : BlockStatus::io_error);
            return;
        }
        ++owed_;
    }

    void respond(Word cookie, BlockStatus status) {
        // Room was checked before the request was taken; a completion never waits.
        static_cast<void>(queue_.responses.push({cookie, status}));
        pushed_ = true;
    }

    bool flush() {
        const bool notify = pushed_ && queue_.responses.consumer_needs_signal();
        pushed_ = false;
        return notify;
    }

    Driver* driver_;
    BlockDriverQueue queue_;
    std::size_t owed_ = 0; // completions promised to requests in the device
    std::size_t refused_ = 0;
    bool pushed_ = false;
};

} // namespace kaal::dddk
