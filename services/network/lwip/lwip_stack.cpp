// SPDX-License-Identifier: BSD-2-Clause
// lwIP's Ethernet interface over a client's network queues (kaal/services/net/lwip_stack.hpp).
//
// Received frames are copied into pool pbufs rather than wrapped in place (a PBUF_REF or custom
// pbuf over the receive buffer). A pbuf lwIP is given may be kept for as long as lwIP likes: out
// of order in TCP's reassembly queue, behind an ARP resolution, in a receive window the
// application has not read. Each buffer kept would be one the RX virtualiser cannot fill, and a
// slow connection would starve the others of receive buffers. The receive buffers are also
// written by another PD: a copy is what lwIP parses, so the virtualiser cannot change a frame
// under it. A copy of at most 1514 bytes costs little next to lwIP's own work on the frame.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>

#include <kaal/platform/channel.hpp>
#include <kaal/services/net/lwip_stack.hpp>

#include "arch/cc.h"
#include "kaal_lwip_hooks.h"
#include "lwip/dhcp.h"
#include "lwip/err.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h" // tcp_txnow
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

namespace kaal::services::net {
namespace {

using dddk::net::buffer_bytes;
using dddk::net::header_bytes;
using dddk::net::max_frame_bytes;

// Frames fed to lwIP before their buffers go back to the virtualiser and lwIP's timers run: a
// flood of frames neither holds every receive buffer nor stalls TCP's timers.
constexpr std::uint32_t rx_batch = 64;

static_assert(LwipStack::max_buffers <= 0x10000, "a buffer index fits the free list's u16");
static_assert(max_frame_bytes - header_bytes == 1500, "the interface's MTU");

// The one stack of this PD and its interface: lwIP's state is global, so is the stack's. Plain
// storage, so no global constructor or destructor runs (a PD has neither).
alignas(LwipStack) unsigned char stack_storage[sizeof(LwipStack)];
bool stack_running = false;
bool lwip_initialised = false;
::netif the_interface;

LwipStack& stack_of(::netif* interface) {
    return *static_cast<LwipStack*>(interface->state);
}

ip4_addr_t to_lwip(const Ipv4Address& address) {
    ip4_addr_t out{};
    // ip4_addr_t holds the address in network byte order: the bytes as written.
    std::memcpy(&out.addr, address.data(), address.size());
    return out;
}

std::uint32_t buffers_in(Word bytes) {
    return static_cast<std::uint32_t>(
        std::min<Word>(bytes / buffer_bytes, Word{LwipStack::max_buffers}));
}

ipc::BufferDescriptor buffer_descriptor(std::uint32_t index) {
    return {std::uint64_t{index} * buffer_bytes, buffer_bytes, index};
}

// The buffer a peer's descriptor names, if it is one of the first `count`: its offset must be a
// buffer's start. Its length is checked by the caller, against what the ring carries.
bool buffer_index(const ipc::BufferDescriptor& desc, std::uint32_t count, std::uint32_t& index) {
    if (desc.offset % buffer_bytes != 0 || desc.offset / buffer_bytes >= count) {
        return false;
    }
    index = static_cast<std::uint32_t>(desc.offset / buffer_bytes);
    return true;
}

} // namespace

LwipStack::LwipStack(const LwipStackWiring& wiring, const dddk::net::NetQueue& rx,
                     const dddk::net::NetQueue& tx)
    : rx_(rx), tx_(tx),
      // NOLINTNEXTLINE(performance-no-int-to-ptr): the tool mapped the buffers there
      rx_data_(reinterpret_cast<std::byte*>(wiring.rx_data), wiring.rx_data_size),
      // NOLINTNEXTLINE(performance-no-int-to-ptr): and these
      tx_data_(reinterpret_cast<std::byte*>(wiring.tx_data), wiring.tx_data_size),
      rx_channel_(wiring.rx), tx_channel_(wiring.tx), address_(wiring.address),
      rx_buffers_(buffers_in(wiring.rx_data_size)), tx_buffers_(buffers_in(wiring.tx_data_size)) {
    // Lowest index on top, so buffers are used from the start of the region.
    for (std::uint32_t i = tx_buffers_; i > 0; --i) {
        tx_free_[tx_free_count_++] = static_cast<std::uint16_t>(i - 1);
    }
}

Result<LwipStack*> LwipStack::start(const LwipStackWiring& wiring) {
    if (stack_running) {
        return Error::busy;
    }
    if (wiring.rx == wiring.tx || !wiring.rx.valid() || !wiring.tx.valid() || wiring.rx_data == 0 ||
        wiring.tx_data == 0 || wiring.rx_data_size < buffer_bytes ||
        wiring.tx_data_size < buffer_bytes) {
        return Error::invalid_argument;
    }
    KAAL_TRY(const auto rx, dddk::net::attach_queue(wiring.rx_queue));
    KAAL_TRY(const auto tx, dddk::net::attach_queue(wiring.tx_queue));
    if (!lwip_initialised) {
        // lwip_init draws the first ephemeral ports; the MAC makes them differ between clients.
        std::uint64_t seed = 0;
        std::memcpy(&seed, wiring.address.mac.bytes.data(), wiring.address.mac.bytes.size());
        kaal_lwip_rand_seed(seed);
        lwip_init();
        lwip_initialised = true;
    }
    // RFC 6528's secret: the description's, or, without one, drawn from the generator the MAC
    // and the counter seeded (lwip_stack.hpp says what that is worth).
    SipHashKey key = wiring.isn_key;
    if (std::all_of(key.begin(), key.end(), [](std::uint8_t b) { return b == 0; })) {
        for (std::size_t i = 0; i < key.size(); i += 4) {
            const std::uint32_t word = kaal_lwip_rand();
            std::memcpy(key.data() + i, &word, 4);
        }
    }
    kaal_lwip_isn_key(key.data());
    auto* stack = ::new (static_cast<void*>(stack_storage)) LwipStack(wiring, rx, tx);
    if (auto attached = stack->attach_interface(); !attached) {
        stack->~LwipStack();
        return attached.error();
    }
    stack_running = true;
    // Buffers first: the DHCP server's OFFER may come as soon as the DISCOVER is out, and the
    // RX virtualiser drops a frame for a client with no buffer posted.
    stack->post_rx_buffers();
    if (auto dhcp = stack->start_dhcp(); !dhcp) {
        stack->stop();
        return dhcp.error();
    }
    return stack;
}

Status LwipStack::attach_interface() {
    const ip4_addr_t any{};
    const ip4_addr_t ip = address_.dhcp ? any : to_lwip(address_.ipv4);
    const ip4_addr_t netmask = address_.dhcp ? any : to_lwip(address_.netmask);
    const ip4_addr_t gateway = address_.dhcp ? any : to_lwip(address_.gateway);
    the_interface = ::netif{};
    if (netif_add(&the_interface, &ip, &netmask, &gateway, this, &LwipStack::init_interface,
                  ethernet_input) == nullptr) {
        return Error::not_enough_memory;
    }
    netif_ = &the_interface;
    netif_set_default(netif_);
    netif_set_up(netif_);
    // The virtual link is always up; lwIP sends nothing, not even DHCP, on a link that is down.
    netif_set_link_up(netif_);
    return {};
}

Status LwipStack::start_dhcp() {
    if (address_.dhcp && dhcp_start(netif_) != ERR_OK) {
        return Error::not_enough_memory;
    }
    return {};
}

std::int8_t LwipStack::init_interface(::netif* interface) {
    const LwipStack& self = stack_of(interface);
    interface->name[0] = 'e';
    interface->name[1] = 'n';
    interface->hwaddr_len = ETH_HWADDR_LEN;
    // Every frame lwIP sends carries this as its source (ethernet_output), which the TX
    // virtualiser checks.
    std::memcpy(interface->hwaddr, self.address_.mac.bytes.data(), ETH_HWADDR_LEN);
    interface->mtu = max_frame_bytes - header_bytes;
    interface->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    interface->output = etharp_output;
    interface->linkoutput = &LwipStack::link_output;
    return ERR_OK;
}

void LwipStack::stop() {
    if (address_.dhcp) {
        dhcp_release_and_stop(netif_);
        dhcp_cleanup(netif_);
    }
    // Takes the interface down first, which empties its ARP entries (netif_set_down).
    netif_remove(netif_);
    netif_ = nullptr;
    stack_running = false;
    this->~LwipStack();
}

bool LwipStack::notified(Channel ch) {
    bool ours = true;
    if (ch == rx_channel_) {
        receive();
    } else if (ch == tx_channel_) {
        reclaim_tx();
    } else {
        ours = false;
    }
    sys_check_timeouts();
    return ours;
}

void LwipStack::poll_timers() {
    sys_check_timeouts();
}

std::uint32_t LwipStack::next_timeout_ms() const {
    return sys_timeouts_sleeptime();
}

bool LwipStack::has_address() const {
    if (address_.dhcp) {
        return dhcp_supplied_address(netif_) != 0;
    }
    return !ip4_addr_isany_val(*netif_ip4_addr(netif_));
}

Ipv4Address LwipStack::address() const {
    Ipv4Address out{};
    const u32_t ip = ip4_addr_get_u32(netif_ip4_addr(netif_));
    std::memcpy(out.data(), &ip, out.size());
    return out;
}

void LwipStack::signal(Channel ch) {
    // Both channels were checked valid at start, and the composer wires both ends: a failure
    // would be a system the composer did not build, and there is no one to report it to from
    // inside lwIP's output path. The ring requests stay consumed either way.
    static_cast<void>(kaal::notify(ch));
}

// ---- receive ---------------------------------------------------------------------------------

void LwipStack::post_rx_buffers() {
    for (std::uint32_t i = 0; i < rx_buffers_; ++i) {
        return_rx_buffer(i);
    }
    if (rx_.free().consumer_needs_signal()) {
        signal(rx_channel_);
    }
    // Ends by asking the virtualiser for a signal on the first frame.
    receive();
}

void LwipStack::receive() {
    for (;;) {
        std::uint32_t handled = 0;
        for (; handled < rx_batch; ++handled) {
            auto desc = rx_.active().pop();
            if (!desc) {
                break;
            }
            receive_one(*desc);
        }
        if (handled != 0) {
            // Both are asked: each consumes its own request (room in the active ring, buffers
            // in the free ring), and one signal answers both.
            const bool room_wanted = rx_.active().producer_needs_signal();
            const bool buffers_wanted = rx_.free().consumer_needs_signal();
            if (room_wanted || buffers_wanted) {
                signal(rx_channel_);
            }
        }
        if (handled == rx_batch) {
            sys_check_timeouts();
            continue;
        }
        if (rx_.active().consumer_may_sleep()) {
            return;
        }
    }
}

void LwipStack::receive_one(const ipc::BufferDescriptor& desc) {
    std::uint32_t index = 0;
    const auto bytes = rx_data_.resolve(desc);
    // Not one of the stack's buffers: outside the region, or not at a buffer's start. There is
    // nothing to give back.
    if (!bytes || !buffer_index(desc, rx_buffers_, index)) {
        ++counters_.bad_descriptors;
        return;
    }
    if (desc.length == 0 || desc.length > max_frame_bytes) {
        ++counters_.bad_descriptors;
        return_rx_buffer(index);
        return;
    }
    if (desc.length < header_bytes) {
        ++counters_.rx_dropped;
        return_rx_buffer(index);
        return;
    }
    const auto length = static_cast<u16_t>(desc.length);
    ::pbuf* frame = pbuf_alloc(PBUF_RAW, length, PBUF_POOL);
    if (frame == nullptr) {
        ++counters_.rx_dropped;
        return_rx_buffer(index);
        return;
    }
    // pbuf_take fills a chain of pool pbufs; it fails only for a chain shorter than `length`,
    // which pbuf_alloc does not return.
    const err_t copied = pbuf_take(frame, bytes->data(), length);
    return_rx_buffer(index);
    if (copied != ERR_OK || netif_->input(frame, netif_) != ERR_OK) {
        pbuf_free(frame);
        ++counters_.rx_dropped;
        return;
    }
    ++counters_.rx_frames;
    counters_.rx_bytes += length;
}

void LwipStack::return_rx_buffer(std::uint32_t index) {
    // Cannot fail while the virtualiser keeps to the protocol: the ring has room for every
    // buffer (rx_buffers_ <= its capacity). One that hands a buffer in again and again can fill
    // it; the surplus returns are dropped, which costs that virtualiser only this client's
    // buffers.
    static_cast<void>(rx_.free().push(buffer_descriptor(index)));
}

// ---- transmit --------------------------------------------------------------------------------

std::int8_t LwipStack::link_output(::netif* interface, ::pbuf* frame) {
    return stack_of(interface).transmit(frame);
}

std::int8_t LwipStack::transmit(::pbuf* frame) {
    if (frame->tot_len > max_frame_bytes) {
        ++counters_.tx_dropped;
        return ERR_VAL;
    }
    const auto index = take_tx_buffer();
    if (!index) {
        // lwIP's TCP keeps the segment (TF_NAGLEMEMERR) and sends it again; reclaim_tx kicks
        // it as soon as buffers are back. ARP, ICMP and UDP are datagrams and may be lost.
        ++counters_.tx_dropped;
        tx_starved_ = true;
        return ERR_MEM;
    }
    const ipc::BufferDescriptor buffer = buffer_descriptor(*index);
    auto* data = tx_data_.base() + buffer.offset; // inside: index < tx_buffers_
    const u16_t length = pbuf_copy_partial(frame, data, frame->tot_len, 0);
    if (!tx_.active().push({buffer.offset, length, buffer.cookie})) {
        // Cannot happen, as with return_rx_buffer: no more than tx_buffers_ are ever in flight.
        tx_free_[tx_free_count_++] = static_cast<std::uint16_t>(*index);
        ++counters_.tx_dropped;
        return ERR_MEM;
    }
    tx_sent_[*index] = true;
    ++counters_.tx_frames;
    counters_.tx_bytes += length;
    if (tx_.active().consumer_needs_signal()) {
        signal(tx_channel_);
    }
    return ERR_OK;
}

Result<std::uint32_t> LwipStack::take_tx_buffer() {
    for (;;) {
        if (tx_free_count_ != 0) {
            return std::uint32_t{tx_free_[--tx_free_count_]};
        }
        // Sent buffers are taken back lazily, when the stack's own run out.
        bool popped = false;
        while (auto desc = tx_.free().pop()) {
            popped = true;
            take_back_tx(*desc);
        }
        if (popped) {
            if (tx_.free().producer_needs_signal()) {
                signal(tx_channel_);
            }
            continue;
        }
        // None: ask the virtualiser to signal when it returns one, and look once more, so the
        // signal cannot be missed (the consumer's half of ring_buffer.hpp's protocol: this
        // stack consumes tx.free()).
        if (tx_.free().consumer_may_sleep()) {
            return Error::queue_empty;
        }
    }
}

void LwipStack::reclaim_tx() {
    for (;;) {
        bool popped = false;
        while (auto desc = tx_.free().pop()) {
            popped = true;
            take_back_tx(*desc);
        }
        if (popped && tx_.free().producer_needs_signal()) {
            signal(tx_channel_);
        }
        if (!tx_starved_) {
            return;
        }
        if (tx_free_count_ != 0) {
            tx_starved_ = false;
            // Every TCP connection whose output failed sends now rather than at its next
            // retransmission timeout (lwIP's tcp_txnow, tcp_priv.h).
            tcp_txnow();
            return;
        }
        // Still none (the signal's request was used up): ask again, as take_tx_buffer does.
        if (tx_.free().consumer_may_sleep()) {
            return;
        }
    }
}

void LwipStack::take_back_tx(const ipc::BufferDescriptor& desc) {
    std::uint32_t index = 0;
    if (!buffer_index(desc, tx_buffers_, index) || !tx_sent_[index]) {
        ++counters_.bad_descriptors;
        return;
    }
    tx_sent_[index] = false;
    tx_free_[tx_free_count_++] = static_cast<std::uint16_t>(index);
}

} // namespace kaal::services::net
