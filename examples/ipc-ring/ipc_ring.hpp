// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/ipc/buffer_descriptor.hpp>
#include <kaal/ipc/queue_pair.hpp>
#include <kaal/platform/channel.hpp>

#include "kaal_config.hpp"

// What the producer and the consumer of the ipc-ring example agree on beyond their configuration
// (kaal_config.hpp: the regions, their sizes and the channel, from the description system.cpp).
namespace ipc_ring {

inline constexpr std::uint64_t total_items = 100000;
inline constexpr kaal::ipc::RingIndex buffers = 64; // descriptors in flight, = ring capacity
inline constexpr std::uint32_t buffer_size = 64;    // bytes per data buffer: one item
static_assert(kaal::ipc::QueuePair<>::region_size(buffers) <= config::ring_region_size);
static_assert(std::uint64_t{buffers} * buffer_size <= config::data_region_size);

// An item fills one buffer: its sequence number, then words derived from it, so the consumer
// can check every word of every item without any state shared beyond the stream itself.
inline constexpr unsigned item_words = buffer_size / sizeof(std::uint64_t);
constexpr std::uint64_t item_word(std::uint64_t sequence, unsigned index) {
    if (index == 0) {
        return sequence;
    }
    std::uint64_t x = sequence * 0x9E3779B97F4A7C15ULL + index;
    x ^= x >> 31;
    return x * 0xBF58476D1CE4E5B9ULL;
}
// A running checksum over the stream, order-sensitive.
constexpr std::uint64_t checksum_step(std::uint64_t sum, std::uint64_t word) {
    return (sum ^ word) * 0x100000001B3ULL;
}

} // namespace ipc_ring
