// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include <kaal/core/result.hpp>
#include <kaal/dddk/block_queue.hpp>
#include <kaal/dddk/block_request.hpp>
#include <kaal/ipc/ring_buffer.hpp>

// What a block driver owes, kept where a restart of the driver does not reach: a memory region
// only the driver maps, which, unlike its .data and .bss, is not filled again when its
// supervisor restarts it (kaal/platform/microkit/restart_page.hpp; SystemBuilder::restart in
// runtime mode). With it, a restarted driver answers every request its dead instance had taken
// from the virtualiser exactly once: it submits each again to the device, which its start has
// reset (virtio 1.2, 3.1.1), so the device's half-done work is dropped and done anew. Reads and
// writes of whole sectors are idempotent, and requests in flight together were never ordered
// (5.2.6.2), so doing one again is what a client may see anyway.
//
// A request moves through three states, each step a store the driver makes before the next,
// so the fault that ends an instance leaves it in one of them, with the ring indices saying
// which side of the ring operation it stopped at:
//
//   free -> taken(taken_at)        before requests.pop() of the item at taken_at
//        -> answering(answer_at)   before responses.push() at answer_at
//        -> free                   after that push
//
// and recover() reads them back: taken, with the requests' ring still at taken_at: the pop did
// not happen, the ring delivers the request again, and the entry is dropped; answering, with
// the responses' ring past answer_at: the answer was published, and the entry is dropped;
// otherwise the request is owed and is submitted again. Only one entry at a time is between a
// record and its pop, or between answering and its push: the driver's one thread does one ring
// operation at a time.
//
// Ordering: the instance that wrote the journal and the one that reads it are the same thread,
// stopped between two instructions and started again (seL4 manual, "TCB_WriteRegisters"), and
// a CPU sees its own stores in program order. Only the compiler may move them, across the ring's
// own atomic stores too (a later store may move above a release store), which a signal fence
// forbids: it orders memory as a fence does, but only for the thread it runs on
// ([atomics.fences] p7), which is the relation between an instance and its successor.
//
// Who may call: the driver PD's one thread, for every function (BlockDriverServer does).
namespace kaal::dddk {

class BlockDriverJournal {
public:
    // At least what a driver can owe at once, the responses' ring's capacity, plus the one
    // request between its record and its refusal.
    static constexpr std::size_t capacity = std::size_t{2} * block_queue_capacity;

    [[nodiscard]] static constexpr std::size_t bytes() { return sizeof(Entries); }

    // The journal in `region` as the last instance left it; zero-filled on the first start.
    static Result<BlockDriverJournal> attach(void* region, std::size_t region_bytes) {
        if (region == nullptr || region_bytes < sizeof(Entries) ||
            reinterpret_cast<std::uintptr_t>(region) % alignof(Entries) != 0) {
            return Error::invalid_argument;
        }
        return BlockDriverJournal{*std::launder(static_cast<Entries*>(region))};
    }

    // The request about to be popped from index `taken_at` of the requests' ring; the slot that
    // names it until it is forgotten, or no_space if every slot is in use.
    Result<std::size_t> record(const BlockRequest& r, ipc::RingIndex taken_at) {
        for (std::size_t slot = 0; slot < capacity; ++slot) {
            Entry& e = entries_->at[slot];
            if (state(e) == State::free) {
                e.request = r;
                e.taken_at = taken_at;
                set_state(e, State::taken);
                return slot;
            }
        }
        return Error::no_space;
    }

    [[nodiscard]] const BlockRequest& request(std::size_t slot) const {
        return entries_->at[slot % capacity].request;
    }

    // Its answer is about to be pushed at index `answer_at` of the responses' ring.
    void answering(std::size_t slot, ipc::RingIndex answer_at) {
        Entry& e = entries_->at[slot % capacity];
        e.answer_at = answer_at;
        set_state(e, State::answering);
    }

    // Its answer was pushed.
    void forget(std::size_t slot) { set_state(entries_->at[slot % capacity], State::free); }

    // After a restart, before the driver takes or answers anything: `resubmit(slot)` for each
    // request the last instance owed, given the rings' indices now; every other entry is freed.
    // Returns how many were owed.
    template <typename Resubmit>
    std::size_t recover(ipc::RingIndex consumed, ipc::RingIndex produced, Resubmit&& resubmit) {
        std::size_t owed = 0;
        for (std::size_t slot = 0; slot < capacity; ++slot) {
            Entry& e = entries_->at[slot];
            const State s = state(e);
            const bool popped = s == State::taken && consumed != e.taken_at;
            const bool unanswered = s == State::answering && produced == e.answer_at;
            if (popped || unanswered) {
                set_state(e, State::taken);
                ++owed;
                resubmit(slot);
            } else if (s != State::free) {
                set_state(e, State::free);
            }
        }
        return owed;
    }

private:
    // Any other value, a corrupted word, reads as taken: the entry is then answered, or freed by
    // its index, rather than kept for ever.
    enum class State : std::uint32_t { free = 0, taken = 1, answering = 2 };
    struct Entry {
        BlockRequest request;
        ipc::RingIndex taken_at = 0;
        ipc::RingIndex answer_at = 0;
        std::uint32_t state = 0;
    };
    struct Entries {
        Entry at[capacity];
    };

    explicit BlockDriverJournal(Entries& entries) : entries_(&entries) {}

    static State state(Entry& e) {
        const auto s = std::atomic_ref<std::uint32_t>{e.state}.load(std::memory_order_relaxed);
        return s == 0 ? State::free : s == 2 ? State::answering : State::taken;
    }
    // Ordered after every store before it and before every store after it, by the compiler
    // too: the signal fences (see the top of this file).
    static void set_state(Entry& e, State s) {
        std::atomic_signal_fence(std::memory_order_seq_cst);
        std::atomic_ref<std::uint32_t>{e.state}.store(static_cast<std::uint32_t>(s),
                                                      std::memory_order_relaxed);
        std::atomic_signal_fence(std::memory_order_seq_cst);
    }

    Entries* entries_;
};

// The region the composer gives a block driver for its journal.
inline constexpr std::size_t block_driver_journal_bytes = 0x1000;
static_assert(BlockDriverJournal::bytes() <= block_driver_journal_bytes);

} // namespace kaal::dddk
