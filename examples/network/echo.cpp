// SPDX-License-Identifier: BSD-2-Clause
// echo: the Echo Protocol (RFC 862) on port 7, over TCP and UDP, on the component's own lwIP.
//
// TCP echoes with flow control: received bytes are acknowledged to the peer's window
// (tcp_recved) only once they are in the send buffer, so a peer that sends and never reads
// fills its own window and stops, and holds no more of this component's memory than that.
// Connections are reclaimable (tcp_connections.hpp), and one idle for `idle_limit` is closed:
// half-open connections cannot keep the port from others.
#include <array>
#include <cstddef>
#include <cstdint>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>
#include <lwip/udp.h>

#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"
#include "net_app.hpp"
#include "tcp_connections.hpp"

namespace {

using kaal::debug::print;

constexpr std::uint16_t echo_port = 7;
constexpr std::size_t max_connections = 64; // MEMP_NUM_TCP_PCB (services/network/lwip)
// tcp_poll's interval is in TCP coarse timer periods, two a second (TCP_SLOW_INTERVAL).
constexpr std::uint8_t poll_interval = 4; // 2 s
constexpr unsigned idle_limit = 15;       // polls: 30 s

struct Connection {
    tcp_pcb* pcb = nullptr;
    pbuf* pending = nullptr; // received, not yet in the send buffer
    unsigned idle_polls = 0;
    bool peer_closed = false;

    void reset() {
        if (pending != nullptr) {
            pbuf_free(pending);
        }
        *this = {};
    }
};

network_example::TcpConnections<Connection, max_connections> connections;

err_t finish(Connection& c) {
    return decltype(connections)::finish(c);
}

// As much of the pending bytes into the send buffer as fits; each byte taken is then
// acknowledged to the peer's window.
err_t flush(Connection& c) {
    while (c.pending != nullptr) {
        const auto room = tcp_sndbuf(c.pcb);
        const u16_t n = c.pending->len < room ? c.pending->len : room;
        if (n == 0) {
            break;
        }
        if (tcp_write(c.pcb, c.pending->payload, n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
            break; // out of segments: sent() comes back when some are acknowledged
        }
        tcp_recved(c.pcb, n);
        c.pending = pbuf_free_header(c.pending, n);
    }
    static_cast<void>(tcp_output(c.pcb));
    if (c.pending == nullptr && c.peer_closed) {
        return finish(c);
    }
    return ERR_OK;
}

err_t on_recv(void* arg, tcp_pcb* /*pcb*/, pbuf* p, err_t err) {
    auto& c = *static_cast<Connection*>(arg);
    c.idle_polls = 0;
    if (p == nullptr) {
        c.peer_closed = true; // its FIN: echo what is left, then close
        return flush(c);
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return err;
    }
    if (c.pending == nullptr) {
        c.pending = p;
    } else {
        pbuf_cat(c.pending, p);
    }
    return flush(c);
}

err_t on_sent(void* arg, tcp_pcb* /*pcb*/, u16_t /*len*/) {
    auto& c = *static_cast<Connection*>(arg);
    c.idle_polls = 0;
    return flush(c);
}

err_t on_poll(void* arg, tcp_pcb* /*pcb*/) {
    auto& c = *static_cast<Connection*>(arg);
    if (++c.idle_polls >= idle_limit) {
        return finish(c);
    }
    return flush(c);
}

err_t on_accept(void* /*arg*/, tcp_pcb* pcb, err_t err) {
    return connections.accept(pcb, err, {on_recv, on_sent, on_poll, poll_interval});
}

// A datagram goes back as it came: lwIP left room for the headers in front of its payload.
void on_datagram(void* /*arg*/, udp_pcb* pcb, pbuf* p, const ip_addr_t* from, u16_t port) {
    static_cast<void>(udp_sendto(pcb, p, from, port));
    pbuf_free(p);
}

class EchoPd {
public:
    void init() {
        if (!app_.start()) {
            return;
        }
        tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
        udp_pcb* udp = udp_new_ip_type(IPADDR_TYPE_V4);
        if (pcb == nullptr || udp == nullptr || tcp_bind(pcb, IP_ANY_TYPE, echo_port) != ERR_OK ||
            udp_bind(udp, IP_ANY_TYPE, echo_port) != ERR_OK) {
            print("echo: FAILED: cannot bind port 7\n");
            return;
        }
        tcp_pcb* listener = tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
        if (listener == nullptr) {
            print("echo: FAILED: cannot listen on port 7\n");
            return;
        }
        tcp_accept(listener, on_accept);
        udp_recv(udp, on_datagram, nullptr);
        app_.say_ready("port 7 (TCP and UDP)");
    }

    void notified(kaal::Channel ch) { static_cast<void>(app_.notified(ch)); }

private:
    network_example::NetApp app_;
};

} // namespace

KAAL_COMPONENT(EchoPd);
