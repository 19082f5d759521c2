// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/core/siphash.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/ipc/buffer_descriptor.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/platform/message.hpp>
#include <kaal/services/net/net_wiring.hpp>

// lwIP's interface (lwip/netif.h) and packet buffer (lwip/pbuf.h).
struct netif;
struct pbuf;

// A network client's own IP stack: lwIP 2.1.3 (services/network/lwip/README.md) over the
// client's two network queues (kaal/dddk/net_queue.hpp), one Ethernet interface with the
// composer's addresses. The application uses lwIP's raw API (tcp_new, udp_new, ...) directly,
// from its handlers: lwIP is not reentrant and a PD is one thread, so everything that touches
// lwIP runs in the PD's notified() or its periodic timeout.
//
//   auto stack = LwipStack::start(wiring);             // in init()
//   void notified(Channel ch) {
//       if ((*stack)->notified(ch)) return;            // frames in, sent buffers back
//       if (ch == config::time) time_->drain(...);     // and every ~100 ms: poll_timers()
//   }
//
// Frames are copied: each received frame into a pbuf, and the receive buffer goes straight back
// to the RX virtualiser; each sent frame out of lwIP's pbufs into a transmit buffer.
namespace kaal::services::net {

// What the composer's configuration gives a network client (the names kaal_config.hpp has).
struct LwipStackWiring {
    // The receive NetQueue region: the client consumes rx.active() and produces rx.free().
    Word rx_queue = 0;
    // The receive buffers, rx_data_size bytes, written by the RX virtualiser.
    Word rx_data = 0;
    Word rx_data_size = 0;
    // The transmit NetQueue region: the client produces tx.active() and consumes tx.free().
    Word tx_queue = 0;
    // The transmit buffers, tx_data_size bytes, which the client fills and the device reads.
    Word tx_data = 0;
    Word tx_data_size = 0;
    Channel rx{0}; // to the RX virtualiser
    Channel tx{0}; // to the TX virtualiser; start() refuses the two the same
    NetClientAddress address{};
    // The secret TCP's initial sequence numbers are keyed with (RFC 6528; kaal_lwip_hooks.h):
    // 16 bytes from an entropy source (kaal/services/entropy/entropy_client.hpp). All zero, the
    // stack makes one from the system counter and its MAC, which keeps its numbers apart from
    // other clients' and from its own earlier ones, but not secret from whoever knows when it
    // booted.
    SipHashKey isn_key{};
};

struct LwipStackCounters {
    std::uint64_t rx_frames;       // frames handed to lwIP
    std::uint64_t rx_bytes;        // their bytes
    std::uint64_t tx_frames;       // frames handed to the TX virtualiser
    std::uint64_t tx_bytes;        // their bytes
    std::uint64_t rx_dropped;      // runts (< 14 bytes), or no pbuf to copy a frame into
    std::uint64_t tx_dropped;      // no transmit buffer free, or a frame over 1514 bytes
    std::uint64_t bad_descriptors; // a peer's descriptor outside the region or not at a
                                   // buffer's start, a length of 0 or over 1514, or a transmit
                                   // buffer returned that the peer did not hold
};

class LwipStack {
public:
    // Buffers used per direction, at most: the queue's capacity, so every buffer fits in a ring.
    static constexpr std::uint32_t max_buffers = dddk::net::queue_capacity;

    // Once per PD (lwIP has global state): lwip_init the first time, the interface added with
    // the wiring's MAC, up and its link up, with the fixed IPv4 address or DHCP started. Every
    // receive buffer is posted on rx.free() and every transmit buffer becomes the stack's own.
    // Errors: invalid_argument (a region the tool did not patch, a data region smaller than a
    // buffer, rx and tx the same channel), busy (already started), not_enough_memory (lwIP
    // could not add the interface or start DHCP).
    static Result<LwipStack*> start(const LwipStackWiring& wiring);

    // Removes the interface (releasing a DHCP lease) and ends this stack: the pointer start()
    // gave is not to be used again, and start() may be called anew, over fresh (zeroed) queues:
    // the buffers the virtualisers hold are not taken back. lwIP itself stays initialised and
    // keeps its other state (the application's pcbs). For host tests, which start one stack per
    // test in one process.
    void stop();

    // rx: feeds every received frame to lwIP, in batches, returning each batch's buffers to the
    // RX virtualiser and signalling it if it asked; then asks for a signal and checks once more
    // (kaal/ipc/ring_buffer.hpp) before returning. tx: takes back sent buffers, and if lwIP ran
    // short of them, has TCP send what it could not. Always runs lwIP's timers too. Returns
    // whether `ch` is one of the stack's channels.
    bool notified(Channel ch);

    // Runs lwIP's due timers (sys_check_timeouts). Call it periodically: at least every
    // next_timeout_ms(), or every 100 ms for simplicity (TCP's fast timer is 250 ms).
    void poll_timers();
    // Milliseconds until lwIP's next timer is due (sys_timeouts_sleeptime), 0xffffffff if none:
    // for an application that arms its timeout exactly.
    [[nodiscard]] std::uint32_t next_timeout_ms() const;

    [[nodiscard]] const LwipStackCounters& counters() const { return counters_; }
    // A fixed address, or a DHCP lease that is bound.
    [[nodiscard]] bool has_address() const;
    // The interface's IPv4 address now (0.0.0.0 before DHCP binds).
    [[nodiscard]] Ipv4Address address() const;
    ::netif* interface() { return netif_; }

    LwipStack(const LwipStack&) = delete;
    LwipStack& operator=(const LwipStack&) = delete;
    LwipStack(LwipStack&&) = delete;
    LwipStack& operator=(LwipStack&&) = delete;
    ~LwipStack() = default;

private:
    LwipStack(const LwipStackWiring& wiring, const dddk::net::NetQueue& rx,
              const dddk::net::NetQueue& tx);

    // lwIP's callbacks: the interface's init function and its link output.
    static std::int8_t init_interface(::netif* interface);
    static std::int8_t link_output(::netif* interface, ::pbuf* frame);

    Status attach_interface();
    Status start_dhcp();
    void post_rx_buffers();
    void receive();
    void receive_one(const ipc::BufferDescriptor& desc);
    void return_rx_buffer(std::uint32_t index);
    void reclaim_tx();
    void take_back_tx(const ipc::BufferDescriptor& desc);
    Result<std::uint32_t> take_tx_buffer();
    std::int8_t transmit(::pbuf* frame);
    void signal(Channel ch);

    dddk::net::NetQueue rx_;
    dddk::net::NetQueue tx_;
    ipc::DataRegion rx_data_;
    ipc::DataRegion tx_data_;
    Channel rx_channel_;
    Channel tx_channel_;
    NetClientAddress address_;
    std::uint32_t rx_buffers_;
    std::uint32_t tx_buffers_;
    // The transmit buffers the TX virtualiser holds (pushed on tx.active(), not yet back). One
    // it returns that it does not hold is refused, so a peer returning a buffer twice cannot
    // make the stack hand it out twice, nor overflow tx_free_. Receive buffers need no such
    // record: each goes back to the RX virtualiser as soon as its frame is copied.
    std::array<bool, max_buffers> tx_sent_{};
    // The transmit buffers the stack holds, as a stack of indices.
    std::array<std::uint16_t, max_buffers> tx_free_{};
    std::uint32_t tx_free_count_ = 0;
    // A frame was dropped for want of a transmit buffer; TCP is kicked when some come back.
    bool tx_starved_ = false;
    LwipStackCounters counters_{};
    ::netif* netif_ = nullptr;
};

} // namespace kaal::services::net
