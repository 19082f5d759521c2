// SPDX-License-Identifier: BSD-2-Clause
// LwipStack on the host over real network queues in host memory. The test plays both
// virtualisers (it fills receive buffers and drains transmit ones, signalling and expecting
// signals only as the ring protocol says) and the host at the other end of the wire: it builds
// and checks Ethernet, ARP, IPv4, ICMP, UDP and TCP byte by byte, with its own checksums
// (RFC 1071), so lwIP is checked against the RFCs rather than against itself.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <kaal/core/siphash.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/platform/mock/channel_ops.hpp>
#include <kaal/platform/mock/host_region.hpp>
#include <kaal/services/net/lwip_stack.hpp>
#include <kaal/services/time/counter.hpp>

#include "lwip/pbuf.h"
#include "lwip/tcp.h"

namespace {

using namespace kaal;
using dddk::net::buffer_bytes;
using dddk::net::MacAddress;
using dddk::net::NetQueue;
using ipc::BufferDescriptor;
using services::net::Ipv4Address;
using services::net::LwipStack;
using services::net::LwipStackWiring;

using Bytes = std::vector<std::uint8_t>;

constexpr Channel rx_channel{4};
constexpr Channel tx_channel{5};
constexpr std::uint32_t rx_buffers = 128; // more than a receive batch (64)
constexpr std::uint32_t tx_buffers = 16;
constexpr std::size_t rx_data_bytes = std::size_t{rx_buffers} * buffer_bytes;
constexpr std::size_t tx_data_bytes = std::size_t{tx_buffers} * buffer_bytes;

const MacAddress stack_mac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
const MacAddress peer_mac{{0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc}};
const MacAddress broadcast_mac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
constexpr Ipv4Address stack_ip{10, 0, 2, 15};
constexpr Ipv4Address peer_ip{10, 0, 2, 2};
constexpr Ipv4Address netmask{255, 255, 255, 0};

constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_arp = 0x0806;
constexpr std::uint8_t proto_icmp = 1;
constexpr std::uint8_t proto_tcp = 6;
constexpr std::uint8_t proto_udp = 17;
constexpr std::uint8_t tcp_fin = 0x01;
constexpr std::uint8_t tcp_syn = 0x02;
constexpr std::uint8_t tcp_rst = 0x04;
constexpr std::uint8_t tcp_psh = 0x08;
constexpr std::uint8_t tcp_ack = 0x10;
constexpr std::uint16_t echo_port = 7;
constexpr std::uint16_t peer_port = 40000;

// ---- bytes on the wire -------------------------------------------------------------------

void put16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 16));
    put16(b, static_cast<std::uint16_t>(v));
}
template <typename Range>
void append(Bytes& b, const Range& r) {
    b.insert(b.end(), r.begin(), r.end());
}
std::uint16_t get16(const Bytes& b, std::size_t at) {
    return static_cast<std::uint16_t>((b.at(at) << 8) | b.at(at + 1));
}
std::uint32_t get32(const Bytes& b, std::size_t at) {
    return (std::uint32_t{get16(b, at)} << 16) | get16(b, at + 2);
}

// The Internet checksum's one's-complement sum (RFC 1071 section 4.1), not yet complemented.
std::uint32_t sum16(const std::uint8_t* data, std::size_t length, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < length; i += 2) {
        sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
    }
    if (length % 2 != 0) {
        sum += static_cast<std::uint32_t>(data[length - 1] << 8);
    }
    return sum;
}
std::uint16_t fold(std::uint32_t sum) {
    while ((sum >> 16) != 0) {
        sum = (sum & 0xffffU) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(sum);
}
std::uint16_t checksum(const std::uint8_t* data, std::size_t length, std::uint32_t sum = 0) {
    return static_cast<std::uint16_t>(~fold(sum16(data, length, sum)));
}
// The TCP and UDP pseudo-header (RFC 9293 section 3.1, RFC 768).
std::uint32_t pseudo_header(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t proto,
                            std::size_t length) {
    Bytes b;
    append(b, src);
    append(b, dst);
    b.push_back(0);
    b.push_back(proto);
    put16(b, static_cast<std::uint16_t>(length));
    return sum16(b.data(), b.size());
}

Bytes ethernet(const MacAddress& to, const MacAddress& from, std::uint16_t type,
               const Bytes& payload) {
    Bytes f;
    append(f, to.bytes);
    append(f, from.bytes);
    put16(f, type);
    append(f, payload);
    return f;
}

// RFC 826, for IPv4 over Ethernet.
Bytes arp(std::uint16_t op, const MacAddress& sha, const Ipv4Address& spa, const MacAddress& tha,
          const Ipv4Address& tpa) {
    Bytes a;
    put16(a, 1); // hardware: Ethernet
    put16(a, ethertype_ipv4);
    a.push_back(6);
    a.push_back(4);
    put16(a, op);
    append(a, sha.bytes);
    append(a, spa);
    append(a, tha.bytes);
    append(a, tpa);
    return a;
}

// RFC 791: a 20-byte header without options, don't fragment, TTL 64.
Bytes ipv4(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t proto,
           const Bytes& payload) {
    static std::uint16_t id = 0x1000;
    Bytes h;
    h.push_back(0x45);
    h.push_back(0);
    put16(h, static_cast<std::uint16_t>(20 + payload.size()));
    put16(h, id++);
    put16(h, 0x4000);
    h.push_back(64);
    h.push_back(proto);
    put16(h, 0);
    append(h, src);
    append(h, dst);
    const std::uint16_t sum = checksum(h.data(), h.size());
    h[10] = static_cast<std::uint8_t>(sum >> 8);
    h[11] = static_cast<std::uint8_t>(sum);
    append(h, payload);
    return h;
}

// RFC 792: echo (8) or echo reply (0).
Bytes icmp_echo(std::uint8_t type, std::uint16_t id, std::uint16_t seq, const Bytes& data) {
    Bytes m{type, 0, 0, 0};
    put16(m, id);
    put16(m, seq);
    append(m, data);
    const std::uint16_t sum = checksum(m.data(), m.size());
    m[2] = static_cast<std::uint8_t>(sum >> 8);
    m[3] = static_cast<std::uint8_t>(sum);
    return m;
}

struct TcpSegment {
    std::uint16_t src_port = peer_port;
    std::uint16_t dst_port = echo_port;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0xffff;
    Bytes options{};
    Bytes data{};
};

// RFC 9293 section 3.1, the checksum over the pseudo-header from the peer to the stack.
Bytes tcp(const TcpSegment& s) {
    Bytes t;
    put16(t, s.src_port);
    put16(t, s.dst_port);
    put32(t, s.seq);
    put32(t, s.ack);
    t.push_back(static_cast<std::uint8_t>(((20 + s.options.size()) / 4) << 4));
    t.push_back(s.flags);
    put16(t, s.window);
    put16(t, 0);
    put16(t, 0);
    append(t, s.options);
    append(t, s.data);
    const std::uint16_t sum =
        checksum(t.data(), t.size(), pseudo_header(peer_ip, stack_ip, proto_tcp, t.size()));
    t[16] = static_cast<std::uint8_t>(sum >> 8);
    t[17] = static_cast<std::uint8_t>(sum);
    return t;
}

Bytes peer_to_stack(std::uint8_t proto, const Bytes& payload) {
    return ethernet(stack_mac, peer_mac, ethertype_ipv4, ipv4(peer_ip, stack_ip, proto, payload));
}

// A frame the stack sent, taken apart as far as the test needs, with every checksum checked.
struct Parsed {
    std::uint16_t ethertype = 0;
    std::uint8_t proto = 0;
    Ipv4Address src{};
    Ipv4Address dst{};
    Bytes l4; // the IPv4 payload
};

Parsed parse(const Bytes& f) {
    Parsed p;
    EXPECT_GE(f.size(), 14U);
    EXPECT_TRUE(std::equal(stack_mac.bytes.begin(), stack_mac.bytes.end(), f.begin() + 6))
        << "every frame leaves from the stack's own MAC";
    p.ethertype = get16(f, 12);
    if (p.ethertype != ethertype_ipv4) {
        return p;
    }
    const std::size_t ihl = std::size_t{f.at(14) & 0xfU} * 4U;
    EXPECT_EQ(f.at(14) >> 4, 4);
    EXPECT_EQ(checksum(f.data() + 14, ihl), 0) << "IPv4 header checksum";
    const std::size_t total = get16(f, 16);
    EXPECT_EQ(f.size(), 14 + total) << "no padding after the datagram";
    p.proto = f.at(23);
    std::copy_n(f.begin() + 26, 4, p.src.begin());
    std::copy_n(f.begin() + 30, 4, p.dst.begin());
    p.l4.assign(f.begin() + static_cast<std::ptrdiff_t>(14 + ihl),
                f.begin() + static_cast<std::ptrdiff_t>(14 + total));
    if (p.proto == proto_tcp || (p.proto == proto_udp && get16(p.l4, 6) != 0)) {
        EXPECT_EQ(
            checksum(p.l4.data(), p.l4.size(), pseudo_header(p.src, p.dst, p.proto, p.l4.size())),
            0)
            << "TCP/UDP checksum with the pseudo-header";
    }
    if (p.proto == proto_icmp) {
        EXPECT_EQ(checksum(p.l4.data(), p.l4.size()), 0) << "ICMP checksum";
    }
    return p;
}

struct ParsedTcp {
    std::uint16_t src_port, dst_port;
    std::uint32_t seq, ack;
    std::uint8_t flags;
    Bytes options{};
    Bytes data{};
};

std::optional<ParsedTcp> parse_tcp(const Bytes& f) {
    const Parsed p = parse(f);
    if (p.ethertype != ethertype_ipv4 || p.proto != proto_tcp) {
        return std::nullopt;
    }
    const std::size_t offset = std::size_t{p.l4.at(12)} >> 4U << 2U;
    return ParsedTcp{get16(p.l4, 0),
                     get16(p.l4, 2),
                     get32(p.l4, 4),
                     get32(p.l4, 8),
                     p.l4.at(13),
                     Bytes(p.l4.begin() + 20, p.l4.begin() + static_cast<std::ptrdiff_t>(offset)),
                     Bytes(p.l4.begin() + static_cast<std::ptrdiff_t>(offset), p.l4.end())};
}

// ---- a tiny echo server on lwIP's raw API ---------------------------------------------------

struct EchoServer {
    tcp_pcb* listener = nullptr;
    tcp_pcb* connection = nullptr;

    void listen() {
        listener = tcp_new();
        ASSERT_NE(listener, nullptr);
        ASSERT_EQ(tcp_bind(listener, IP4_ADDR_ANY, echo_port), ERR_OK);
        listener = tcp_listen(listener);
        ASSERT_NE(listener, nullptr);
        tcp_arg(listener, this);
        tcp_accept(listener, accepted);
    }
    void close() {
        if (connection != nullptr) {
            tcp_abort(connection); // calls errored, which forgets it
        }
        if (listener != nullptr) {
            EXPECT_EQ(tcp_close(listener), ERR_OK);
            listener = nullptr;
        }
    }

    static err_t accepted(void* arg, tcp_pcb* pcb, err_t err) {
        auto* self = static_cast<EchoServer*>(arg);
        EXPECT_EQ(err, ERR_OK);
        self->connection = pcb;
        tcp_arg(pcb, self);
        tcp_recv(pcb, received);
        tcp_err(pcb, errored);
        return ERR_OK;
    }
    static err_t received(void* arg, tcp_pcb* pcb, pbuf* p, err_t err) {
        EXPECT_EQ(err, ERR_OK);
        if (p == nullptr) { // the peer closed
            static_cast<EchoServer*>(arg)->connection = nullptr;
            tcp_arg(pcb, nullptr);
            tcp_err(pcb, nullptr);
            return tcp_close(pcb);
        }
        for (const pbuf* q = p; q != nullptr; q = q->next) {
            EXPECT_EQ(tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY), ERR_OK);
        }
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    static void errored(void* arg, err_t /*err*/) {
        if (arg != nullptr) {
            static_cast<EchoServer*>(arg)->connection = nullptr;
        }
    }
};

// ---- the fixture: the stack, its queues, and the test as both virtualisers -----------------

template <std::size_t Bytes>
using Region = mock::HostRegion<Bytes>;

class LwipStackTest : public ::testing::Test {
protected:
    void SetUp() override {
        pd_.name = "net client";
        pd_.notifications = (Word{1} << rx_channel.id()) | (Word{1} << tx_channel.id());
        pd_.on_notify = [this](Channel ch) {
            if (ch == rx_channel) {
                ++rx_signals_;
            } else if (ch == tx_channel) {
                ++tx_signals_;
            }
        };
    }
    void TearDown() override {
        if (stack_ != nullptr) {
            echo_.close();
            stack_->stop();
        }
    }

    void start(bool dhcp = false, const kaal::SipHashKey& isn_key = {}) {
        const LwipStackWiring wiring{
            rx_queue_->address(),
            rx_data_->address(),
            rx_data_->bytes.size(),
            tx_queue_->address(),
            tx_data_->address(),
            tx_data_->bytes.size(),
            rx_channel,
            tx_channel,
            {stack_mac, stack_ip, netmask, peer_ip, dhcp},
            isn_key,
        };
        // The TX virtualiser found its active ring empty and asked to be woken, as it does
        // before it first sleeps.
        ASSERT_TRUE(tx_virt_.active().consumer_may_sleep());
        auto started = LwipStack::start(wiring);
        ASSERT_TRUE(started.ok()) << to_string(started.error());
        stack_ = *started;
        startup_frames_ = take_sent();
    }

    // The RX virtualiser: one frame into a free buffer, then the client's channel.
    void deliver(const Bytes& frame) {
        auto buffer = rx_virt_.free().pop();
        ASSERT_TRUE(buffer.ok()) << "the stack keeps the virtualiser supplied with buffers";
        ASSERT_EQ(buffer->length, buffer_bytes);
        deliver_in(*buffer, frame);
    }
    void deliver_in(const BufferDescriptor& buffer, const Bytes& frame) {
        std::memcpy(rx_data_->bytes.data() + buffer.offset, frame.data(), frame.size());
        deliver_descriptor(
            {buffer.offset, static_cast<std::uint32_t>(frame.size()), buffer.cookie});
    }
    void deliver_descriptor(const BufferDescriptor& desc) {
        ASSERT_TRUE(rx_virt_.active().push(desc).ok());
        if (rx_virt_.active().consumer_needs_signal()) {
            ASSERT_TRUE(stack_->notified(rx_channel));
        }
    }

    // The TX virtualiser: every frame the stack queued; the buffers go back unless `keep`.
    std::vector<Bytes> take_sent(bool keep = false) {
        std::vector<Bytes> frames;
        do {
            while (auto desc = tx_virt_.active().pop()) {
                EXPECT_EQ(desc->offset % buffer_bytes, 0U);
                EXPECT_LE(desc->length, dddk::net::max_frame_bytes);
                const auto* at = tx_data_->bytes.data() + desc->offset;
                frames.emplace_back(at, at + desc->length);
                if (keep) {
                    kept_.push_back(*desc);
                } else {
                    give_back({desc->offset, buffer_bytes, desc->cookie});
                }
            }
        } while (!tx_virt_.active().consumer_may_sleep());
        return frames;
    }
    void give_back(const BufferDescriptor& desc) {
        EXPECT_TRUE(tx_virt_.free().push(desc).ok());
        if (tx_virt_.free().consumer_needs_signal()) {
            EXPECT_TRUE(stack_->notified(tx_channel));
        }
    }
    void give_back_kept() {
        for (const BufferDescriptor& desc : kept_) {
            EXPECT_TRUE(tx_virt_.free().push({desc.offset, buffer_bytes, desc.cookie}).ok());
        }
        kept_.clear();
        if (tx_virt_.free().consumer_needs_signal()) {
            ++tx_free_signals_requested_;
            EXPECT_TRUE(stack_->notified(tx_channel));
        }
    }

    // The peer host: what the stack sent, after answering its ARP requests for the peer (which
    // lwIP makes before its first datagram to an address it has not resolved).
    std::vector<Bytes> exchange(bool keep = false) {
        std::vector<Bytes> out;
        for (;;) {
            const auto frames = take_sent(keep);
            if (frames.empty()) {
                return out;
            }
            for (const Bytes& f : frames) {
                if (get16(f, 12) == ethertype_arp && get16(f, 20) == 1) {
                    EXPECT_EQ(Bytes(f.begin() + 38, f.begin() + 42),
                              Bytes(peer_ip.begin(), peer_ip.end()));
                    deliver(ethernet(stack_mac, peer_mac, ethertype_arp,
                                     arp(2, peer_mac, peer_ip, stack_mac, stack_ip)));
                } else {
                    out.push_back(f);
                }
            }
        }
    }

    Bytes ping(std::uint16_t seq, bool keep = false) {
        const Bytes data{'k', 'a', 'a', 'L', static_cast<std::uint8_t>(seq)};
        deliver(peer_to_stack(proto_icmp, icmp_echo(8, 0x4b41, seq, data)));
        const auto frames = exchange(keep);
        if (frames.size() != 1) {
            return {};
        }
        return frames.front();
    }
    void expect_echo_reply(const Bytes& frame, std::uint16_t seq) {
        ASSERT_FALSE(frame.empty()) << "an echo reply for sequence " << seq;
        EXPECT_TRUE(std::equal(peer_mac.bytes.begin(), peer_mac.bytes.end(), frame.begin()));
        const Parsed p = parse(frame);
        EXPECT_EQ(p.proto, proto_icmp);
        EXPECT_EQ(p.src, stack_ip);
        EXPECT_EQ(p.dst, peer_ip);
        const Bytes data{'k', 'a', 'a', 'L', static_cast<std::uint8_t>(seq)};
        EXPECT_EQ(p.l4, icmp_echo(0, 0x4b41, seq, data)) << "RFC 792: the request, type 0";
    }

    // A TCP handshake with the echo server; returns the stack's next sequence number.
    std::uint32_t connect(std::uint32_t client_isn) {
        echo_.listen();
        // MSS option (RFC 9293 section 3.2): kind 2, length 4, 1460.
        deliver(peer_to_stack(
            proto_tcp, tcp({.seq = client_isn, .flags = tcp_syn, .options = {2, 4, 0x05, 0xb4}})));
        const auto replies = exchange();
        EXPECT_EQ(replies.size(), 1U);
        if (replies.empty()) {
            return 0;
        }
        const auto synack = parse_tcp(replies.front());
        EXPECT_TRUE(synack.has_value());
        if (!synack) {
            return 0;
        }
        EXPECT_EQ(synack->flags, tcp_syn | tcp_ack);
        EXPECT_EQ(synack->src_port, echo_port);
        EXPECT_EQ(synack->dst_port, peer_port);
        EXPECT_EQ(synack->ack, client_isn + 1);
        deliver(peer_to_stack(
            proto_tcp, tcp({.seq = client_isn + 1, .ack = synack->seq + 1, .flags = tcp_ack})));
        EXPECT_TRUE(exchange().empty()) << "nothing to answer a bare ACK with";
        EXPECT_NE(echo_.connection, nullptr) << "the server accepted";
        return synack->seq + 1;
    }

    mock::ProtectionDomain pd_;
    mock::ScopedPd scope_{pd_};
    std::unique_ptr<Region<dddk::net::queue_region_bytes>> rx_queue_ =
        std::make_unique<Region<dddk::net::queue_region_bytes>>();
    std::unique_ptr<Region<dddk::net::queue_region_bytes>> tx_queue_ =
        std::make_unique<Region<dddk::net::queue_region_bytes>>();
    std::unique_ptr<Region<rx_data_bytes>> rx_data_ = std::make_unique<Region<rx_data_bytes>>();
    std::unique_ptr<Region<tx_data_bytes>> tx_data_ = std::make_unique<Region<tx_data_bytes>>();
    NetQueue rx_virt_ = *dddk::net::attach_queue(rx_queue_->address());
    NetQueue tx_virt_ = *dddk::net::attach_queue(tx_queue_->address());
    LwipStack* stack_ = nullptr;
    EchoServer echo_;
    std::vector<BufferDescriptor> kept_;
    std::vector<Bytes> startup_frames_; // what the stack sent as it started
    int rx_signals_ = 0;
    int tx_signals_ = 0;
    int tx_free_signals_requested_ = 0;
};

// ---- start -----------------------------------------------------------------------------

TEST_F(LwipStackTest, StartPostsEveryReceiveBufferAndHasItsAddress) {
    start();
    EXPECT_TRUE(stack_->has_address());
    EXPECT_EQ(stack_->address(), stack_ip);
    EXPECT_NE(stack_->interface(), nullptr);
    EXPECT_EQ(rx_virt_.free().available(), rx_buffers);
    for (std::uint32_t i = 0; i < rx_buffers; ++i) {
        const auto desc = rx_virt_.free().pop();
        ASSERT_TRUE(desc.ok());
        EXPECT_EQ(desc->offset, std::uint64_t{i} * buffer_bytes);
        EXPECT_EQ(desc->length, buffer_bytes);
    }
    EXPECT_EQ(tx_signals_, 1);
    // An ARP announcement of its fixed address (RFC 5227 section 3: a request with the address
    // as both sender and target, and a zero target hardware address), and nothing else.
    const MacAddress zero{};
    ASSERT_EQ(startup_frames_.size(), 1U);
    EXPECT_EQ(startup_frames_.front(), ethernet(broadcast_mac, stack_mac, ethertype_arp,
                                                arp(1, stack_mac, stack_ip, zero, stack_ip)));
    EXPECT_TRUE(take_sent().empty());
}

TEST_F(LwipStackTest, StartRefusesASecondStackAndBadWiring) {
    start();
    const LwipStackWiring again{
        rx_queue_->address(), rx_data_->address(), rx_data_->bytes.size(),
        tx_queue_->address(), tx_data_->address(), tx_data_->bytes.size(),
        rx_channel,           tx_channel,          {stack_mac, stack_ip, netmask, peer_ip, false},
    };
    EXPECT_EQ(LwipStack::start(again).error(), Error::busy);
    stack_->stop();
    stack_ = nullptr;

    LwipStackWiring bad = again;
    bad.tx = rx_channel;
    EXPECT_EQ(LwipStack::start(bad).error(), Error::invalid_argument);
    bad = again;
    bad.rx_queue += 8; // not page-aligned: not a region the tool mapped
    EXPECT_EQ(LwipStack::start(bad).error(), Error::invalid_argument);
    bad = again;
    bad.tx_data_size = buffer_bytes - 1;
    EXPECT_EQ(LwipStack::start(bad).error(), Error::invalid_argument);
}

// ---- ARP -------------------------------------------------------------------------------

TEST_F(LwipStackTest, AnswersAnArpRequestForItsAddress) {
    start();
    const MacAddress unknown{};
    deliver(ethernet(broadcast_mac, peer_mac, ethertype_arp,
                     arp(1, peer_mac, peer_ip, unknown, stack_ip)));
    EXPECT_EQ(tx_signals_, 2) << "the TX virtualiser asked to be woken after each drain";
    const auto frames = take_sent();
    ASSERT_EQ(frames.size(), 1U);
    // RFC 826 "Packet Reception": swap sender and target, fill in our hardware address, opcode
    // reply; sent to the requester alone. 42 bytes, unpadded.
    const Bytes expected = ethernet(peer_mac, stack_mac, ethertype_arp,
                                    arp(2, stack_mac, stack_ip, peer_mac, peer_ip));
    ASSERT_EQ(expected.size(), 42U);
    EXPECT_EQ(frames.front(), expected);
    EXPECT_EQ(stack_->counters().rx_frames, 1U);
    EXPECT_EQ(stack_->counters().rx_bytes, 42U);
    EXPECT_EQ(stack_->counters().tx_frames, 2U) << "the announcement and the reply";
    EXPECT_EQ(stack_->counters().tx_bytes, 84U);
}

TEST_F(LwipStackTest, IgnoresAnArpRequestForAnotherAddress) {
    start();
    const MacAddress unknown{};
    deliver(ethernet(broadcast_mac, peer_mac, ethertype_arp,
                     arp(1, peer_mac, peer_ip, unknown, {10, 0, 2, 99})));
    EXPECT_TRUE(take_sent().empty());
    EXPECT_EQ(stack_->counters().rx_frames, 1U);
}

TEST_F(LwipStackTest, ReturnsEachReceiveBufferAndSignalsTheVirtualiserOnlyWhenAsked) {
    start();
    // The virtualiser takes every buffer, finds the free ring empty and asks to be woken.
    std::vector<BufferDescriptor> held;
    while (auto desc = rx_virt_.free().pop()) {
        held.push_back(*desc);
    }
    ASSERT_EQ(held.size(), rx_buffers);
    ASSERT_TRUE(rx_virt_.free().consumer_may_sleep());
    const MacAddress unknown{};
    const Bytes request = ethernet(broadcast_mac, peer_mac, ethertype_arp,
                                   arp(1, peer_mac, peer_ip, unknown, {10, 0, 2, 99}));
    deliver_in(held[0], request);
    deliver_in(held[1], request);
    EXPECT_EQ(rx_signals_, 1) << "one signal: the virtualiser asked once";
    EXPECT_EQ(rx_virt_.free().available(), 2U);
    EXPECT_EQ(rx_virt_.free().pop()->offset, held[0].offset);
}

TEST_F(LwipStackTest, TakesAFloodInBatchesAndLeavesTheRingEmpty) {
    start();
    std::vector<BufferDescriptor> held;
    while (auto desc = rx_virt_.free().pop()) {
        held.push_back(*desc);
    }
    ASSERT_TRUE(rx_virt_.free().consumer_may_sleep());
    const MacAddress unknown{};
    const Bytes request = ethernet(broadcast_mac, peer_mac, ethertype_arp,
                                   arp(1, peer_mac, peer_ip, unknown, {10, 0, 2, 99}));
    // Every buffer filled before the client runs, and one signal for the lot.
    for (const BufferDescriptor& buffer : held) {
        std::memcpy(rx_data_->bytes.data() + buffer.offset, request.data(), request.size());
        ASSERT_TRUE(
            rx_virt_.active()
                .push({buffer.offset, static_cast<std::uint32_t>(request.size()), buffer.cookie})
                .ok());
    }
    ASSERT_TRUE(rx_virt_.active().consumer_needs_signal());
    ASSERT_TRUE(stack_->notified(rx_channel));
    EXPECT_EQ(stack_->counters().rx_frames, rx_buffers);
    EXPECT_EQ(rx_virt_.free().available(), rx_buffers) << "every buffer back";
    EXPECT_EQ(rx_signals_, 1) << "after the first batch, the one the virtualiser asked for";
    EXPECT_EQ(rx_virt_.active().free_slots(), dddk::net::queue_capacity) << "all taken";
    // And it asked to be woken for the next frame before it returned.
    ASSERT_TRUE(rx_virt_.active().push({held[0].offset, 0, 0}).ok());
    EXPECT_TRUE(rx_virt_.active().consumer_needs_signal());
}

// ---- ICMP ------------------------------------------------------------------------------

TEST_F(LwipStackTest, RepliesToAnEchoRequest) {
    start();
    expect_echo_reply(ping(1), 1);
    expect_echo_reply(ping(2), 2); // the peer's address is resolved now: no ARP
    EXPECT_EQ(stack_->counters().tx_dropped, 0U);
    EXPECT_EQ(stack_->counters().rx_dropped, 0U);
}

TEST_F(LwipStackTest, DropsAFrameWithABadIpChecksum) {
    start();
    Bytes frame = peer_to_stack(proto_icmp, icmp_echo(8, 0x4b41, 1, {1, 2, 3}));
    frame[24] ^= 0x01U; // the IPv4 header checksum
    deliver(frame);
    EXPECT_TRUE(exchange().empty()) << "checked in software (CHECKSUM_CHECK_IP)";
}

// ---- TCP -------------------------------------------------------------------------------

TEST_F(LwipStackTest, EchoesDataOverATcpConnection) {
    start();
    constexpr std::uint32_t isn = 0x10000000;
    const std::uint32_t server_seq = connect(isn);
    ASSERT_NE(echo_.connection, nullptr);

    const std::string text = "hello from the other end of the queue";
    const Bytes data(text.begin(), text.end());
    deliver(peer_to_stack(
        proto_tcp,
        tcp({.seq = isn + 1, .ack = server_seq, .flags = tcp_psh | tcp_ack, .data = data})));
    const auto replies = exchange();
    ASSERT_EQ(replies.size(), 1U) << "the echo, carrying the ACK of the data";
    const auto echo = parse_tcp(replies.front());
    ASSERT_TRUE(echo.has_value());
    EXPECT_EQ(echo->seq, server_seq);
    EXPECT_EQ(echo->ack, isn + 1 + data.size());
    EXPECT_TRUE((echo->flags & tcp_ack) != 0);
    EXPECT_EQ(echo->data, data);

    // The peer closes; the server closes its side too (the recv callback's NULL pbuf).
    const auto after_echo = static_cast<std::uint32_t>(server_seq + data.size());
    const auto peer_fin = static_cast<std::uint32_t>(isn + 1 + data.size());
    deliver(peer_to_stack(proto_tcp,
                          tcp({.seq = peer_fin, .ack = after_echo, .flags = tcp_fin | tcp_ack})));
    bool fin_seen = false;
    for (const Bytes& f : exchange()) {
        const auto seg = parse_tcp(f);
        ASSERT_TRUE(seg.has_value());
        EXPECT_EQ(seg->flags & tcp_rst, 0);
        EXPECT_EQ(seg->ack, peer_fin + 1) << "the FIN takes one sequence number";
        fin_seen = fin_seen || (seg->flags & tcp_fin) != 0;
    }
    EXPECT_TRUE(fin_seen);
    EXPECT_EQ(echo_.connection, nullptr);
}

// RFC 6528 section 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a
// 4 us timer. With the key known, the test computes F itself, so the ISN the stack chose must
// lie within the M of the connection's start: lwIP's own numbers (a counter plus its ticks)
// would not.
TEST_F(LwipStackTest, ChoosesItsInitialSequenceNumberAsRfc6528Says) {
    const kaal::SipHashKey key{0x4b, 0x61, 0x61, 0x4c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    start(false, key);
    const auto m = [] {
        return static_cast<std::uint32_t>(kaal::services::time::read_counter() / 4000);
    };
    std::array<std::uint8_t, 12> tuple{};
    std::copy(stack_ip.begin(), stack_ip.end(), tuple.begin());
    std::copy(peer_ip.begin(), peer_ip.end(), tuple.begin() + 4);
    tuple[8] = 0;
    tuple[9] = echo_port;
    tuple[10] = static_cast<std::uint8_t>(peer_port >> 8U);
    tuple[11] = static_cast<std::uint8_t>(peer_port & 0xffU);
    const auto f = static_cast<std::uint32_t>(kaal::siphash24(key, tuple));
    const std::uint32_t before = m();
    const std::uint32_t isn = connect(0x20000000) - 1;
    const std::uint32_t after = m();
    EXPECT_LE(static_cast<std::uint32_t>(isn - f - before), after - before)
        << "M + F for the connection's four values and the key";
}

TEST_F(LwipStackTest, RefusesAConnectionToAClosedPortWithAReset) {
    start();
    deliver(peer_to_stack(proto_tcp, tcp({.dst_port = 9, .seq = 77, .flags = tcp_syn})));
    const auto replies = exchange();
    ASSERT_EQ(replies.size(), 1U);
    const auto rst = parse_tcp(replies.front());
    ASSERT_TRUE(rst.has_value());
    // RFC 9293 section 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    EXPECT_EQ(rst->flags, tcp_rst | tcp_ack);
    EXPECT_EQ(rst->ack, 78U);
}

// ---- malformed input -------------------------------------------------------------------

TEST_F(LwipStackTest, CountsMalformedDescriptorsAndReturnsOnlyItsOwnBuffers) {
    start();
    std::vector<BufferDescriptor> held;
    while (auto desc = rx_virt_.free().pop()) {
        held.push_back(*desc);
    }
    const std::uint64_t region = rx_data_->bytes.size();

    deliver_descriptor({region + buffer_bytes, 60, 1}); // outside the region
    deliver_descriptor({region - 8, 60, 2});            // runs off its end
    deliver_descriptor({held[0].offset + 6, 60, 3});    // inside, not a buffer's start
    EXPECT_EQ(stack_->counters().bad_descriptors, 3U);
    EXPECT_EQ(rx_virt_.free().available(), 0U) << "none of those is a buffer to give back";

    deliver_descriptor({held[1].offset, 0, held[1].cookie});    // empty
    deliver_descriptor({held[2].offset, 1515, held[2].cookie}); // over 14 + 1500 bytes
    deliver_descriptor({held[3].offset, buffer_bytes * 2, held[3].cookie});
    EXPECT_EQ(stack_->counters().bad_descriptors, 6U);
    ASSERT_EQ(rx_virt_.free().available(), 3U) << "its own buffers go back, whole";
    for (const std::size_t i : {1U, 2U, 3U}) {
        const auto back = rx_virt_.free().pop();
        EXPECT_EQ(back->offset, held[i].offset);
        EXPECT_EQ(back->length, buffer_bytes);
    }
    EXPECT_EQ(stack_->counters().rx_frames, 0U);
    EXPECT_TRUE(take_sent().empty());

    // And the stack still works.
    const MacAddress unknown{};
    deliver_in(held[4], ethernet(broadcast_mac, peer_mac, ethertype_arp,
                                 arp(1, peer_mac, peer_ip, unknown, stack_ip)));
    EXPECT_EQ(stack_->counters().rx_frames, 1U);
    EXPECT_EQ(take_sent().size(), 1U);
}

TEST_F(LwipStackTest, DropsAFrameShorterThanAnEthernetHeader) {
    start();
    deliver(Bytes(13, 0xff));
    EXPECT_EQ(stack_->counters().rx_dropped, 1U);
    EXPECT_EQ(stack_->counters().bad_descriptors, 0U);
    EXPECT_EQ(stack_->counters().rx_frames, 0U);
    EXPECT_EQ(rx_virt_.free().available(), rx_buffers) << "the buffer came back";
    deliver(Bytes(14, 0xff)); // a header and nothing else: lwIP's to judge
    EXPECT_EQ(stack_->counters().rx_dropped, 1U);
    EXPECT_EQ(stack_->counters().rx_frames, 1U);
}

TEST_F(LwipStackTest, RefusesTransmitBuffersItDoesNotHaveOut) {
    start();
    give_back({0, buffer_bytes, 0});                // never sent
    give_back({tx_data_bytes, buffer_bytes, 1});    // beyond its buffers
    give_back({buffer_bytes + 4, buffer_bytes, 2}); // not a buffer's start
    ASSERT_TRUE(stack_->notified(tx_channel));
    EXPECT_EQ(stack_->counters().bad_descriptors, 3U);
    // Each buffer is still handed out once at a time: more pings than buffers, each answered.
    for (std::uint16_t seq = 1; seq <= tx_buffers + 1; ++seq) {
        expect_echo_reply(ping(seq), seq);
    }
    EXPECT_EQ(stack_->counters().tx_dropped, 0U);
}

// ---- transmit buffer exhaustion --------------------------------------------------------

TEST_F(LwipStackTest, CountsTxDropsWhenOutOfBuffersAndRecovers) {
    start();
    expect_echo_reply(ping(1), 1); // resolves the peer; its buffers come back
    // The TX virtualiser now keeps every buffer: the device is slow.
    for (std::uint16_t seq = 2; seq < 2 + tx_buffers; ++seq) {
        expect_echo_reply(ping(seq, true), seq);
    }
    EXPECT_EQ(stack_->counters().tx_dropped, 0U);
    EXPECT_TRUE(ping(100, true).empty()) << "no buffer for the reply";
    EXPECT_EQ(stack_->counters().tx_dropped, 1U);

    give_back_kept();
    EXPECT_EQ(tx_free_signals_requested_, 1) << "the stack asked to be told buffers came back";
    expect_echo_reply(ping(101), 101);
    EXPECT_EQ(stack_->counters().tx_dropped, 1U);
}

TEST_F(LwipStackTest, TcpSendsWhatItCouldNotAsSoonAsBuffersComeBack) {
    start();
    constexpr std::uint32_t isn = 0x20000000;
    const std::uint32_t server_seq = connect(isn);
    ASSERT_NE(echo_.connection, nullptr);
    for (std::uint16_t seq = 1; seq <= tx_buffers; ++seq) {
        expect_echo_reply(ping(seq, true), seq);
    }

    const Bytes data{'e', 'c', 'h', 'o'};
    deliver(peer_to_stack(
        proto_tcp,
        tcp({.seq = isn + 1, .ack = server_seq, .flags = tcp_psh | tcp_ack, .data = data})));
    EXPECT_TRUE(take_sent(true).empty());
    EXPECT_GE(stack_->counters().tx_dropped, 1U);

    // No timer has run (TCP's first retransmission is a second away, RFC 6298 2.1): the echo
    // goes out because the buffers came back.
    give_back_kept();
    const auto replies = take_sent();
    ASSERT_EQ(replies.size(), 1U);
    const auto echo = parse_tcp(replies.front());
    ASSERT_TRUE(echo.has_value());
    EXPECT_EQ(echo->seq, server_seq);
    EXPECT_EQ(echo->ack, isn + 1 + data.size());
    EXPECT_EQ(echo->data, data);
}

// ---- DHCP ------------------------------------------------------------------------------

TEST_F(LwipStackTest, WithDhcpItBroadcastsADiscoverAndHasNoAddressYet) {
    start(true);
    EXPECT_FALSE(stack_->has_address());
    EXPECT_EQ(stack_->address(), (Ipv4Address{0, 0, 0, 0}));
    const auto& frames = startup_frames_;
    ASSERT_EQ(frames.size(), 1U) << "the DISCOVER, and no announcement without an address";
    const Bytes& f = frames.front();
    EXPECT_TRUE(std::equal(broadcast_mac.bytes.begin(), broadcast_mac.bytes.end(), f.begin()));
    const Parsed p = parse(f);
    ASSERT_EQ(p.proto, proto_udp);
    EXPECT_EQ(p.src, (Ipv4Address{0, 0, 0, 0}));
    EXPECT_EQ(p.dst, (Ipv4Address{255, 255, 255, 255}));
    EXPECT_EQ(get16(p.l4, 0), 68); // RFC 2131 section 4.1: client port 68, server port 67
    EXPECT_EQ(get16(p.l4, 2), 67);
    const Bytes bootp(p.l4.begin() + 8, p.l4.end());
    ASSERT_GT(bootp.size(), 240U);
    EXPECT_EQ(bootp[0], 1); // BOOTREQUEST
    EXPECT_TRUE(std::equal(stack_mac.bytes.begin(), stack_mac.bytes.end(), bootp.begin() + 28))
        << "chaddr";
    EXPECT_EQ(get32(bootp, 236), 0x63825363U) << "RFC 2131 section 3: the magic cookie";
    // Option 53, DHCP message type, is DHCPDISCOVER (1) (RFC 2132 section 9.6).
    bool discover = false;
    for (std::size_t at = 240; at + 1 < bootp.size() && bootp[at] != 255;) {
        if (bootp[at] == 0) {
            ++at;
            continue;
        }
        if (bootp[at] == 53) {
            discover = bootp.at(at + 2) == 1;
        }
        at += 2U + bootp[at + 1];
    }
    EXPECT_TRUE(discover);
}

} // namespace
