// SPDX-License-Identifier: BSD-2-Clause
// The socket table (socket_table.hpp) over lwIP 2.1.3's raw API (lwIP's doc/rawapi.txt): TCP
// with tcp_pcb callbacks, UDP with udp_pcb ones. What POSIX says a call returns is cited from
// POSIX.1-2017's page for the call.
#include "socket_table.hpp"

#include <algorithm>
#include <cstring>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

namespace kaal::posix {

namespace {

using Socket = SocketTable::Socket;

// The largest UDP payload an IPv4 datagram carries: 65535 less the IP and UDP headers.
constexpr std::size_t max_datagram = 65'507;

ip_addr_t to_lwip(const kaal_sys_endpoint& e) {
    ip_addr_t ip{};
    IP4_ADDR(ip_2_ip4(&ip), e.address[0], e.address[1], e.address[2], e.address[3]);
    return ip;
}

kaal_sys_endpoint from_lwip(const ip_addr_t& ip, std::uint16_t port) {
    kaal_sys_endpoint e{};
    const std::uint32_t raw = ip4_addr_get_u32(ip_2_ip4(&ip)); // network order in memory
    std::memcpy(e.address, &raw, sizeof e.address);
    e.port = port;
    return e;
}

bool is_any(const kaal_sys_endpoint& e) {
    return (e.address[0] | e.address[1] | e.address[2] | e.address[3]) == 0;
}

// lwIP's errors (lwip/err.h) as POSIX's.
int errno_of(err_t e) {
    switch (e) {
    case ERR_MEM:
    case ERR_BUF: return KAAL_ENOBUFS;
    case ERR_TIMEOUT: return KAAL_ETIMEDOUT;
    case ERR_RTE: return KAAL_ENETUNREACH;
    case ERR_INPROGRESS: return KAAL_EINPROGRESS;
    case ERR_WOULDBLOCK: return KAAL_EAGAIN;
    case ERR_USE: return KAAL_EADDRINUSE;
    case ERR_ALREADY: return KAAL_EALREADY;
    case ERR_ISCONN: return KAAL_EISCONN;
    case ERR_CONN: return KAAL_ENOTCONN;
    case ERR_ABRT: return KAAL_ECONNABORTED;
    case ERR_RST: return KAAL_ECONNRESET;
    case ERR_CLSD: return KAAL_ENOTCONN;
    case ERR_IF: return KAAL_EHOSTUNREACH;
    default: return KAAL_EINVAL;
    }
}

int take_error(Socket& s) {
    const int e = s.error;
    s.error = 0;
    return e;
}

// --- lwIP's callbacks: each records what happened; the program's next call finds it. ---

err_t on_tcp_received(void* arg, tcp_pcb* pcb, pbuf* p, err_t err) {
    auto* s = static_cast<Socket*>(arg);
    if (p == nullptr) {
        s->end_of_input = true; // the peer's FIN (rawapi.txt, tcp_recv)
        return ERR_OK;
    }
    if (err != ERR_OK || s->read_shut) {
        // Shut for reading: the bytes are dropped, and the window opened again, so the peer is
        // not held up by what nobody will read.
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    // Bytes are acknowledged to lwIP (tcp_recved) only once the program reads them, so at most
    // TCP_WND bytes are ever waiting here, and the chain's 16-bit tot_len cannot overflow.
    if (s->received == nullptr) {
        s->received = p;
    } else {
        pbuf_cat(s->received, p);
    }
    return ERR_OK;
}

// lwIP has freed the pcb when it calls this (rawapi.txt, tcp_err).
void on_tcp_error(void* arg, err_t err) {
    auto* s = static_cast<Socket*>(arg);
    s->tcp = nullptr;
    s->pcb_gone = true;
    if (s->connecting) {
        // A reset answering the SYN is a refusal; running out of SYN retransmissions is lwIP's
        // abort (tcp_slowtmr), a timeout.
        s->error = err == ERR_RST ? KAAL_ECONNREFUSED : KAAL_ETIMEDOUT;
        s->connecting = false;
    } else {
        s->error = errno_of(err);
    }
}

err_t on_tcp_connected(void* arg, tcp_pcb* /*pcb*/, err_t /*err*/) {
    auto* s = static_cast<Socket*>(arg);
    s->connecting = false;
    s->connected = true;
    return ERR_OK;
}

void watch(Socket& s) {
    tcp_arg(s.tcp, &s);
    tcp_recv(s.tcp, on_tcp_received);
    tcp_err(s.tcp, on_tcp_error);
}

err_t on_tcp_accepted(void* arg, tcp_pcb* pcb, err_t err) {
    auto* listener = static_cast<Socket*>(arg);
    if (err != ERR_OK || pcb == nullptr) {
        return ERR_VAL; // lwIP had no pcb for it
    }
    Socket* s =
        listener->pending_count < listener->backlog ? listener->table->take_free() : nullptr;
    if (s == nullptr) {
        // The queue is full, or the table: lwIP resets the connection (tcp_in.c, when accept
        // answers other than ERR_OK), as a host with a full backlog refuses it.
        return ERR_MEM;
    }
    s->kind = Socket::Kind::tcp;
    s->tcp = pcb;
    s->bound = true;
    s->connected = true;
    s->no_delay = listener->no_delay;
    s->peer = from_lwip(pcb->remote_ip, pcb->remote_port);
    if (s->no_delay) {
        tcp_nagle_disable(pcb);
    }
    watch(*s);
    listener->pending[static_cast<std::size_t>(listener->pending_count++)] =
        static_cast<std::uint8_t>(listener->table->index_of(*s));
    return ERR_OK;
}

void on_udp_received(void* arg, udp_pcb* /*pcb*/, pbuf* p, const ip_addr_t* from, u16_t port) {
    auto* s = static_cast<Socket*>(arg);
    if (s->read_shut || s->datagram_count == s->datagrams.size()) {
        ++s->datagrams_dropped; // as a host's full receive buffer drops them
        pbuf_free(p);
        return;
    }
    const std::size_t at = (s->datagram_first + s->datagram_count++) % s->datagrams.size();
    s->datagrams[at] = {p, from_lwip(*from, port)};
}

} // namespace

Socket* SocketTable::take_free() {
    for (Socket& s : sockets_) {
        if (s.kind == Socket::Kind::free) {
            s = Socket{};
            s.table = this;
            return &s;
        }
    }
    return nullptr;
}

Socket* SocketTable::find(int handle) {
    if (handle < 0 || static_cast<std::size_t>(handle) >= sockets_.size() ||
        sockets_[static_cast<std::size_t>(handle)].kind == Socket::Kind::free) {
        return nullptr;
    }
    return &sockets_[static_cast<std::size_t>(handle)];
}

const Socket* SocketTable::find(int handle) const {
    return const_cast<SocketTable*>(this)->find(
        handle); // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

int SocketTable::open(int type) {
    Socket* s = take_free();
    if (s == nullptr) {
        return -KAAL_EMFILE;
    }
    if (type == KAAL_SOCKET_TCP) {
        s->tcp = tcp_new_ip_type(IPADDR_TYPE_V4);
        if (s->tcp == nullptr) {
            return -KAAL_ENOBUFS; // the slot stays free: its kind was never set
        }
        s->kind = Socket::Kind::tcp;
        watch(*s);
    } else if (type == KAAL_SOCKET_UDP) {
        s->udp = udp_new_ip_type(IPADDR_TYPE_V4);
        if (s->udp == nullptr) {
            return -KAAL_ENOBUFS;
        }
        s->kind = Socket::Kind::udp;
        udp_recv(s->udp, on_udp_received, s);
    } else {
        return -KAAL_EINVAL;
    }
    return index_of(*s);
}

void SocketTable::release(Socket& s) {
    if (s.received != nullptr) {
        pbuf_free(s.received);
    }
    for (std::size_t i = 0; i < s.datagram_count; ++i) {
        pbuf_free(s.datagrams[(s.datagram_first + i) % s.datagrams.size()].bytes);
    }
    if (s.tcp != nullptr) {
        // lwIP goes on closing the connection without the socket: its default receive
        // callback takes what still comes (tcp_recv_null).
        tcp_arg(s.tcp, nullptr);
        if (s.listening) {
            tcp_accept(s.tcp, nullptr); // a listening pcb has no receive or error callback
        } else {
            tcp_recv(s.tcp, nullptr);
            tcp_err(s.tcp, nullptr);
        }
        // With bytes unread, lwIP's close resets the connection (tcp_close_shutdown), as
        // RFC 1122 4.2.2.13 has a host do: the peer learns its data was not taken.
        if (tcp_close(s.tcp) != ERR_OK) {
            tcp_abort(s.tcp); // no memory for the FIN: reset instead
        }
    }
    if (s.udp != nullptr) {
        udp_remove(s.udp);
    }
    s = Socket{};
}

int SocketTable::close(int handle) {
    Socket* s = find(handle);
    if (s == nullptr) {
        return -KAAL_EBADF;
    }
    // Connections queued and never accepted are reset, as closing a listener does on Linux.
    for (int i = 0; i < s->pending_count; ++i) {
        Socket& queued = sockets_[s->pending[static_cast<std::size_t>(i)]];
        if (queued.tcp != nullptr) {
            tcp_arg(queued.tcp, nullptr);
            tcp_err(queued.tcp, nullptr);
            tcp_abort(queued.tcp);
            queued.tcp = nullptr;
        }
        release(queued);
    }
    release(*s);
    return 0;
}

int SocketTable::bind(int handle, const kaal_sys_endpoint& at) {
    Socket* s = find(handle);
    if (s == nullptr) {
        return -KAAL_EBADF;
    }
    if (s->bound || s->listening || s->connected || s->pcb_gone) {
        return -KAAL_EINVAL; // POSIX bind: "already bound to an address"
    }
    // Only the interface's own address, or any (POSIX bind: EADDRNOTAVAIL).
    const auto own = stack_->address();
    if (!is_any(at) && !std::equal(own.begin(), own.end(), std::begin(at.address))) {
        return -KAAL_EADDRNOTAVAIL;
    }
    const ip_addr_t ip = to_lwip(at);
    const err_t e = s->kind == Socket::Kind::tcp ? tcp_bind(s->tcp, &ip, at.port)
                                                 : udp_bind(s->udp, &ip, at.port);
    if (e != ERR_OK) {
        return -errno_of(e);
    }
    s->bound = true;
    return 0;
}

int SocketTable::listen(int handle, int backlog) {
    Socket* s = find(handle);
    if (s == nullptr) {
        return -KAAL_EBADF;
    }
    if (s->kind != Socket::Kind::tcp) {
        return -KAAL_EOPNOTSUPP;
    }
    // POSIX listen: a backlog of 0 or less is the implementation's least, one connection.
    const int queue = std::clamp(backlog, 1, max_backlog);
    if (s->listening) {
        s->backlog = std::max(queue, s->pending_count);
        return 0;
    }
    if (s->connected || s->connecting || s->pcb_gone) {
        return -KAAL_EINVAL;
    }
    if (!s->bound) {
        // Unbound, it listens on a port of the stack's choosing, as POSIX listen allows.
        if (const int b = bind(handle, kaal_sys_endpoint{}); b < 0) {
            return b;
        }
    }
    err_t e = ERR_OK;
    // lwIP replaces the pcb with a smaller listening one, freeing the old one.
    tcp_pcb* listening = tcp_listen_with_backlog_and_err(s->tcp, static_cast<u8_t>(queue), &e);
    if (listening == nullptr) {
        return -errno_of(e);
    }
    s->tcp = listening;
    s->listening = true;
    s->backlog = queue;
    tcp_arg(listening, s);
    tcp_accept(listening, on_tcp_accepted);
    return 0;
}

int SocketTable::accept(int handle, kaal_sys_endpoint* peer) {
    Socket* s = find(handle);
    if (s == nullptr) {
        return -KAAL_EBADF;
    }
    if (!s->listening) {
        return s->kind == Socket::Kind::tcp ? -KAAL_EINVAL : -KAAL_EOPNOTSUPP;
    }
    if (s->pending_count == 0) {
        return -KAAL_EAGAIN;
    }
    const int taken = s->pending.front();
    std::copy(s->pending.begin() + 1, s->pending.begin() + s->pending_count, s->pending.begin());
    --s->pending_count;
    if (peer != nullptr) {
        *peer = sockets_[static_cast<std::size_t>(taken)].peer;
    }
    return taken;
}

int SocketTable::connect(int handle, const kaal_sys_endpoint& to) {
    Socket* s = find(handle);
    if (s == nullptr) {
        return -KAAL_EBADF;
    }
    const ip_addr_t ip = to_lwip(to);
    if (s->kind == Socket::Kind::udp) {
        // POSIX connect on a datagram socket: the default peer, or none for a null address.
        if (is_any(to) && to.port == 0) {
            udp_disconnect(s->udp);
            s->connected = false;
            return 0;
        }
        if (const err_t e = udp_connect(s->udp, &ip, to.port); e != ERR_OK) {
            return -errno_of(e);
        }
        s->bound = true;
        s->connected = true;
        s->peer = to;
        return 0;
    }
    if (s->connecting) {
        return -KAAL_EALREADY;
    }
    if (s->connected || s->listening) {
        return -KAAL_EISCONN;
    }
    if (s->pcb_gone) {
        return -(s->error != 0 ? take_error(*s) : KAAL_ECONNABORTED);
    }
    if (is_any(to) || to.port == 0) {
        return -KAAL_EADDRNOTAVAIL;
    }
    if (const err_t e = tcp_connect(s->tcp, &ip, to.port, on_tcp_connected); e != ERR_OK) {
        return -errno_of(e);
    }
    s->bound = true;
    s->connecting = true;
    s->peer = to;
    return -KAAL_EINPROGRESS;
}

long SocketTable::send(int handle, std::span<const std::uint8_t> bytes,
                       const kaal_sys_endpoint* to) {
    Socket* s = find(handle);
    if (s == nullptr) {
        return -KAAL_EBADF;
    }
    if (s->write_shut) {
        return -KAAL_EPIPE;
    }
    if (s->kind == Socket::Kind::udp) {
        if (to == nullptr && !s->connected) {
            return -KAAL_EDESTADDRREQ;
        }
        if (bytes.size() > max_datagram) {
            return -KAAL_EMSGSIZE;
        }
        pbuf* p = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(bytes.size()), PBUF_RAM);
        if (p == nullptr) {
            return -KAAL_ENOBUFS;
        }
        static_cast<void>(pbuf_take(p, bytes.data(), static_cast<u16_t>(bytes.size())));
        const ip_addr_t ip = to != nullptr ? to_lwip(*to) : ip_addr_t{};
        const err_t e = to != nullptr ? udp_sendto(s->udp, p, &ip, to->port) : udp_send(s->udp, p);
        pbuf_free(p);
        if (e != ERR_OK) {
            return -errno_of(e);
        }
        s->bound = true;
        return static_cast<long>(bytes.size());
    }
    if (s->error != 0) {
        return -take_error(*s);
    }
    if (s->pcb_gone) {
        return -KAAL_EPIPE;
    }
    if (s->connecting) {
        return -KAAL_EAGAIN; // nothing can go before the handshake has
    }
    if (!s->connected) {
        return -KAAL_ENOTCONN;
    }
    if (bytes.empty()) {
        return 0;
    }
    // As much as lwIP's send buffer takes now (TCP_SND_BUF), in pieces tcp_write's 16-bit
    // length can carry; none at all is a full buffer, which a blocking send waits out.
    std::size_t taken = 0;
    while (taken < bytes.size()) {
        const std::size_t room = std::min<std::size_t>(tcp_sndbuf(s->tcp), 0xffff);
        const std::size_t piece = std::min(bytes.size() - taken, room);
        if (piece == 0 || tcp_sndqueuelen(s->tcp) >= TCP_SND_QUEUELEN) {
            break;
        }
        if (tcp_write(s->tcp, bytes.data() + taken, static_cast<u16_t>(piece),
                      TCP_WRITE_FLAG_COPY) != ERR_OK) {
            break; // out of segments: the rest waits for acknowledgements
        }
        taken += piece;
    }
    if (taken == 0) {
        return -KAAL_EAGAIN;
    }
    static_cast<void>(tcp_output(s->tcp));
    return static_cast<long>(taken);
}

long SocketTable::receive(int handle, std::span<std::uint8_t> out, kaal_sys_endpoint* from,
                          bool peek) {
    Socket* s = find(handle);
    if (s == nullptr) {
        return -KAAL_EBADF;
    }
    if (s->kind == Socket::Kind::udp) {
        if (s->datagram_count == 0) {
            return s->read_shut ? 0 : -KAAL_EAGAIN;
        }
        Datagram& d = s->datagrams[s->datagram_first];
        const auto n = pbuf_copy_partial(
            d.bytes, out.data(), static_cast<u16_t>(std::min<std::size_t>(out.size(), 0xffff)), 0);
        if (from != nullptr) {
            *from = d.from;
        }
        if (!peek) {
            pbuf_free(d.bytes);
            s->datagram_first = (s->datagram_first + 1) % s->datagrams.size();
            --s->datagram_count;
        }
        return n;
    }
    if (s->listening) {
        return -KAAL_ENOTCONN;
    }
    if (s->received != nullptr) {
        const auto n = pbuf_copy_partial(
            s->received, out.data(),
            static_cast<u16_t>(std::min<std::size_t>(out.size(), s->received->tot_len)), 0);
        if (from != nullptr) {
            *from = s->peer;
        }
        if (!peek) {
            s->received = pbuf_free_header(s->received, n);
            if (s->tcp != nullptr) {
                tcp_recved(s->tcp, n); // the window opens by what was read
            }
        }
        return n;
    }
    if (s->error != 0) {
        return -take_error(*s);
    }
    if (s->end_of_input || s->read_shut || s->pcb_gone) {
        return 0;
    }
    return s->connected || s->connecting ? -KAAL_EAGAIN : -KAAL_ENOTCONN;
}

int SocketTable::shutdown(int handle, bool read, bool write) {
    Socket* s = find(handle);
    if (s == nullptr) {
        return -KAAL_EBADF;
    }
    if (!s->connected && !s->pcb_gone) {
        return -KAAL_ENOTCONN;
    }
    if (read && !s->read_shut) {
        s->read_shut = true;
        if (s->received != nullptr) {
            if (s->tcp != nullptr) {
                tcp_recved(s->tcp, s->received->tot_len);
            }
            pbuf_free(s->received);
            s->received = nullptr;
        }
    }
    if (write && !s->write_shut) {
        s->write_shut = true;
        if (s->tcp != nullptr) {
            // A FIN after what is queued; the pcb stays to receive (lwIP tcp_shutdown).
            if (const err_t e = tcp_shutdown(s->tcp, 0, 1); e != ERR_OK) {
                return -errno_of(e);
            }
        }
    }
    return 0;
}

int SocketTable::name(int handle, bool peer, kaal_sys_endpoint* out) {
    const Socket* s = find(handle);
    if (s == nullptr) {
        return -KAAL_EBADF;
    }
    if (peer) {
        if (!s->connected) {
            return -KAAL_ENOTCONN;
        }
        *out = s->peer;
        return 0;
    }
    if (s->tcp != nullptr) {
        *out = from_lwip(s->tcp->local_ip, s->tcp->local_port);
    } else if (s->udp != nullptr) {
        *out = from_lwip(s->udp->local_ip, s->udp->local_port);
    } else {
        *out = kaal_sys_endpoint{};
    }
    // A connected socket names the interface's address where it was bound to any, as a host
    // with one interface does.
    if (s->connected && is_any(*out)) {
        const auto own = stack_->address();
        std::copy(own.begin(), own.end(), std::begin(out->address));
    }
    return 0;
}

int SocketTable::option(int handle, int option, const int* value) {
    Socket* s = find(handle);
    if (s == nullptr) {
        return -KAAL_EBADF;
    }
    const bool on = value != nullptr && *value != 0;
    // The pcb lwIP reads the socket options from (ip.h's so_options), TCP's or UDP's.
    // Without a pcb (lwIP freed it) only the socket's flag is left to change.
    auto set_pcb_option = [s](std::uint8_t bit, bool enable) {
        std::uint8_t* options = s->tcp != nullptr   ? &s->tcp->so_options
                                : s->udp != nullptr ? &s->udp->so_options
                                                    : nullptr;
        if (options != nullptr) {
            *options = enable ? static_cast<std::uint8_t>(*options | bit)
                              : static_cast<std::uint8_t>(*options & ~bit);
        }
    };
    switch (option) {
    case KAAL_SOCKET_REUSEADDR:
        if (value != nullptr) {
            s->reuse_address = on;
            set_pcb_option(SOF_REUSEADDR, on);
        }
        return s->reuse_address ? 1 : 0;
    case KAAL_SOCKET_KEEPALIVE:
        if (value != nullptr) {
            s->keepalive = on;
            set_pcb_option(SOF_KEEPALIVE, on);
        }
        return s->keepalive ? 1 : 0;
    case KAAL_SOCKET_BROADCAST:
        if (value != nullptr) {
            s->broadcast = on;
            set_pcb_option(SOF_BROADCAST, on);
        }
        return s->broadcast ? 1 : 0;
    case KAAL_SOCKET_NODELAY:
        if (s->kind != Socket::Kind::tcp) {
            return -KAAL_ENOPROTOOPT;
        }
        if (value != nullptr) {
            s->no_delay = on;
            if (s->tcp != nullptr && !s->listening) {
                if (on) {
                    tcp_nagle_disable(s->tcp);
                } else {
                    tcp_nagle_enable(s->tcp);
                }
            }
        }
        return s->no_delay ? 1 : 0;
    case KAAL_SOCKET_ERROR_NOW:
        if (value != nullptr) {
            return -KAAL_ENOPROTOOPT; // SO_ERROR is read-only
        }
        return take_error(*s);
    default: return -KAAL_ENOPROTOOPT;
    }
}

unsigned SocketTable::events(int handle) const {
    const Socket* s = find(handle);
    if (s == nullptr) {
        return 0;
    }
    unsigned ready = s->error != 0 ? KAAL_SOCKET_ERROR : 0U;
    if (s->kind == Socket::Kind::udp) {
        return ready | KAAL_SOCKET_WRITABLE |
               (s->datagram_count != 0 || s->read_shut ? KAAL_SOCKET_READABLE : 0U);
    }
    if (s->listening) {
        return ready | (s->pending_count != 0 ? KAAL_SOCKET_READABLE : 0U);
    }
    if (s->received != nullptr || s->end_of_input || s->read_shut || s->pcb_gone || s->error != 0) {
        ready |= KAAL_SOCKET_READABLE;
    }
    if (s->connected && s->tcp != nullptr && !s->write_shut && tcp_sndbuf(s->tcp) > 0) {
        ready |= KAAL_SOCKET_WRITABLE;
    }
    // POSIX poll: POLLHUP once the connection can carry nothing more either way; a socket that
    // never connected reports it too, as Linux's does.
    if (s->pcb_gone || (s->end_of_input && s->write_shut) || (!s->connected && !s->connecting)) {
        ready |= KAAL_SOCKET_HUNG_UP;
    }
    return ready;
}

} // namespace kaal::posix
