// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/dddk/block_driver_journal.hpp>
#include <kaal/dddk/block_driver_queue.hpp>

// A block driver's side of its queue (block_driver_queue.hpp), whatever the device: requests
// off the ring and into the driver while it has room, completions from the device's interrupt
// back onto the ring. The device-specific part is the driver (drivers/block/virtio); the PD
// around both is a few lines (drivers/block/virtio/virtio_blk_pd.cpp).
//
// Every request taken is written in the journal first (block_driver_journal.hpp), and the
// driver knows it by its journal slot, which it hands back as the completion's cookie: so a
// restarted driver's resume() answers exactly once what its dead instance had taken.
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
    BlockDriverServer(Driver& driver, BlockDriverQueue queue, BlockDriverJournal journal)
        : driver_(&driver), queue_(queue), journal_(journal) {}

    // First, on every start: the requests a dead instance had taken and not answered, submitted
    // to the device again (which the driver's start reset), or answered if it refuses them.
    // Returns how many; the caller notifies the virtualiser if serve() or complete() then says.
    std::size_t resume() {
        return journal_.recover(queue_.requests.consumed(), queue_.responses.produced(),
                                [this](std::size_t slot) { submit(slot); });
    }

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
            // In the journal before it leaves the ring (block_driver_journal.hpp).
            auto next = queue_.requests.peek();
            if (!next) {
                return Stop::drained;
            }
            auto slot = journal_.record(*next, queue_.requests.consumed());
            if (!slot) {
                return Stop::device_full; // cannot happen: owed_ is below the journal's capacity
            }
            static_cast<void>(queue_.requests.pop());
            submit(*slot);
        }
    }

    void submit(std::size_t slot) {
        BlockRequest r = journal_.request(slot);
        r.cookie = slot;
        const bool known_op = r.op == BlockRequest::Op::read || r.op == BlockRequest::Op::write ||
                              r.op == BlockRequest::Op::flush;
        // The driver checks lengths, the disk's end and read-only itself (its submit's errors).
        const Status sent = known_op ? driver_->submit(r) : Status{Error::invalid_argument};
        if (!sent) {
            ++refused_;
            respond(slot, sent.error() == Error::not_permitted ? BlockStatus::unsupported
                                                               : BlockStatus::io_error);
            return;
        }
        ++owed_;
    }

    // `slot` is the journal's, which the driver had as the request's cookie.
    void respond(Word slot, BlockStatus status) {
        journal_.answering(slot, queue_.responses.produced());
        // Room was checked before the request was taken; a completion never waits.
        static_cast<void>(queue_.responses.push({journal_.request(slot).cookie, status}));
        journal_.forget(slot);
        pushed_ = true;
    }

    bool flush() {
        const bool notify = pushed_ && queue_.responses.consumer_needs_signal();
        pushed_ = false;
        return notify;
    }

    Driver* driver_;
    BlockDriverQueue queue_;
    BlockDriverJournal journal_;
    std::size_t owed_ = 0; // completions promised to requests in the device
    std::size_t refused_ = 0;
    bool pushed_ = false;
};

} // namespace kaal::dddk
