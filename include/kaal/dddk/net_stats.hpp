// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

// The network stack's counters, in one page the composer's NetworkStack shares beside the queues
// (net_queue.hpp): the driver and
// the two virtualisers write it (each field has exactly one writer, named below), and a client
// given `reads_stats` maps it read-only, for a status page or a benchmark. Counters are
// published after each pass with relaxed stores and read with relaxed loads: each is a 64-bit
// aligned word, so a reader sees some value it had, never a torn one, and nothing else is
// ordered by them. Kernel entries are counted where they are made: an IRQ is one entry, its ack
// one, each signal one; a client's signals are counted by the virtualiser it wakes (`*_wakes`),
// which equals what the client sent whenever the virtualiser ran between two of them.
namespace kaal::dddk::net {

struct NetClientStats {
    std::uint64_t rx_frames;  // RX virtualiser: frames copied to it
    std::uint64_t rx_bytes;   // RX virtualiser
    std::uint64_t rx_dropped; // RX virtualiser: frames for it that found no buffer of its
    std::uint64_t rx_wakes;   // RX virtualiser: notifications from it
    std::uint64_t tx_frames;  // TX virtualiser: frames it sent
    std::uint64_t tx_bytes;   // TX virtualiser
    std::uint64_t tx_refused; // TX virtualiser: frames it may not send
    std::uint64_t tx_wakes;   // TX virtualiser: notifications from it
};

struct NetStatsPage {
    static constexpr std::size_t max_clients = 48;
    std::uint64_t driver_irqs;     // driver
    std::uint64_t driver_irq_acks; // driver
    std::uint64_t driver_signals;  // driver, to either virtualiser
    std::uint64_t driver_dropped;  // driver: frames the device delivered malformed
    std::uint64_t rx_signals;      // RX virtualiser, to the driver or a client
    std::uint64_t rx_unclaimed;    // RX virtualiser: frames for no client's address
    std::uint64_t tx_signals;      // TX virtualiser, to the driver or a client
    std::uint64_t reserved;
    std::array<NetClientStats, max_clients> clients;
};
static_assert(sizeof(NetStatsPage) <= 0x1000, "the counters fit their one page");

inline void publish(std::uint64_t& counter, std::uint64_t value) {
    std::atomic_ref<std::uint64_t>(counter).store(value, std::memory_order_relaxed);
}

inline std::uint64_t read(const std::uint64_t& counter) {
    // atomic_ref needs a non-const referent; the load writes nothing.
    return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(counter))
        .load(std::memory_order_relaxed);
}

} // namespace kaal::dddk::net
