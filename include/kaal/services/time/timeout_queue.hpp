// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <kaal/core/result.hpp>
#include <kaal/services/time/ticks.hpp>

// The time service's pending timeouts: a binary min-heap on the deadline, with each timeout's
// heap position kept in its slot so that cancelling or re-arming one is O(log n) as well as
// adding one and taking the earliest. Capacity is fixed (`Capacity` timeouts in all) and nothing
// allocates: the service is a freestanding component. Ties on the deadline are broken by the
// order the timeouts were armed in, so equal deadlines fire first-armed first.
//
// A timeout is named by its Handle: the slot it lives in, which the owner (the service, on a
// client's behalf) keeps. The queue does not know about clients; the service does
// (time_service.hpp), and bounds how many slots each may hold.
namespace kaal::services::time {

template <std::size_t Capacity>
class TimeoutQueue {
    static_assert(Capacity > 0 && Capacity < 0xffff, "slots are numbered in 16 bits");

public:
    using Handle = std::uint16_t;

    struct Entry {
        Ticks deadline;
        Handle handle;
    };

    // Arms a free slot for `deadline`; its handle, or out_of_slots when every slot is armed.
    Result<Handle> arm(Ticks deadline) {
        if (free_head_ == none && next_unused_ == Capacity) {
            return Error::out_of_slots;
        }
        Handle h;
        if (free_head_ != none) {
            h = free_head_;
            free_head_ = slots_[h].next_free;
        } else {
            h = static_cast<Handle>(next_unused_++);
        }
        slots_[h] = {deadline, sequence_++, static_cast<std::uint16_t>(size_), none};
        heap_[size_++] = h;
        sift_up(slots_[h].position);
        return h;
    }

    // Disarms `h`, wherever it is in the heap; invalid_argument if it is not armed.
    Status cancel(Handle h) {
        if (!armed(h)) {
            return Error::invalid_argument;
        }
        remove_at(slots_[h].position);
        release(h);
        return {};
    }

    // Moves an armed timeout to a new deadline (a periodic one after it fired), keeping its
    // handle. It now counts as armed last among equal deadlines.
    Status rearm(Handle h, Ticks deadline) {
        if (!armed(h)) {
            return Error::invalid_argument;
        }
        Slot& s = slots_[h];
        const Ticks old = s.deadline;
        s.deadline = deadline;
        s.sequence = sequence_++;
        if (deadline < old) {
            sift_up(s.position);
        } else {
            sift_down(s.position);
        }
        return {};
    }

    // The earliest armed timeout, if any.
    [[nodiscard]] std::optional<Entry> earliest() const {
        if (size_ == 0) {
            return std::nullopt;
        }
        return Entry{slots_[heap_[0]].deadline, heap_[0]};
    }

    // Removes and returns the earliest timeout if it is due at `now`; its slot is free again.
    std::optional<Entry> pop_due(Ticks now) {
        if (size_ == 0 || slots_[heap_[0]].deadline > now) {
            return std::nullopt;
        }
        const Entry e{slots_[heap_[0]].deadline, heap_[0]};
        remove_at(0);
        release(e.handle);
        return e;
    }

    // The earliest timeout if due, left armed: for periodic timeouts, which are re-armed.
    [[nodiscard]] std::optional<Entry> peek_due(Ticks now) const {
        if (size_ == 0 || slots_[heap_[0]].deadline > now) {
            return std::nullopt;
        }
        return Entry{slots_[heap_[0]].deadline, heap_[0]};
    }

    [[nodiscard]] bool armed(Handle h) const {
        return h < next_unused_ && slots_[h].position != none;
    }
    [[nodiscard]] Ticks deadline(Handle h) const { return slots_[h].deadline; }
    [[nodiscard]] std::size_t size() const { return size_; }
    static constexpr std::size_t capacity() { return Capacity; }

private:
    static constexpr std::uint16_t none = 0xffff;

    struct Slot {
        Ticks deadline = 0;
        std::uint64_t sequence = 0;    // arming order, for ties
        std::uint16_t position = none; // in heap_, or none when free
        Handle next_free = none;
    };

    [[nodiscard]] bool before(Handle a, Handle b) const {
        const Slot& x = slots_[a];
        const Slot& y = slots_[b];
        return x.deadline != y.deadline ? x.deadline < y.deadline : x.sequence < y.sequence;
    }

    void place(std::size_t at, Handle h) {
        heap_[at] = h;
        slots_[h].position = static_cast<std::uint16_t>(at);
    }

    void sift_up(std::size_t at) {
        const Handle h = heap_[at];
        while (at > 0) {
            const std::size_t parent = (at - 1) / 2;
            if (!before(h, heap_[parent])) {
                break;
            }
            place(at, heap_[parent]);
            at = parent;
        }
        place(at, h);
    }

    void sift_down(std::size_t at) {
        const Handle h = heap_[at];
        for (;;) {
            std::size_t child = 2 * at + 1;
            if (child >= size_) {
                break;
            }
            if (child + 1 < size_ && before(heap_[child + 1], heap_[child])) {
                ++child;
            }
            if (!before(heap_[child], h)) {
                break;
            }
            place(at, heap_[child]);
            at = child;
        }
        place(at, h);
    }

    // The last entry takes the removed one's place and moves whichever way restores the order.
    void remove_at(std::size_t at) {
        --size_;
        if (at == size_) {
            return;
        }
        place(at, heap_[size_]);
        if (at > 0 && before(heap_[at], heap_[(at - 1) / 2])) {
            sift_up(at);
        } else {
            sift_down(at);
        }
    }

    void release(Handle h) {
        slots_[h].position = none;
        slots_[h].next_free = free_head_;
        free_head_ = h;
    }

    std::array<Slot, Capacity> slots_{};
    std::array<Handle, Capacity> heap_{};
    std::size_t size_ = 0;
    std::size_t next_unused_ = 0; // slots below this were handed out at least once
    Handle free_head_ = none;
    std::uint64_t sequence_ = 0;
};

} // namespace kaal::services::time
