// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <kaal/ipc/ring_buffer.hpp>

// The block protocol between a client and the block virtualiser (and, behind it, the driver):
// one 4 KiB region holds two rings, requests from the client and responses to it, each with one
// producer and one consumer, so RingBuffer's SPSC rules and notification suppression hold for
// both. Data never travels in the rings: a request names sectors of the client's partition and
// an offset into the client's own data region, which the device reads or writes by DMA.
//
//   client                                   virtualiser
//     requests.push() -> notify if asked       requests.pop()  -> check, translate, submit
//     responses.pop() after a notification     responses.push() -> notify if asked
//
// Every field is the client's word until checked: the virtualiser bounds-checks the sectors
// against the partition and the bytes against the data region before the driver sees them.
namespace kaal::dddk {

struct BlockRequestMessage {
    enum : std::uint32_t { read = 0, write = 1, flush = 2 };
    std::uint32_t op;
    std::uint32_t count;  // 512-byte sectors; 0 for a flush
    std::uint64_t sector; // from the start of the client's partition
    std::uint64_t offset; // into the client's data region
    std::uint64_t id;     // the client's, echoed in the response
};

struct BlockResponseMessage {
    enum : std::uint32_t {
        ok = 0,
        io_error = 1,     // the device failed it
        unsupported = 2,  // the device does not do it
        invalid = 3,      // malformed: unknown op, no sectors, an offset that is not sector-aligned
        out_of_range = 4, // past the partition's end or the data region's
        read_only = 5,    // a write to a read-only device
        no_partition = 6  // this client was given no partition on this disk
    };
    std::uint64_t id;
    std::uint32_t status;
    std::uint32_t count; // sectors done
};

using BlockRequestRing = ipc::RingBuffer<BlockRequestMessage>;
using BlockResponseRing = ipc::RingBuffer<BlockResponseMessage>;

inline constexpr ipc::RingIndex block_queue_capacity = 32;
inline constexpr std::size_t block_queue_bytes = 0x1000;
// The responses' ring starts half-way, on its own cache lines.
inline constexpr std::size_t block_responses_offset = block_queue_bytes / 2;

// What the virtualiser tells a client of its partition, in the cache line before the responses'
// ring (as sDDF's storage info sits beside its queues): written once, before the client's first
// notification, and never again. `ready` is stored last with release and a client loads it with
// acquire, so one that sees 1 sees the rest. The client may scribble here: the virtualiser
// never reads it back (it checks requests against its own copy of the partition).
struct BlockQueueInfo {
    std::uint32_t ready;
    std::uint32_t read_only; // the device refuses writes
    std::uint64_t
        sectors; // of 512 bytes: the partition's size (0: the client has none), or the disk's

    // The virtualiser (or, on a driver's queue, the driver) only.
    void publish(std::uint64_t partition_sectors, bool device_read_only) {
        sectors = partition_sectors;
        read_only = device_read_only ? 1 : 0;
        std::atomic_ref<std::uint32_t>{ready}.store(1, std::memory_order_release);
    }
    // The client (or, on a driver's queue, the virtualiser) only.
    [[nodiscard]] bool published() {
        return std::atomic_ref<std::uint32_t>{ready}.load(std::memory_order_acquire) == 1;
    }
};
inline constexpr std::size_t block_info_offset = block_responses_offset - 64;

// Two rings and an info line in one 4 KiB region: the layout of the client's queue here and of
// the driver's (block_driver_queue.hpp). Both ends attach to the same zero-filled region.
template <typename Request, typename Response>
struct BlockRingPair {
    ipc::RingBuffer<Request> requests;
    ipc::RingBuffer<Response> responses;
    BlockQueueInfo* info;

    static constexpr ipc::RingIndex capacity = block_queue_capacity;
    static_assert(ipc::RingBuffer<Request>::region_size(capacity) <= block_info_offset);
    static_assert(ipc::RingBuffer<Response>::region_size(capacity) <=
                  block_queue_bytes - block_responses_offset);

    static Result<BlockRingPair> attach(void* region) {
        if (region == nullptr) {
            return Error::invalid_argument;
        }
        KAAL_TRY(auto requests,
                 ipc::RingBuffer<Request>::attach(region, block_responses_offset, capacity));
        KAAL_TRY(auto responses, ipc::RingBuffer<Response>::attach(
                                     static_cast<std::byte*>(region) + block_responses_offset,
                                     block_queue_bytes - block_responses_offset, capacity));
        // The ring's attach checked the region is cache-line aligned, so the info line is too.
        void* info = static_cast<std::byte*>(region) + block_info_offset;
        return BlockRingPair{requests, responses, static_cast<BlockQueueInfo*>(info)};
    }
};

using BlockQueue = BlockRingPair<BlockRequestMessage, BlockResponseMessage>;

} // namespace kaal::dddk
