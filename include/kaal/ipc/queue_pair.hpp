// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/ipc/buffer_descriptor.hpp>
#include <kaal/ipc/ring_buffer.hpp>

// The link between a driver and a client for one direction of data: two rings in one shared
// region. The `active` ring carries buffers full of data from the side that fills them to the
// side that empties them; the `free` ring carries the emptied buffers back. The buffers
// themselves live in a separate data region and never move; only descriptors travel.
//
//   filler (e.g. a client transmitting)          drainer (e.g. the driver)
//     free.pop()     -> fill the buffer            active.pop() -> use the buffer
//     active.push()  -> notify if asked            free.push()  -> notify if asked
//
// Each ring has one producer and one consumer, so each side is the producer of one ring and the
// consumer of the other, and the SPSC rules of RingBuffer hold for both.
namespace kaal::ipc {

template <typename Descriptor = BufferDescriptor>
class QueuePair {
public:
    using Ring = RingBuffer<Descriptor>;

    // The free ring first, then the active ring, each starting on a cache line.
    static constexpr std::size_t ring_stride(RingIndex capacity) {
        return (Ring::region_size(capacity) + cache_line_size - 1) / cache_line_size *
               cache_line_size;
    }
    static constexpr std::size_t region_size(RingIndex capacity) {
        return 2 * ring_stride(capacity);
    }

    // Both sides attach to the same (zero-filled) region with the same capacity; see
    // RingBuffer::attach.
    static Result<QueuePair> attach(void* region, std::size_t region_bytes, RingIndex capacity) {
        if (region == nullptr || region_bytes < region_size(capacity)) {
            return region == nullptr ? Error::invalid_argument : Error::no_space;
        }
        KAAL_TRY(auto free_ring, Ring::attach(region, ring_stride(capacity), capacity));
        KAAL_TRY(auto active_ring,
                 Ring::attach(static_cast<std::byte*>(region) + ring_stride(capacity),
                              ring_stride(capacity), capacity));
        return QueuePair(free_ring, active_ring);
    }

    Ring& free() { return free_; }
    Ring& active() { return active_; }

private:
    QueuePair(const Ring& free_ring, const Ring& active_ring)
        : free_(free_ring), active_(active_ring) {}

    Ring free_;
    Ring active_;
};

} // namespace kaal::ipc
