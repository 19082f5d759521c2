// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include <kaal/core/result.hpp>

// A single-producer/single-consumer ring of fixed-size slots in a memory region shared by two
// protection domains (a Microkit `memory_region` mapped into both, Microkit manual "memory_region"
// and "map"). Exactly one PD pushes and exactly one PD pops; each constructs its own
// `RingBuffer` view over the same region (a view is a few words of that PD's private memory,
// never shared), and every function says which of the two may call it.
//
// The design goals, in order: never lose a wake-up, never touch memory outside the region
// whatever the peer writes into it, and make a push or a pop a handful of instructions.
//
// Memory ordering, once for the whole file:
//  - Indices are free-running 32-bit counters of items ever pushed (`tail`) and popped (`head`);
//    `tail - head` is the fill level and wraps correctly. A slot is `index & mask`.
//  - The producer writes a slot and then stores `tail` with release; the consumer loads `tail`
//    with acquire before reading the slot, so the slot's contents are visible to it.
//  - The consumer reads a slot and then stores `head` with release; the producer loads `head`
//    with acquire before overwriting the slot, so it never overwrites an item still being read.
//  - Those are the only orderings the data path needs. Each side also keeps a private copy of
//    the other side's index and rereads the shared one only when the copy says full/empty: the
//    common push or pop then touches no cache line the other core is writing.
//  - The signal flags are the exception: see "Notification suppression" below.
// The orderings are the same on every build. A PD may be scheduled on any core of an SMP
// kernel, and the release/acquire instructions cost nothing extra on one core.
namespace kaal::ipc {

// Cortex-A53 (qemu_virt_aarch64) and x86-64 hosts both use 64-byte cache lines.
inline constexpr std::size_t cache_line_size = 64;

using RingIndex = std::uint32_t;

// The largest capacity whose fill level `tail - head` stays unambiguous in 32 bits.
inline constexpr RingIndex max_ring_capacity = RingIndex{1} << 31;

// The control block at the start of a ring's region, exactly as both PDs see it. The producer's
// and the consumer's index are on separate cache lines so each side writes only its own line.
// The signal flags are on a third line: each is written only around sleeping and read once per
// batch, so that line stays shared in both caches while data flows.
struct RingControl {
    alignas(cache_line_size) RingIndex tail;                      // written by the producer only
    alignas(cache_line_size) RingIndex head;                      // written by the consumer only
    alignas(cache_line_size) std::uint32_t consumer_wants_signal; // set: consumer, clear: producer
    std::uint32_t producer_wants_signal;                          // set: producer, clear: consumer
};
static_assert(sizeof(RingControl) == 3 * cache_line_size);
static_assert(std::is_trivially_copyable_v<RingControl> && std::is_standard_layout_v<RingControl>);

namespace detail {

template <typename T>
T load_acquire(T& shared) {
    return std::atomic_ref<T>(shared).load(std::memory_order_acquire);
}
template <typename T>
T load_relaxed(T& shared) {
    return std::atomic_ref<T>(shared).load(std::memory_order_relaxed);
}
template <typename T>
void store_release(T& shared, T value) {
    std::atomic_ref<T>(shared).store(value, std::memory_order_release);
}
template <typename T>
void store_relaxed(T& shared, T value) {
    std::atomic_ref<T>(shared).store(value, std::memory_order_relaxed);
}

// A sequentially consistent fence: the store->load barrier of the suppression protocol (DMB ISH
// on AArch64, MFENCE or a locked instruction on x86-64). GCC warns that ThreadSanitizer does not
// model fences; TSan checks the data path here, which needs none, and the fence argument is
// checked by the model test instead (tests/ipc/wakeup_model_test.cpp).
inline void full_fence() {
#if defined(__SANITIZE_THREAD__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#if defined(__SANITIZE_THREAD__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
}

// Copies a batch between the slots and the caller's buffer through the C library's memcpy. GCC
// can bound a batch's size (a ring holds at most `capacity` items) and then expands the copy
// inline; on x86-64 that is `rep movsq`, whose start-up cost (tens of cycles on AMD Zen) is more
// than the whole copy of a short batch. The empty asm hides the bound, so the library's memcpy,
// tuned for every size, does the copy. Slots and caller's buffer never overlap.
template <typename T>
inline void copy_items(const T* from, RingIndex count, T* to) {
    std::size_t bytes = std::size_t{count} * sizeof(T);
    asm("" : "+r"(bytes));
    __builtin_memcpy(to, from, bytes);
}

constexpr bool is_power_of_two(RingIndex n) {
    return n != 0 && (n & (n - 1)) == 0;
}

} // namespace detail

// Notification suppression. A PD sleeps by returning from `notified()` to libmicrokit's event
// loop, which waits on the PD's notification object; a signal sent while it is running is not
// lost, because seL4 latches it in the notification word until the next wait (seL4 manual,
// "Notifications"). So a signal is only ever *needed* when the other side may be about to wait,
// and the protocol sends it only then:
//
//   consumer, before sleeping             producer, after publishing a batch
//   C1 consumer_wants_signal = 1          P1 tail = t            (release)
//   C2 seq_cst fence                      P2 seq_cst fence
//   C3 reload tail; if items arrived:     P3 if consumer_wants_signal:
//        consumer_wants_signal = 0,             consumer_wants_signal = 0, notify
//        drain again (do not sleep)
//
// C1->C3 and P1->P3 are each a store followed by a load of a *different* location: the Dekker
// pattern. Release/acquire do not order a store before a later load (on x86-64 the store buffer
// alone reorders them, and on AArch64 an STLR may be passed by a later plain LDR), so without
// both fences the consumer can read the old tail while the producer reads the old flag, and the
// consumer sleeps with an item in the ring and no signal coming: the lost wake-up. With both
// fences, the two fences are ordered in the single total order S of seq_cst operations; if C2
// precedes P2 the producer's P3 sees the flag set (or a later value) and signals, and if P2
// precedes C2 the consumer's C3 sees the new tail and does not sleep ([atomics.order] p4.5,
// fence-to-fence). Either way the item is seen. The re-check C3 is what closes the window
// between "found empty" and "asked for a signal"; a consumer that asks first and never looks
// again is the classic bug, demonstrated in the model test.
//
// The producer clears the flag before notifying so a stream of pushes sends one signal per
// sleep, not one per batch. Clearing may erase a request the consumer made in the meantime,
// but only ever right before a signal, which latches, so the consumer is woken anyway.
// The same protocol runs the other way when the producer sleeps on a full ring.
template <typename T>
class RingBuffer {
    static_assert(std::is_trivially_copyable_v<T>, "slots are copied between protection domains");
    static_assert(alignof(T) <= cache_line_size, "slots start on a cache-line boundary");

public:
    using value_type = T;

    // Bytes of shared region a ring of `capacity` slots needs: the control block, then the slots.
    static constexpr std::size_t region_size(RingIndex capacity) {
        return sizeof(RingControl) + std::size_t{capacity} * sizeof(T);
    }

    // Makes a view of the ring laid out in `region`. Both sides call this on their own mapping
    // of the same region with the same capacity. The control block must start zeroed: seL4
    // zeroes the frames a Microkit memory region is made of when the tool creates them (seL4
    // manual, "Untyped Memory": retyped frames are zero-filled), so no side has to initialise
    // it and neither has to run first. A host test zeroes its buffer or calls `reset()`.
    static Result<RingBuffer> attach(void* region, std::size_t region_bytes, RingIndex capacity) {
        if (region == nullptr || !detail::is_power_of_two(capacity) ||
            capacity > max_ring_capacity) {
            return Error::invalid_argument;
        }
        if (reinterpret_cast<std::uintptr_t>(region) % cache_line_size != 0) {
            return Error::alignment_error;
        }
        if (region_bytes < region_size(capacity)) {
            return Error::no_space;
        }
        return RingBuffer(static_cast<RingControl*>(region), capacity);
    }

    // Zeroes the control block: for a host test reusing a buffer, or a PD restarting both ends.
    // Neither side may be using the ring meanwhile.
    void reset() {
        *control_ = RingControl{};
        producer_ = {};
        consumer_ = {};
    }

    [[nodiscard]] RingIndex capacity() const { return mask_ + 1; }

    // ---- producer side ---------------------------------------------------------------------

    // Producer only. Appends one item; queue_full if there is no free slot.
    //
    // The view's fields are read into locals once: the atomic accesses are compiler barriers,
    // and a view reached through a pointer would otherwise be reloaded after each of them.
    Status push(const T& item) {
        T* const slots = slots_;
        const RingIndex mask = mask_;
        const RingIndex tail = producer_.tail;
        const RingIndex head = producer_.head_cache;
        if (tail - head > mask) [[unlikely]] {
            // Full as last seen, so head == tail - capacity here, and clamp_head reduces to:
            // a head that did not move (0) or moved past the tail (> capacity) leaves it full.
            const RingIndex fresh = detail::load_acquire(control_->head);
            if (fresh - head - 1 > mask) {
                return Error::queue_full;
            }
            producer_.head_cache = fresh;
        }
        slots[tail & mask] = item;
        producer_.tail = tail + 1;
        // Release: the slot write above is visible before the consumer can see the new tail.
        detail::store_release(control_->tail, tail + 1);
        return {};
    }

    // Producer only. Appends as many of `items` as fit, in order, publishing them with a single
    // index store; returns how many. A batch is one release store however long it is.
    std::size_t push_batch(std::span<const T> items) {
        RingIndex free = capacity() - (producer_.tail - producer_.head_cache);
        if (free < items.size()) {
            refresh_head();
            free = capacity() - (producer_.tail - producer_.head_cache);
        }
        const auto count = static_cast<RingIndex>(std::min<std::size_t>(free, items.size()));
        if (count == 0) {
            return 0; // and an empty span may have no data pointer for memcpy
        }
        const RingIndex start = producer_.tail & mask_;
        const RingIndex first = std::min(count, capacity() - start); // up to the end of the slots
        detail::copy_items(items.data(), first, slots_ + start);
        if (first != count) {
            detail::copy_items(items.data() + first, count - first, slots_);
        }
        producer_.tail += count;
        detail::store_release(control_->tail, producer_.tail);
        return count;
    }

    // Producer only. How many items this side has published, modulo 2^32: the index the next
    // push() fills. Shared memory holds it too, so it survives a restart of this side.
    [[nodiscard]] RingIndex produced() const { return producer_.tail; }

    // Producer only. Free slots now; may be more by the time the caller pushes, never fewer,
    // whatever the consumer writes meanwhile (the view's head never moves back: see clamp_head).
    [[nodiscard]] RingIndex free_slots() {
        refresh_head();
        return capacity() - (producer_.tail - producer_.head_cache);
    }

    // Producer only, after publishing a batch: true if the consumer asked to be woken, in which
    // case the request is consumed and the caller must notify the consumer's channel.
    // P2 (fence) and P3 of the protocol above; the fence orders the caller's earlier release
    // store of tail (P1) before the load of the flag.
    [[nodiscard]] bool consumer_needs_signal() {
        return take_request(control_->consumer_wants_signal);
    }

    // Producer only, on finding the ring full: asks the consumer for a signal when it frees a
    // slot, then looks again. True: still full, the producer may sleep (return to the event
    // loop) and will be notified. False: space appeared meanwhile; the request is withdrawn
    // and the producer should push again.
    [[nodiscard]] bool producer_may_sleep() {
        return request_then_recheck(control_->producer_wants_signal, [this] {
            producer_.head_cache = clamp_head(detail::load_acquire(control_->head));
            return producer_.tail - producer_.head_cache >= capacity();
        });
    }

    // ---- consumer side ---------------------------------------------------------------------

    // Consumer only. Removes the oldest item; queue_empty if there is none. Locals as in push().
    Result<T> pop() {
        const T* const slots = slots_;
        const RingIndex mask = mask_;
        const RingIndex head = consumer_.head;
        if (head == consumer_.tail_cache) {
            // Empty as last seen, so clamp_tail reduces to: a tail that did not move (0) or is
            // more than a capacity ahead leaves it empty.
            const RingIndex fresh = detail::load_acquire(control_->tail);
            if (fresh - head - 1 > mask) {
                return Error::queue_empty;
            }
            consumer_.tail_cache = fresh;
        }
        const T item = slots[head & mask];
        consumer_.head = head + 1;
        // Release: the slot read above completes before the producer can see it free.
        detail::store_release(control_->head, head + 1);
        return item;
    }

    // Consumer only. The oldest item, left in the ring for pop() to remove; queue_empty if there
    // is none. For a consumer that must keep a copy somewhere before the producer may reuse the
    // slot (a driver's journal: kaal/dddk/block_driver_journal.hpp).
    Result<T> peek() {
        if (consumer_.head == consumer_.tail_cache && !refresh_tail()) {
            return Error::queue_empty;
        }
        return slots_[consumer_.head & mask_];
    }

    // Consumer only. How many items this side has removed, modulo 2^32: the index of the item
    // the next pop() removes. Shared memory holds it too, so it survives a restart of this side.
    [[nodiscard]] RingIndex consumed() const { return consumer_.head; }

    // Consumer only. Removes up to `out.size()` items in order with a single index store;
    // returns how many.
    std::size_t pop_batch(std::span<T> out) {
        RingIndex available = consumer_.tail_cache - consumer_.head;
        if (available < out.size()) {
            refresh_tail();
            available = consumer_.tail_cache - consumer_.head;
        }
        const auto count = static_cast<RingIndex>(std::min<std::size_t>(available, out.size()));
        if (count == 0) {
            return 0;
        }
        const RingIndex start = consumer_.head & mask_;
        const RingIndex first = std::min(count, capacity() - start);
        detail::copy_items(slots_ + start, first, out.data());
        if (first != count) {
            detail::copy_items(slots_, count - first, out.data() + first);
        }
        consumer_.head += count;
        detail::store_release(control_->head, consumer_.head);
        return count;
    }

    // Consumer only. Items ready now; may be more by the time the caller pops, never fewer,
    // whatever the producer writes meanwhile (the view's tail never moves back: see clamp_tail).
    [[nodiscard]] RingIndex available() {
        refresh_tail();
        return consumer_.tail_cache - consumer_.head;
    }

    // Consumer only, on finding the ring empty: C1-C3 of the protocol above. True: still empty
    // after asking for a signal, so the consumer may return to the event loop and will be
    // notified of the next push. False: items arrived meanwhile; the request is withdrawn and
    // the consumer must drain again before sleeping.
    [[nodiscard]] bool consumer_may_sleep() {
        return request_then_recheck(control_->consumer_wants_signal, [this] {
            // Acquire, because a non-empty answer is followed by reading the new slots.
            consumer_.tail_cache = clamp_tail(detail::load_acquire(control_->tail));
            return consumer_.tail_cache == consumer_.head;
        });
    }

    // Consumer only, after popping a batch: true if the producer is waiting for space, in which
    // case the request is consumed and the caller must notify the producer's channel. The fence
    // orders the earlier release store of head before the load of the flag, as P2 does.
    [[nodiscard]] bool producer_needs_signal() {
        return take_request(control_->producer_wants_signal);
    }

private:
    RingBuffer(RingControl* control, RingIndex capacity)
        : control_(control),
          // The slots start a whole number of cache lines in, and attach() checked the region
          // is cache-line aligned, so they are aligned for T (alignof(T) <= cache_line_size).
          slots_(static_cast<T*>(
              static_cast<void*>(reinterpret_cast<std::byte*>(control) + sizeof(RingControl)))),
          mask_(capacity - 1) {
        // Start from whatever the shared indices say, so a view made after a restart of one
        // side carries on where the ring is. With no earlier view to compare against, a peer's
        // index is only held to the capacity: a head the producer cannot place means a full
        // ring, a tail the consumer cannot place an empty one.
        producer_.tail = detail::load_relaxed(control_->tail);
        const RingIndex head = detail::load_acquire(control_->head);
        producer_.head_cache = producer_.tail - head > capacity ? producer_.tail - capacity : head;
        consumer_.head = detail::load_relaxed(control_->head);
        const RingIndex tail = detail::load_acquire(control_->tail);
        consumer_.tail_cache = tail - consumer_.head > capacity ? consumer_.head : tail;
    }

    // The peer is another protection domain and may be faulty or hostile: an index it wrote is
    // accepted only if it moved forward from the last one this view accepted, and no further
    // than the protocol allows. The consumer's head lies in [head_cache, tail]; the producer's
    // tail in [tail_cache, head + capacity]. Anything else keeps the last good value, so the
    // view's free space (producer) and fill level (consumer) never shrink behind the caller's
    // back: free_slots() and available() are promises that a following push_batch or
    // pop_batch keeps, even against a peer that moves its index backwards between the two.
    // Slots are addressed through the mask, so no index, however corrupt, reaches outside the
    // region. Each clamp is one subtraction pair and one comparison, as the capacity-only
    // clamp was.
    [[nodiscard]] RingIndex clamp_tail(RingIndex tail) const {
        const RingIndex seen = consumer_.tail_cache;
        return tail - seen > consumer_.head + capacity() - seen ? seen : tail;
    }
    [[nodiscard]] RingIndex clamp_head(RingIndex head) const {
        const RingIndex seen = producer_.head_cache;
        return head - seen > producer_.tail - seen ? seen : head;
    }

    // Both return true if the refreshed copy shows room (producer) or items (consumer).
    bool refresh_head() {
        producer_.head_cache = clamp_head(detail::load_acquire(control_->head));
        return producer_.tail - producer_.head_cache < capacity();
    }
    bool refresh_tail() {
        consumer_.tail_cache = clamp_tail(detail::load_acquire(control_->tail));
        return consumer_.tail_cache != consumer_.head;
    }

    // C1-C3. The flag store may be relaxed: the fence after it is what orders it before the
    // re-check, and nothing else is published through the flag.
    template <typename StillBlocked>
    static bool request_then_recheck(std::uint32_t& flag, StillBlocked still_blocked) {
        detail::store_relaxed(flag, std::uint32_t{1});
        detail::full_fence();
        if (still_blocked()) {
            return true;
        }
        detail::store_relaxed(flag, std::uint32_t{0});
        return false;
    }

    // P2-P3. The flag load may be relaxed for the same reason: the fence before it orders it
    // after the caller's index store, and the signal that follows carries no data.
    static bool take_request(std::uint32_t& flag) {
        detail::full_fence();
        if (detail::load_relaxed(flag) == 0) {
            return false;
        }
        detail::store_relaxed(flag, std::uint32_t{0});
        return true;
    }

    // Each side's private state. Each PD has its own view, in its own memory, and uses only its
    // half; two host threads standing in for two PDs likewise make one view each.
    struct ProducerState {
        RingIndex tail = 0;       // == control_->tail, which only this side writes
        RingIndex head_cache = 0; // last head read; the true head is never behind it
    };
    struct ConsumerState {
        RingIndex head = 0;       // == control_->head, which only this side writes
        RingIndex tail_cache = 0; // last tail read; the true tail is never behind it
    };

    RingControl* control_;
    T* slots_;
    RingIndex mask_;
    ProducerState producer_;
    ConsumerState consumer_;
};

} // namespace kaal::ipc
