// SPDX-License-Identifier: BSD-2-Clause
// network: a TCP and UDP echo server and an HTTP server on seL4, each with its own IP stack,
// sharing one virtio-net NIC.
//
//   echo (10.0.2.15: port 7, TCP and UDP) -\                /-> net-tx -\
//                                           >- own lwIP ---<             >- net-driver -> NIC
//   http (10.0.2.16: port 80)             -/                \-- net-rx <-/
//   daytime (port 13, its address leased by DHCP), the network guide's, the same way
//
// scripts/run.sh network boots it on QEMU's user network, which forwards 127.0.0.1:7007 to the
// echo server and 127.0.0.1:8080 to the HTTP server (the guest reaches nothing outside QEMU), and
// whose DHCP server leases from 10.0.2.17 on (dhcpstart), past the two fixed addresses.
// Each server says it is ready through the serial console, as a whole "[name] " line. Each keys
// its TCP's initial sequence numbers (RFC 6528) with 16 bytes from the entropy source, QEMU's
// virtio-rng on transport 15, a page of its own (drivers/rng/virtio/README.md).
#include <kaal/composer/entropy_source.hpp>
#include <kaal/composer/network_stack.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/time_service.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    SerialConsole serial{s};
    TimeService time{s};
    NetworkStack net{s};
    EntropySource rng{s, {.transport = 15}};
    // lwIP's pools are static; its callbacks and the status page's text run on the stack.
    auto& echo = s.pd("echo", "net_echo").priority(100).stack_size(0x8000);
    auto& http = s.pd("http", "net_http").priority(100).stack_size(0x8000);
    for (Pd* server : {&echo, &http}) {
        serial.add_client(*server, {.input = false});
        time.add_client(*server);
        rng.add_client(*server);
    }
    net.add_client(echo, {.ipv4 = {10, 0, 2, 15}});
    net.add_client(http, {.ipv4 = {10, 0, 2, 16}, .reads_stats = true});
    // The network guide's component (docs/guides/network.md).
    auto& daytime = s.pd("daytime", "net_daytime").priority(100).stack_size(0x4000);
    serial.add_client(daytime, {.input = false});
    time.add_client(daytime);
    rng.add_client(daytime);
    net.add_client(daytime, {.dhcp = true});
}
