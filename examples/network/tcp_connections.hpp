// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <lwip/tcp.h>

// A TCP server's connections on lwIP's raw API, one slot each in a fixed table: what the echo and
// HTTP servers share. `Connection` has a `tcp_pcb* pcb` (nullptr: the slot is free) and `reset()`,
// which frees what the connection holds and empties the slot.
//
// Accepted PCBs get the lowest priority (tcp_setprio), so when lwIP runs out of PCBs it reclaims
// the oldest of these for a new connection rather than refuse it (tcp_alloc's tcp_kill_prio):
// half-open connections cannot keep a port from others. A connection for which the table has no
// slot is aborted and counted.
namespace network_example {

struct TcpCallbacks {
    tcp_recv_fn recv;
    tcp_sent_fn sent;
    tcp_poll_fn poll;
    std::uint8_t poll_interval; // in TCP coarse timer periods, two a second
};

template <typename Connection, std::size_t Slots>
class TcpConnections {
public:
    // For tcp_accept's callback.
    err_t accept(tcp_pcb* pcb, err_t err, const TcpCallbacks& callbacks) {
        if (err != ERR_OK || pcb == nullptr) {
            return ERR_VAL;
        }
        for (Connection& c : slots_) {
            if (c.pcb == nullptr) {
                c.pcb = pcb;
                ++accepted_;
                tcp_setprio(pcb, TCP_PRIO_MIN);
                tcp_arg(pcb, &c);
                tcp_recv(pcb, callbacks.recv);
                tcp_sent(pcb, callbacks.sent);
                tcp_poll(pcb, callbacks.poll, callbacks.poll_interval);
                tcp_err(pcb, on_error);
                return ERR_OK;
            }
        }
        ++refused_;
        tcp_abort(pcb);
        return ERR_ABRT;
    }

    // Closes the connection, or aborts it when lwIP has no memory to close with; returns what
    // the calling callback must return (ERR_ABRT after tcp_abort, lwIP's rule).
    static err_t finish(Connection& c) {
        tcp_pcb* pcb = c.pcb;
        tcp_arg(pcb, nullptr);
        tcp_recv(pcb, nullptr);
        tcp_sent(pcb, nullptr);
        tcp_poll(pcb, nullptr, 0);
        tcp_err(pcb, nullptr);
        c.reset();
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }

    [[nodiscard]] std::size_t open() const {
        std::size_t n = 0;
        for (const Connection& c : slots_) {
            n += c.pcb != nullptr ? 1 : 0;
        }
        return n;
    }
    [[nodiscard]] std::uint64_t accepted() const { return accepted_; }
    [[nodiscard]] std::uint64_t refused() const { return refused_; }

private:
    // lwIP has freed the PCB already (a reset, or reclaimed for a new connection).
    static void on_error(void* arg, err_t /*err*/) {
        if (arg != nullptr) {
            static_cast<Connection*>(arg)->reset();
        }
    }

    std::array<Connection, Slots> slots_{};
    std::uint64_t accepted_ = 0;
    std::uint64_t refused_ = 0;
};

} // namespace network_example
