// SPDX-License-Identifier: BSD-2-Clause
// daytime: the Daytime Protocol (RFC 867) on TCP port 13: each connection gets the date and time
// (UTC, from the time service's wall clock) as one line, and is closed. The network guide
// (docs/guides/network.md) builds this component step by step.
#include <array>
#include <cstdint>
#include <lwip/tcp.h>

#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/time/civil_time.hpp>

#include "kaal_config.hpp"
#include "net_app.hpp"

namespace {

using kaal::debug::print;

constexpr std::uint16_t daytime_port = 13;

network_example::NetApp app;

// "2026-12-02 03:57:01 UTC\r\n": RFC 867 leaves the format free; this one sorts as text.
std::array<char, 26> daytime_line() {
    const auto t = kaal::services::time::civil_from_unix_ns(app.realtime_ns());
    std::array<char, 26> line{};
    const auto two = [&line](std::size_t at, unsigned v) {
        line[at] = static_cast<char>('0' + v / 10 % 10);
        line[at + 1] = static_cast<char>('0' + v % 10);
    };
    two(0, static_cast<unsigned>(t.year / 100));
    two(2, static_cast<unsigned>(t.year % 100));
    line[4] = '-';
    two(5, t.month);
    line[7] = '-';
    two(8, t.day);
    line[10] = ' ';
    two(11, t.hour);
    line[13] = ':';
    two(14, t.minute);
    line[16] = ':';
    two(17, t.second);
    const char tail[] = " UTC\r\n";
    for (std::size_t i = 0; i + 1 < sizeof tail; ++i) {
        line[19 + i] = tail[i];
    }
    return line;
}

err_t on_accept(void* /*arg*/, tcp_pcb* pcb, err_t err) {
    if (err != ERR_OK || pcb == nullptr) {
        return ERR_VAL;
    }
    const auto line = daytime_line();
    // 25 bytes always fit an empty send buffer; the close sends them, then the FIN.
    if (tcp_write(pcb, line.data(), static_cast<u16_t>(line.size() - 1), TCP_WRITE_FLAG_COPY) !=
            ERR_OK ||
        tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    return ERR_OK;
}

class DaytimePd {
public:
    void init() {
        if (!app.start()) {
            return;
        }
        tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
        if (pcb == nullptr || tcp_bind(pcb, IP_ANY_TYPE, daytime_port) != ERR_OK) {
            print("daytime: FAILED: cannot bind port 13\n");
            return;
        }
        tcp_pcb* listener = tcp_listen(pcb);
        if (listener == nullptr) {
            print("daytime: FAILED: cannot listen on port 13\n");
            return;
        }
        tcp_accept(listener, on_accept);
        app.say_ready("port 13");
    }

    void notified(kaal::Channel ch) { static_cast<void>(app.notified(ch)); }
};

} // namespace

KAAL_COMPONENT(DaytimePd);
