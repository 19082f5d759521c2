// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <kaal/core/result.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/ipc/buffer_descriptor.hpp>

// The receive side of the network virtualiser: one NIC, several clients, each with its own MAC.
// The driver fills buffers of the virtualiser's own DMA region (never a client's), and the
// virtualiser reads each frame's destination address and copies the frame into a receive buffer
// of the client it is for, or of every client for a group address (ARP requests, DHCP). So:
//   - no copy between the driver and the virtualiser: the device writes where the virtualiser
//     reads (net_queue.hpp);
//   - a client never sees the device's buffers nor another client's frames: it sees only its own
//     receive region, which only this side writes. The copy is the price; it is what sDDF's
//     separate copy component does, done here in the same pass as routing (one PD, one wake-up
//     fewer per frame);
//   - a slow client loses only its own frames: with no free buffer of its, a frame for it is
//     dropped and counted (a NIC drops too when its ring is empty), and the device's buffer goes
//     back to the driver at once, so the others keep receiving.
// What the peers write is checked before it is used: a frame the driver reports outside the
// virtualiser's region, or shorter than an Ethernet header or longer than the largest frame, is
// counted and its buffer returned; a client's free descriptor outside its region is counted and
// skipped (the client loses that buffer, no one else anything).
//
// Who may call: the virtualiser PD's one thread, for every function.
namespace kaal::services::net {

struct RxClientCounters {
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t dropped = 0;         // a frame for it found no free buffer of its
    std::uint64_t bad_descriptors = 0; // free descriptors outside its region
};

struct RxCounters {
    std::uint64_t frames = 0;    // from the driver
    std::uint64_t unclaimed = 0; // for a unicast address no client has
    std::uint64_t malformed = 0; // outside the region, or a length no frame has
};

// One client: its queue (the virtualiser produces active(), consumes free()), its receive region
// as mapped here, and its address.
struct RxClient {
    dddk::net::NetQueue queue;
    ipc::DataRegion region;
    dddk::net::MacAddress mac;
};

// The virtualiser's own receive buffers: mapped here (read-only would do: only the device writes
// them) and where the device sees them.
struct RxBuffers {
    const std::byte* vaddr;
    Word paddr;
    Word size;
};

template <std::size_t Clients>
class RxVirtualiser {
public:
    RxVirtualiser(dddk::net::NetQueue driver, RxBuffers buffers,
                  const std::array<RxClient, Clients>& clients)
        : driver_(driver), buffers_(buffers), clients_(clients) {}

    // Once, before the driver's first notification: every buffer of the region to the driver.
    // Returns how many (the region's buffers, at most the ring's capacity).
    std::size_t give_all_buffers() {
        const Word count = buffers_.size / dddk::net::buffer_bytes;
        std::size_t given = 0;
        for (Word i = 0; i < count; ++i) {
            const ipc::BufferDescriptor d{buffers_.paddr + i * dddk::net::buffer_bytes,
                                          dddk::net::buffer_bytes, static_cast<std::uint32_t>(i)};
            if (!driver_.free().push(d)) {
                break;
            }
            ++given;
        }
        return given;
    }

    // What a pass found to signal: bit i for client i, and whether the driver needs one.
    struct Signals {
        std::uint64_t clients = 0;
        bool driver = false;
    };

    // A notification from the driver (or a client returning buffers, which needs nothing: they
    // are taken when a frame needs one). Routes every frame the driver delivered, then asks it
    // for a signal and looks again before it returns (the lost wake-up, ring_buffer.hpp).
    Signals route() {
        static_assert(Clients <= 64, "one bit per client in Signals");
        bool returned = false;
        std::uint64_t delivered = 0;
        do {
            while (auto frame = driver_.active().pop()) {
                ++counters_.frames;
                if (!owned(frame->offset)) {
                    ++counters_.malformed; // not a buffer of ours: never handed to the device again
                    continue;
                }
                delivered |= route_one(*frame);
                // The copy is done: the device may have the buffer again. The free ring has room:
                // it holds at most the region's buffers, and give_all_buffers gave no more than
                // its capacity.
                static_cast<void>(
                    driver_.free().push({frame->offset, dddk::net::buffer_bytes, frame->cookie}));
                returned = true;
            }
        } while (!driver_.active().consumer_may_sleep());
        Signals s;
        s.driver = returned && driver_.free().consumer_needs_signal();
        for (std::size_t i = 0; i < Clients; ++i) {
            if ((delivered & (std::uint64_t{1} << i)) != 0 &&
                clients_[i].queue.active().consumer_needs_signal()) {
                s.clients |= std::uint64_t{1} << i;
            }
        }
        return s;
    }

    [[nodiscard]] const RxCounters& counters() const { return counters_; }
    [[nodiscard]] const RxClientCounters& client_counters(std::size_t i) const {
        return client_counters_[i];
    }

private:
    // The bits of the clients the frame went to.
    // Whether `paddr` starts one of the region's buffers: the only addresses given out.
    [[nodiscard]] bool owned(Word paddr) const {
        return paddr >= buffers_.paddr && paddr - buffers_.paddr < buffers_.size &&
               (paddr - buffers_.paddr) % dddk::net::buffer_bytes == 0;
    }

    std::uint64_t route_one(const ipc::BufferDescriptor& frame) {
        const Word start = frame.offset - buffers_.paddr; // owned(): inside the region
        if (frame.length < dddk::net::header_bytes || frame.length > dddk::net::max_frame_bytes ||
            frame.length > buffers_.size - start) {
            ++counters_.malformed;
            return 0;
        }
        const std::span<const std::byte> bytes{buffers_.vaddr + start, frame.length};
        dddk::net::MacAddress destination;
        std::memcpy(destination.bytes.data(), bytes.data(), destination.bytes.size());
        std::uint64_t delivered = 0;
        bool claimed = destination.is_group();
        for (std::size_t i = 0; i < Clients; ++i) {
            if (destination.is_group() || destination == clients_[i].mac) {
                claimed = true;
                delivered |= deliver(i, bytes) ? std::uint64_t{1} << i : std::uint64_t{0};
            }
        }
        if (!claimed) {
            ++counters_.unclaimed;
        }
        return delivered;
    }

    bool deliver(std::size_t i, std::span<const std::byte> bytes) {
        RxClient& c = clients_[i];
        RxClientCounters& n = client_counters_[i];
        while (auto buffer = c.queue.free().pop()) {
            auto span = c.region.resolve(
                {buffer->offset, static_cast<std::uint32_t>(bytes.size()), buffer->cookie});
            if (!span || buffer->length < bytes.size()) {
                ++n.bad_descriptors;
                continue;
            }
            // A client that keeps its ring full of unread frames and still offers buffers (the
            // same one twice, say) finds the push refused: its frame is dropped, no one else's.
            std::memcpy(span->data(), bytes.data(), bytes.size());
            if (!c.queue.active().push(
                    {buffer->offset, static_cast<std::uint32_t>(bytes.size()), buffer->cookie})) {
                break;
            }
            ++n.frames;
            n.bytes += bytes.size();
            return true;
        }
        ++n.dropped;
        return false;
    }

    dddk::net::NetQueue driver_;
    RxBuffers buffers_;
    std::array<RxClient, Clients> clients_;
    RxCounters counters_;
    std::array<RxClientCounters, Clients> client_counters_{};
};

} // namespace kaal::services::net
