// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <kaal/core/result.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/ipc/buffer_descriptor.hpp>

// The transmit side of the network virtualiser: several clients' frames onto one NIC, with no
// copy. A client fills buffers of its own transmit region (DMA memory), and the virtualiser
// checks each frame and hands the driver its physical address; when the device has sent it, the
// buffer goes back to the client it came from. What a client can get wrong, it gets wrong for
// itself alone:
//   - a descriptor must name one of its buffers (an offset that is a multiple of buffer_bytes,
//     inside its region) and a length an Ethernet frame has; and the frame's source address must
//     be the client's own MAC, so no client sends as another (or as a router). A frame that
//     fails is counted and its buffer returned unsent;
//   - clients are served in turn, at most `batch` frames each per turn, so one that always has
//     frames waiting cannot keep the others' from the device;
//   - a client that does not take its sent buffers back finds its free ring full: those returns
//     are dropped, and it has lost only its own buffers.
// The cookie a client put in its descriptor comes back unchanged: the virtualiser keeps it per
// buffer while the frame is at the driver, and gives the driver a cookie of its own (client and
// buffer), checked again when the buffer returns.
//
// Who may call: the virtualiser PD's one thread, for every function.
namespace kaal::services::net {

struct TxClientCounters {
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t refused = 0;      // not one of its buffers, a bad length, or another's MAC
    std::uint64_t lost_returns = 0; // sent buffers its full free ring had no room for
};

struct TxCounters {
    std::uint64_t bad_returns = 0; // from the driver, naming no buffer that was sent
};

// One client: its queue (the virtualiser consumes active(), produces free()), its transmit
// region as mapped here (read-only: only the source address is read), where the device sees that
// region, and its address.
struct TxClient {
    dddk::net::NetQueue queue;
    ipc::DataRegion region;
    Word paddr;
    dddk::net::MacAddress mac;
};

template <std::size_t Clients, std::size_t BuffersPerClient = 512>
class TxVirtualiser {
    static_assert(Clients <= 64, "one bit per client in Signals");
    static_assert(Clients < 0x1'0000 && BuffersPerClient <= 0x1'0000,
                  "a driver cookie is a client and a buffer index, 16 bits each");

public:
    static constexpr std::size_t batch = 32;

    TxVirtualiser(dddk::net::NetQueue driver, const std::array<TxClient, Clients>& clients)
        : driver_(driver), clients_(clients) {}

    struct Signals {
        std::uint64_t clients = 0;
        bool driver = false;
    };

    // A notification from a client or from the driver: sent buffers back to their clients, then
    // clients' frames to the driver while it has room. Both loops end by asking for a signal and
    // looking again (the lost wake-up, ring_buffer.hpp).
    Signals serve() {
        Signals s;
        do {
            while (auto sent = driver_.free().pop()) {
                give_back(*sent);
            }
        } while (!driver_.free().consumer_may_sleep());
        s.driver = forward();
        for (std::size_t i = 0; i < Clients; ++i) {
            if ((returned_ & (std::uint64_t{1} << i)) != 0 &&
                clients_[i].queue.free().consumer_needs_signal()) {
                s.clients |= std::uint64_t{1} << i;
            }
        }
        returned_ = 0;
        return s;
    }

    [[nodiscard]] const TxCounters& counters() const { return counters_; }
    [[nodiscard]] const TxClientCounters& client_counters(std::size_t i) const {
        return client_counters_[i];
    }

private:
    // Whether the driver must be signalled.
    bool forward() {
        bool pushed = false;
        bool more = true;
        while (more) {
            more = false;
            for (std::size_t i = 0; i < Clients; ++i) {
                std::size_t taken = 0;
                while (taken < batch) {
                    if (driver_.active().free_slots() == 0) {
                        // Full: the driver's draining frees it, and it signals once asked.
                        if (driver_.active().producer_may_sleep()) {
                            return pushed && driver_.active().consumer_needs_signal();
                        }
                        continue;
                    }
                    auto frame = clients_[i].queue.active().pop();
                    if (!frame) {
                        break;
                    }
                    ++taken;
                    pushed |= take(i, *frame);
                }
                if (taken == batch) {
                    more = true; // its turn ended with frames left: another round
                } else {
                    // Drained: ask for a signal, and look again before the next client's turn.
                    more |= !clients_[i].queue.active().consumer_may_sleep();
                }
            }
        }
        return pushed && driver_.active().consumer_needs_signal();
    }

    // Whether the frame went to the driver.
    bool take(std::size_t i, const ipc::BufferDescriptor& frame) {
        TxClient& c = clients_[i];
        TxClientCounters& n = client_counters_[i];
        const std::uint64_t index = frame.offset / dddk::net::buffer_bytes;
        auto bytes = c.region.resolve(frame);
        if (!bytes || frame.offset % dddk::net::buffer_bytes != 0 || index >= BuffersPerClient ||
            frame.length < dddk::net::header_bytes || frame.length > dddk::net::max_frame_bytes ||
            std::memcmp(bytes->data() + c.mac.bytes.size(), c.mac.bytes.data(),
                        c.mac.bytes.size()) != 0) {
            ++n.refused;
            if (c.queue.free().push({frame.offset, dddk::net::buffer_bytes, frame.cookie})) {
                returned_ |= std::uint64_t{1} << i;
            } else {
                ++n.lost_returns;
            }
            return false;
        }
        cookies_[i][index] = frame.cookie;
        const auto cookie = static_cast<std::uint32_t>((i << 16) | index);
        // Room was checked by forward().
        static_cast<void>(driver_.active().push({c.paddr + frame.offset, frame.length, cookie}));
        ++n.frames;
        n.bytes += frame.length;
        return true;
    }

    void give_back(const ipc::BufferDescriptor& sent) {
        const std::size_t i = sent.cookie >> 16;
        const std::size_t index = sent.cookie & 0xffffU;
        if (i >= Clients || index >= BuffersPerClient ||
            sent.offset != clients_[i].paddr + index * dddk::net::buffer_bytes) {
            ++counters_.bad_returns;
            return;
        }
        const Word offset = index * dddk::net::buffer_bytes;
        if (!clients_[i].queue.free().push({offset, dddk::net::buffer_bytes, cookies_[i][index]})) {
            ++client_counters_[i].lost_returns;
            return;
        }
        returned_ |= std::uint64_t{1} << i;
    }

    dddk::net::NetQueue driver_;
    std::array<TxClient, Clients> clients_;
    std::array<std::array<std::uint32_t, BuffersPerClient>, Clients> cookies_{};
    TxCounters counters_;
    std::array<TxClientCounters, Clients> client_counters_{};
    std::uint64_t returned_ = 0; // clients given buffers back in this pass
};

} // namespace kaal::services::net
