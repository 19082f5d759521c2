// SPDX-License-Identifier: BSD-2-Clause
// http: an HTTP/1.1 server on port 80, on the component's own lwIP, serving one status page
// (uptime, frames and bytes through this component's stack, drops, connections), with
// persistent connections and several at once. Requests are parsed by
// kaal/services/net/http_request.hpp, which trusts nothing off the wire; a bad one gets 400 and
// the connection closes (RFC 9112 section 3), a head over 2 KiB gets 431 and closes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>
#include <string_view>

#include <kaal/dddk/net_stats.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/net/http_request.hpp>

#include "kaal_config.hpp"
#include "net_app.hpp"
#include "tcp_connections.hpp"
#include "text.hpp"

namespace {

using kaal::debug::print;
using kaal::services::net::HttpRequest;
using kaal::services::net::parse_http_request;

constexpr std::uint16_t http_port = 80;
constexpr std::size_t max_connections = 64; // MEMP_NUM_TCP_PCB (services/network/lwip)
constexpr std::size_t head_limit = 2048;
constexpr std::uint8_t poll_interval = 4; // 2 s, in TCP coarse timer periods
constexpr unsigned idle_limit = 15;       // polls: 30 s idle, then closed

network_example::NetApp app;

struct Connection {
    tcp_pcb* pcb = nullptr;
    std::array<char, head_limit> head{};
    std::size_t used = 0;
    unsigned idle_polls = 0;
    bool closing = false; // the response said "Connection: close"

    void reset() { *this = {}; }
};

network_example::TcpConnections<Connection, max_connections> connections;

err_t finish(Connection& c) {
    return decltype(connections)::finish(c);
}

struct {
    std::uint64_t requests = 0;
    std::uint64_t bad = 0;
} served;

namespace dn = kaal::dddk::net;

const dn::NetStatsPage& stats() {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the page there, read-only
    return *reinterpret_cast<const dn::NetStatsPage*>(config::net_stats);
}

// Every component of the stack with its frames, bytes and drops, as the virtualisers count them,
// and the kernel entries the driver and the virtualisers made.
network_example::Text<4096> status_page() {
    const std::uint64_t ms = app.uptime_ns() / 1'000'000;
    const auto& page = stats();
    network_example::Text<4096> t;
    t << "<!doctype html>\n<html><head><title>KaaL status</title></head><body>\n"
      << "<h1>KaaL on seL4</h1>\n<p>uptime " << ms / 1000 << "." << (ms % 1000) / 100 << " s</p>\n"
      << "<table>\n<tr><th>component</th><th>rx frames</th><th>rx bytes</th><th>tx frames</th>"
      << "<th>tx bytes</th><th>drops</th></tr>\n";
    for (std::size_t i = 0; i < config::net_client_names.size(); ++i) {
        const dn::NetClientStats& c = page.clients[i];
        t << "<tr><td>" << std::string_view{config::net_client_names[i]} << "</td><td>"
          << dn::read(c.rx_frames) << "</td><td>" << dn::read(c.rx_bytes) << "</td><td>"
          << dn::read(c.tx_frames) << "</td><td>" << dn::read(c.tx_bytes) << "</td><td>"
          << dn::read(c.rx_dropped) + dn::read(c.tx_refused) << "</td></tr>\n";
    }
    t << "</table>\n<p>driver: " << dn::read(page.driver_irqs) << " interrupts, "
      << dn::read(page.driver_dropped) << " malformed frames dropped; "
      << dn::read(page.rx_unclaimed) << " frames for no component</p>\n"
      << "<p>requests " << served.requests << ", bad " << served.bad << ", connections open "
      << connections.open() << ", accepted " << connections.accepted() << ", refused "
      << connections.refused() << "</p>\n</body></html>\n";
    return t;
}

// The same counters as "name value" lines, for benchmarks and scripts (bench/network).
network_example::Text<4096> counters_page() {
    const auto& page = stats();
    network_example::Text<4096> t;
    t << "uptime_ms " << app.uptime_ns() / 1'000'000 << "\nrequests " << served.requests
      << "\ndriver_irqs " << dn::read(page.driver_irqs) << "\ndriver_irq_acks "
      << dn::read(page.driver_irq_acks) << "\ndriver_signals " << dn::read(page.driver_signals)
      << "\nrx_signals " << dn::read(page.rx_signals) << "\ntx_signals "
      << dn::read(page.tx_signals) << "\n";
    for (std::size_t i = 0; i < config::net_client_names.size(); ++i) {
        const dn::NetClientStats& c = page.clients[i];
        const std::string_view name{config::net_client_names[i]};
        t << name << ".rx_frames " << dn::read(c.rx_frames) << "\n"
          << name << ".rx_bytes " << dn::read(c.rx_bytes) << "\n"
          << name << ".rx_dropped " << dn::read(c.rx_dropped) << "\n"
          << name << ".rx_wakes " << dn::read(c.rx_wakes) << "\n"
          << name << ".tx_frames " << dn::read(c.tx_frames) << "\n"
          << name << ".tx_bytes " << dn::read(c.tx_bytes) << "\n"
          << name << ".tx_refused " << dn::read(c.tx_refused) << "\n"
          << name << ".tx_wakes " << dn::read(c.tx_wakes) << "\n";
    }
    return t;
}

// The whole response, or nothing: false if the send buffer has no room for it yet (sent()
// retries).
bool respond(Connection& c, std::string_view status, std::string_view type, std::string_view body,
             bool keep_alive, bool head_only) {
    network_example::Text<256> h;
    h << "HTTP/1.1 " << status << "\r\nServer: KaaL\r\nContent-Type: " << type << "\r\n"
      << "Content-Length: " << body.size()
      << "\r\nConnection: " << (keep_alive ? "keep-alive" : "close") << "\r\n\r\n";
    const std::size_t total = h.view().size() + (head_only ? 0 : body.size());
    if (tcp_sndbuf(c.pcb) < total || tcp_sndqueuelen(c.pcb) + 2 > TCP_SND_QUEUELEN) {
        return false;
    }
    const bool with_body = !head_only && !body.empty();
    const u8_t more = with_body ? TCP_WRITE_FLAG_MORE : 0;
    if (tcp_write(c.pcb, h.view().data(), static_cast<u16_t>(h.view().size()),
                  TCP_WRITE_FLAG_COPY | more) != ERR_OK ||
        (with_body && tcp_write(c.pcb, body.data(), static_cast<u16_t>(body.size()),
                                TCP_WRITE_FLAG_COPY) != ERR_OK)) {
        return false;
    }
    c.closing = !keep_alive;
    return true;
}

// Answers every complete request in the buffer, in order (pipelining, RFC 9112 section 9.3.2).
err_t serve(Connection& c) {
    while (!c.closing) {
        const HttpRequest r = parse_http_request({c.head.data(), c.used}, head_limit);
        if (r.outcome == HttpRequest::Outcome::incomplete) {
            break;
        }
        bool sent = false;
        if (r.outcome == HttpRequest::Outcome::complete && !r.has_body &&
            (r.method == "GET" || r.method == "HEAD")) {
            const bool head = r.method == "HEAD";
            if (r.target == "/counters") {
                sent =
                    respond(c, "200 OK", "text/plain", counters_page().view(), r.keep_alive, head);
            } else if (r.target == "/" || r.target == "/status") {
                sent = respond(c, "200 OK", "text/html", status_page().view(), r.keep_alive, head);
            } else {
                sent = respond(c, "404 Not Found", "text/html", "<p>not found</p>\n", r.keep_alive,
                               head);
            }
            served.requests += sent ? 1 : 0;
        } else {
            // Bad, too large, a body this server does not read, or a method it does not serve:
            // answered, and the connection closed, since what follows cannot be framed.
            const bool large = r.outcome == HttpRequest::Outcome::too_large;
            const bool bad = r.outcome != HttpRequest::Outcome::complete;
            sent = respond(c,
                           large ? "431 Request Header Fields Too Large"
                           : bad ? "400 Bad Request"
                                 : "501 Not Implemented",
                           "text/html", "", false, false);
            served.bad += sent ? 1 : 0;
        }
        if (!sent) {
            break; // no room in the send buffer: sent() brings it back
        }
        const std::size_t consumed =
            r.outcome == HttpRequest::Outcome::complete ? r.head_bytes : c.used;
        std::memmove(c.head.data(), c.head.data() + consumed, c.used - consumed);
        c.used -= consumed;
        tcp_recved(c.pcb, static_cast<u16_t>(consumed));
    }
    static_cast<void>(tcp_output(c.pcb));
    return ERR_OK;
}

err_t on_recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t err) {
    auto& c = *static_cast<Connection*>(arg);
    c.idle_polls = 0;
    if (p == nullptr) {
        return finish(c); // the peer is done sending; it has every answer already queued
    }
    if (err != ERR_OK || c.closing) {
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    // Bytes past the head limit are not kept: the parser then sees a full buffer with no end
    // and answers 431. They are acknowledged, as if read, so the window does not stall.
    const std::size_t room = c.head.size() - c.used;
    const std::size_t take = p->tot_len < room ? p->tot_len : room;
    pbuf_copy_partial(p, c.head.data() + c.used, static_cast<u16_t>(take), 0);
    c.used += take;
    if (take < p->tot_len) {
        tcp_recved(pcb, static_cast<u16_t>(p->tot_len - take));
    }
    pbuf_free(p);
    return serve(c);
}

err_t on_sent(void* arg, tcp_pcb* pcb, u16_t /*len*/) {
    auto& c = *static_cast<Connection*>(arg);
    c.idle_polls = 0;
    if (c.closing && tcp_sndqueuelen(pcb) == 0) {
        return finish(c); // the last response is acknowledged
    }
    return serve(c);
}

err_t on_poll(void* arg, tcp_pcb* /*pcb*/) {
    auto& c = *static_cast<Connection*>(arg);
    if (++c.idle_polls >= idle_limit || (c.closing && tcp_sndqueuelen(c.pcb) == 0)) {
        return finish(c);
    }
    return serve(c);
}

err_t on_accept(void* /*arg*/, tcp_pcb* pcb, err_t err) {
    return connections.accept(pcb, err, {on_recv, on_sent, on_poll, poll_interval});
}

class HttpPd {
public:
    void init() {
        if (!app.start()) {
            return;
        }
        tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
        if (pcb == nullptr || tcp_bind(pcb, IP_ANY_TYPE, http_port) != ERR_OK) {
            print("http: FAILED: cannot bind port 80\n");
            return;
        }
        tcp_pcb* listener = tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
        if (listener == nullptr) {
            print("http: FAILED: cannot listen on port 80\n");
            return;
        }
        tcp_accept(listener, on_accept);
        app.say_ready("port 80");
    }

    void notified(kaal::Channel ch) { static_cast<void>(app.notified(ch)); }
};

} // namespace

KAAL_COMPONENT(HttpPd);
