// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstdint>

#include <kaal/dddk/net_queue.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/platform/message.hpp>

// What the composer's NetworkStack (kaal/composer/network_stack.hpp) writes into the
// configuration of the network virtualisers and of each network client. The queues follow
// kaal/dddk/net_queue.hpp.
namespace kaal::services::net {

using Ipv4Address = std::array<std::uint8_t, 4>;

// A client's own addresses. Every client runs its own IP stack (services/network/README.md says
// why), so each has its own MAC, given by the composer, and its own IPv4 address: fixed by the
// description, or leased by DHCP when `dhcp` is set (the fixed one is then unused).
struct NetClientAddress {
    dddk::net::MacAddress mac;
    Ipv4Address ipv4{};
    Ipv4Address netmask{};
    Ipv4Address gateway{};
    bool dhcp = false;
};

// One client as the RX virtualiser sees it: its receive queue, and its receive buffers, which
// only the virtualiser writes (it copies each frame in, so a client never sees the buffers the
// device wrote nor another client's) and only the client reads.
struct NetRxClientWiring {
    const Word* queue = nullptr;
    const Word* data = nullptr;
    Word data_size = 0;
    Channel channel{0};
    dddk::net::MacAddress mac;
};

// One client as the TX virtualiser sees it: its transmit queue, and its transmit buffers, DMA
// memory the client fills and the device reads in place. The virtualiser maps them read-only,
// to check each frame's source address before the device sends it.
struct NetTxClientWiring {
    const Word* queue = nullptr;
    const Word* data = nullptr;
    const Word* data_paddr = nullptr;
    Word data_size = 0;
    Channel channel{0};
    dddk::net::MacAddress mac;
};

} // namespace kaal::services::net
