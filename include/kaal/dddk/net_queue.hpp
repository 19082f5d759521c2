// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/ipc/buffer_descriptor.hpp>
#include <kaal/ipc/queue_pair.hpp>
#include <kaal/platform/message.hpp>

// The network queue contract shared by the virtio-net driver, the RX and TX virtualisers and
// their clients. Every link of the network stack, for one direction, is one QueuePair
// (kaal/ipc/queue_pair.hpp) alone in a region of `queue_region_bytes`: its `active` ring carries
// frames from the side that fills buffers to the side that empties them, its `free` ring the
// emptied buffers back. Only descriptors move; a frame stays in the buffer it was written to.
//
//   receive:   driver  --active-->  RX virtualiser  --active-->  client
//                      <--free---                   <--free---
//   transmit:  client  --active-->  TX virtualiser  --active-->  driver
//                      <--free---                   <--free---
//
// What a descriptor's `offset` means depends on the link:
//   - between a client and a virtualiser it is an offset into the client's own data region (its
//     RX or TX buffers), so a client never learns a physical address, and a virtualiser checks it
//     against that region before it uses it (ipc::DataRegion::resolve);
//   - between a virtualiser and the driver it is the buffer's physical address, which the driver
//     hands to the device as is. The virtualisers are the driver's only peers and are trusted with
//     physical addresses, as the block virtualiser is (block_driver_queue.hpp).
// `length` is the frame's bytes in an active ring. In a free ring it is the buffer's size, except
// that the driver hands sent frames back exactly as they came (the TX virtualiser knows its
// buffers' size). `cookie` is the filler's own tag and comes back unchanged. A receive buffer
// smaller than the largest frame is kept out of the device and counted by the driver.
//
// A frame is an Ethernet frame without its FCS (the device adds and strips it): a 14-byte header
// and up to 1500 bytes of payload (IEEE 802.3 clause 3.1.1; no VLAN tag). Buffers are
// `buffer_bytes` each, so a buffer's index is its offset divided by that.
namespace kaal::dddk::net {

using NetQueue = ipc::QueuePair<ipc::BufferDescriptor>;

inline constexpr std::uint32_t buffer_bytes = 2048;
inline constexpr std::uint32_t header_bytes = 14;
inline constexpr std::uint32_t max_frame_bytes = header_bytes + 1500;
inline constexpr ipc::RingIndex queue_capacity = 512;
inline constexpr std::size_t queue_region_bytes = 0x5000;

static_assert(NetQueue::region_size(queue_capacity) <= queue_region_bytes,
              "both rings of a network queue fit in its region");
static_assert(max_frame_bytes <= buffer_bytes, "one buffer holds the largest frame");

// Attaches to the queue region mapped at `vaddr` (a setvar_vaddr variable); invalid_argument
// for one the Microkit tool did not patch (0) or did not page-align, as serial::attach_queue.
inline Result<NetQueue> attach_queue(Word vaddr) {
    constexpr Word page_mask = 0xfff;
    if (vaddr == 0 || (vaddr & page_mask) != 0) {
        return Error::invalid_argument;
    }
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool patched in the region's address
    return NetQueue::attach(reinterpret_cast<void*>(vaddr), queue_region_bytes, queue_capacity);
}

// An Ethernet (IEEE 802 MAC-48) address, in the order it is sent.
struct MacAddress {
    std::array<std::uint8_t, 6> bytes{};

    // The I/G bit, the first bit sent (IEEE 802-2014 8.2): set for group (multicast and
    // broadcast) addresses, which every client receives.
    [[nodiscard]] constexpr bool is_group() const { return (bytes[0] & 1U) != 0; }
    friend constexpr bool operator==(const MacAddress&, const MacAddress&) = default;
};

} // namespace kaal::dddk::net
