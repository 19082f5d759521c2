// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include <kaal/composer/system.hpp>

// A virtio-net NIC as one building block: the driver PD (drivers/network/virtio), which alone
// maps the device, the RX and TX virtualiser PDs (services/network/virt), which share it among
// the clients, and per client one line:
//
//   kaal::composer::NetworkStack net{s};
//   net.add_client(echo, {.ipv4 = {10, 0, 2, 15}});   // or {.dhcp = true}
//
// Every client runs its own IP stack (services/network/README.md says why) with its own MAC,
// which the composer gives it (52:54:00:4b:41:<n>, locally administered by QEMU's convention),
// and its own IPv4 address. A client's configuration then names its receive and transmit queues
// (`config::net_rx_queue`, `config::net_tx_queue`, kaal/dddk/net_queue.hpp), its receive
// buffers (`config::net_rx_data`, which only the RX virtualiser writes), its transmit buffers
// (`config::net_tx_data`, DMA memory the device reads in place), its channels to the two
// virtualisers (`config::net_rx`, `config::net_tx`) and its addresses (`config::net_address`,
// kaal/services/net/net_wiring.hpp), and its index among the clients (`config::net_client_index`,
// its slot in the counters page). QEMU virt only: the NIC is the virtio-mmio transport QEMU
// gives the first `-device` (drivers/network/virtio/README.md).
namespace kaal::composer {

struct NetworkStackOptions {
    unsigned driver_priority = 170;      // above the virtualisers: the device's ring never waits
    unsigned virtualiser_priority = 160; // above their clients
    unsigned transport = 31;             // QEMU virt's virtio-mmio transport the NIC is on
    Word rx_buffer_bytes = 0x10'0000;    // the device's receive buffers: 512 of 2 KiB
};

struct NetClientOptions {
    std::array<std::uint8_t, 4> ipv4{10, 0, 2, 15}; // QEMU's user network: 10.0.2.0/24
    std::array<std::uint8_t, 4> netmask{255, 255, 255, 0};
    std::array<std::uint8_t, 4> gateway{10, 0, 2, 2};
    bool dhcp = false;
    Word rx_bytes = 0x8'0000; // 256 receive buffers
    Word tx_bytes = 0x8'0000; // 256 transmit buffers, at most 1 MiB (System::dma_region)
    // The stack's counters page, read-only (kaal/services/net/net_stats.hpp), with the clients'
    // names in `config::net_client_names`: for a status page.
    bool reads_stats = false;
};

class NetworkStack {
public:
    explicit NetworkStack(System& system, NetworkStackOptions options = {},
                          std::source_location at = std::source_location::current());

    NetworkStack& add_client(Pd& client, NetClientOptions options = {},
                             std::source_location at = std::source_location::current());

    [[nodiscard]] Pd& driver() { return *state_->driver; }
    [[nodiscard]] Pd& rx_virtualiser() { return *state_->rx; }
    [[nodiscard]] Pd& tx_virtualiser() { return *state_->tx; }

private:
    struct Client {
        Pd* pd;
        std::string ident;
        std::array<std::uint8_t, 6> mac;
        bool reads_stats;
    };
    struct State {
        Pd* driver = nullptr;
        Pd* rx = nullptr;
        Pd* tx = nullptr;
        Region* stats = nullptr;
        std::vector<Client> clients;
    };
    static void write_tables(const State& state);

    System& system_;
    std::shared_ptr<State> state_;
};

} // namespace kaal::composer
