// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <kaal/posix/system_interface.h>
#include <kaal/services/net/lwip_stack.hpp>

// lwIP's protocol control blocks and packet buffers (lwip/tcp.h, lwip/udp.h, lwip/pbuf.h).
struct tcp_pcb;
struct udp_pcb;
struct pbuf;

// A POSIX program's sockets, over its own lwIP (services/network/README.md says why each client
// runs its own stack): the C++ side of the system interface's kaal_sys_socket* calls. lwIP's raw
// API is callback-driven and not reentrant; a PD is one thread, and every callback runs inside
// LwipStack::notified() or poll_timers(), which the program calls from its wait step
// (kaal_sys_wait). So a callback only records what happened in its socket (bytes received, a
// connection accepted, an error), and a call from the program finds it there. No call here
// waits: where a blocking socket would, it answers -EAGAIN and the C side waits a step and asks
// again, so what arrives between a check and a wait is seen by the check after it.
namespace kaal::posix {

class SocketTable {
public:
    // Sockets open at once, connections a listener holds for accept() among them.
    static constexpr std::size_t capacity = 32;
    static constexpr int max_backlog = 16;              // SOMAXCONN
    static constexpr std::size_t datagrams_queued = 32; // per UDP socket; more are dropped

    explicit SocketTable(services::net::LwipStack& stack) : stack_(&stack) {}

    // The system interface's calls (kaal/posix/system_interface.h), with its results: a value
    // >= 0, or -errno.
    int open(int type);
    int close(int handle);
    int bind(int handle, const kaal_sys_endpoint& at);
    int listen(int handle, int backlog);
    int accept(int handle, kaal_sys_endpoint* peer);
    int connect(int handle, const kaal_sys_endpoint& to);
    long send(int handle, std::span<const std::uint8_t> bytes, const kaal_sys_endpoint* to);
    long receive(int handle, std::span<std::uint8_t> out, kaal_sys_endpoint* from, bool peek);
    int shutdown(int handle, bool read, bool write);
    int name(int handle, bool peer, kaal_sys_endpoint* out);
    int option(int handle, int option, const int* value);
    [[nodiscard]] unsigned events(int handle) const;

    SocketTable(const SocketTable&) = delete;
    SocketTable& operator=(const SocketTable&) = delete;
    SocketTable(SocketTable&&) = delete;
    SocketTable& operator=(SocketTable&&) = delete;
    ~SocketTable() = default;

    struct Datagram {
        ::pbuf* bytes;
        kaal_sys_endpoint from;
    };

    // One socket. Public for lwIP's callbacks (socket_table.cpp), which get a Socket* as their
    // argument; nothing outside that file touches one.
    struct Socket {
        enum class Kind : std::uint8_t { free, tcp, udp };
        Kind kind = Kind::free;
        bool bound = false;
        bool listening = false;
        bool connecting = false;
        bool connected = false;
        bool end_of_input = false; // the peer's FIN
        bool read_shut = false;
        bool write_shut = false;
        bool pcb_gone =
            false; // lwIP freed the TCP pcb (a reset or an abort): only the error is left
        bool reuse_address = false;
        bool keepalive = false;
        bool no_delay = false;
        bool broadcast = false;
        int error = 0; // pending errno, for the next call or SO_ERROR
        ::tcp_pcb* tcp = nullptr;
        ::udp_pcb* udp = nullptr;
        ::pbuf* received = nullptr; // TCP: bytes not yet read, a chain
        kaal_sys_endpoint peer{};
        // A listener's connections not yet accepted, as indices into the table, oldest first.
        std::array<std::uint8_t, max_backlog> pending{};
        int pending_count = 0;
        int backlog = 0;
        // UDP: datagrams not yet read, a ring.
        std::array<Datagram, datagrams_queued> datagrams{};
        std::size_t datagram_first = 0;
        std::size_t datagram_count = 0;
        std::uint64_t datagrams_dropped = 0;
        SocketTable* table = nullptr;
    };

    // For the accept callback: a free slot for a connection, or nullptr.
    Socket* take_free();
    [[nodiscard]] int index_of(const Socket& socket) const {
        return static_cast<int>(&socket - sockets_.data());
    }

private:
    Socket* find(int handle);
    [[nodiscard]] const Socket* find(int handle) const;
    void release(Socket& socket);

    services::net::LwipStack* stack_;
    std::array<Socket, capacity> sockets_{};
};

} // namespace kaal::posix
