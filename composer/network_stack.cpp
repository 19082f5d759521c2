// SPDX-License-Identifier: BSD-2-Clause
// The network stack building block (network_stack.hpp). The queue layout is that of
// kaal/dddk/net_queue.hpp; the virtualisers' tables are kaal/services/net/net_wiring.hpp's.
#include <cstdio>

#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/network_stack.hpp>

namespace kaal::composer {

namespace {

constexpr Word queue_bytes = 0x5000;        // dddk::net::queue_region_bytes
constexpr Word driver_dma_bytes = 0x1'0000; // the driver's virtqueues and virtio-net headers
constexpr Word buffer_bytes = 0x800;        // dddk::net::buffer_bytes
constexpr std::size_t max_buffers = 512;    // dddk::net::queue_capacity
constexpr std::size_t max_clients = 48;     // dddk::net::NetStatsPage::max_clients
constexpr Word stats_bytes = 0x1000;        // sizeof(dddk::net::NetStatsPage), rounded up

std::string bytes_list(const std::uint8_t* bytes, std::size_t n) {
    std::string out = "{";
    for (std::size_t i = 0; i < n; ++i) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", bytes[i]);
        out += (i == 0 ? "" : ", ") + std::string(hex);
    }
    return out + "}";
}

std::string mac_literal(const std::array<std::uint8_t, 6>& mac) {
    return "kaal::dddk::net::MacAddress{" + bytes_list(mac.data(), mac.size()) + "}";
}

// A region of whole buffers that the ring of one queue can carry all of.
bool buffers_fit(System& s, Word bytes, const std::string& what, std::source_location at) {
    if (bytes == 0 || bytes % buffer_bytes != 0 || bytes / buffer_bytes > max_buffers) {
        s.problem(Place::of(at), "network buffers are whole 2 KiB buffers, at most 512",
                  what + " is " + std::to_string(bytes) + " bytes");
        return false;
    }
    return true;
}

} // namespace

NetworkStack::NetworkStack(System& s, NetworkStackOptions options, std::source_location at)
    : system_(s), state_(std::make_shared<State>()) {
    // The driver's and the virtualisers' Result-built objects need more than 4 KiB of stack.
    Pd& driver = s.pd("net-driver", "virtio_net_driver", at).priority(options.driver_priority, at);
    driver.stack_size(0x4000, at);
    Pd& rx = s.pd("net-rx", "net_rx_virtualiser", at).priority(options.virtualiser_priority, at);
    rx.stack_size(0x4000, at);
    Pd& tx = s.pd("net-tx", "net_tx_virtualiser", at).priority(options.virtualiser_priority, at);
    tx.stack_size(0x4000, at);
    state_->driver = &driver;
    state_->rx = &rx;
    state_->tx = &tx;
    if (s.board() != Board::qemu_virt_aarch64) {
        s.problem(Place::of(at), "a network stack needs a virtio-mmio NIC",
                  "NetworkStack runs on QEMU virt (aarch64) only for now");
        return;
    }
    buffers_fit(s, options.rx_buffer_bytes, "rx_buffer_bytes", at);
    driver.device(boards::qemu_virt_aarch64::virtio_mmio(options.transport), "net", at);
    driver.constant("net_transport", "unsigned", std::to_string(options.transport), at);
    driver.map(s.dma_region("net_driver_dma", driver_dma_bytes, at), "net_dma", Perms::rw, at);
    Region& rx_queue = s.region("net_driver_rx", queue_bytes, at);
    Region& tx_queue = s.region("net_driver_tx", queue_bytes, at);
    driver.map(rx_queue, "rx_queue", Perms::rw, at).map(tx_queue, "tx_queue", Perms::rw, at);
    rx.map(rx_queue, "driver_queue", Perms::rw, at);
    tx.map(tx_queue, "driver_queue", Perms::rw, at);
    s.channel(driver, "rx_virt", rx, "driver", at);
    s.channel(driver, "tx_virt", tx, "driver", at);
    // Read-only at the virtualiser: only the device writes the buffers it routes from.
    rx.map(s.dma_region("net_rx_buffers", options.rx_buffer_bytes, at), "rx_buffers", Perms::r, at);
    // Each writes its own counters; clients that show them read the page.
    Region& stats = s.region("net_stats", stats_bytes, at);
    state_->stats = &stats;
    driver.map(stats, "net_stats", Perms::rw, at);
    rx.map(stats, "net_stats", Perms::rw, at);
    tx.map(stats, "net_stats", Perms::rw, at);
    s.on_compose([state = state_](System&) { write_tables(*state); });
}

NetworkStack& NetworkStack::add_client(Pd& client, NetClientOptions options,
                                       std::source_location at) {
    System& s = system_;
    const std::string ident = identifier(client.name());
    if (state_->clients.size() == max_clients) {
        s.problem(Place::of(at), "at most 48 network clients (the counters page's slots)",
                  "'" + client.name() + "'");
        return *this;
    }
    buffers_fit(s, options.rx_bytes, "rx_bytes", at);
    buffers_fit(s, options.tx_bytes, "tx_bytes", at);
    const auto n = static_cast<std::uint8_t>(state_->clients.size() + 1);
    // 52:54:00 is the prefix QEMU gives its guests' NICs; 4b:41 is "KA".
    const std::array<std::uint8_t, 6> mac{0x52, 0x54, 0x00, 0x4b, 0x41, n};
    state_->clients.push_back({&client, ident, mac, options.reads_stats});
    Pd& rx = *state_->rx;
    Pd& tx = *state_->tx;

    Region& rx_queue = s.region("net_" + ident + "_rx_queue", queue_bytes, at);
    // Only the RX virtualiser writes a client's receive buffers, so the client maps them
    // read-only: a frame it was given stays what the wire carried.
    Region& rx_data = s.region("net_" + ident + "_rx_data", options.rx_bytes, at);
    Region& tx_queue = s.region("net_" + ident + "_tx_queue", queue_bytes, at);
    Region& tx_data = s.dma_region("net_" + ident + "_tx_data", options.tx_bytes, at);
    client.map(rx_queue, "net_rx_queue", Perms::rw, at)
        .map(rx_data, "net_rx_data", Perms::r, at)
        .map(tx_queue, "net_tx_queue", Perms::rw, at)
        .map(tx_data, "net_tx_data", Perms::rw, at);
    rx.map(rx_queue, "client_" + ident + "_queue", Perms::rw, at)
        .map(rx_data, "client_" + ident + "_data", Perms::rw, at);
    // Read-only at the TX virtualiser: it checks each frame's source address, and the device
    // reads the frame where the client wrote it.
    tx.map(tx_queue, "client_" + ident + "_queue", Perms::rw, at)
        .map(tx_data, "client_" + ident + "_data", Perms::r, at);
    s.channel(rx, "client_" + ident, client, "net_rx", at);
    s.channel(tx, "client_" + ident, client, "net_tx", at);

    const std::string address = "inline constexpr kaal::services::net::NetClientAddress "
                                "net_address{" +
                                mac_literal(mac) + ", " + bytes_list(options.ipv4.data(), 4) +
                                ", " + bytes_list(options.netmask.data(), 4) + ", " +
                                bytes_list(options.gateway.data(), 4) + ", " +
                                (options.dhcp ? "true" : "false") + "};\n";
    client.section({{"kaal/services/net/net_wiring.hpp"}, address});
    client.constant("net_client_index", "std::size_t", std::to_string(n - 1), at);
    if (options.reads_stats && state_->stats != nullptr) {
        client.map(*state_->stats, "net_stats", Perms::r, at);
    }
    return *this;
}

void NetworkStack::write_tables(const State& state) {
    std::string rx_code = "struct NetClients {\n    static constexpr std::array clients{\n";
    std::string tx_code = rx_code;
    for (const Client& c : state.clients) {
        const std::string queue = "&kaal_cfg_client_" + c.ident + "_queue";
        const std::string data = "&kaal_cfg_client_" + c.ident + "_data";
        const std::string size = "client_" + c.ident + "_data_size";
        const std::string channel = "client_" + c.ident;
        rx_code += "        kaal::services::net::NetRxClientWiring{" + queue + ", " + data + ", " +
                   size + ", " + channel + ", " + mac_literal(c.mac) + "},\n";
        tx_code += "        kaal::services::net::NetTxClientWiring{" + queue + ", " + data + ", " +
                   data + "_paddr, " + size + ", " + channel + ", " + mac_literal(c.mac) + "},\n";
    }
    rx_code += "    };\n};\n";
    tx_code += "    };\n};\n";
    if (state.clients.empty()) {
        // The virtualisers refuse to build without clients (a static_assert says so).
        rx_code = "struct NetClients {\n    static constexpr std::array<kaal::services::net::"
                  "NetRxClientWiring, 0> clients{};\n};\n";
        tx_code = "struct NetClients {\n    static constexpr std::array<kaal::services::net::"
                  "NetTxClientWiring, 0> clients{};\n};\n";
    }
    std::string names = "inline constexpr std::array<const char*, " +
                        std::to_string(state.clients.size()) + "> net_client_names{";
    for (std::size_t i = 0; i < state.clients.size(); ++i) {
        names += (i == 0 ? "\"" : ", \"") + state.clients[i].pd->name() + "\"";
    }
    names += "};\n";
    for (const Client& c : state.clients) {
        if (c.reads_stats) {
            c.pd->section({{"array"}, names});
        }
    }
    state.rx->section({{"array", "kaal/services/net/net_wiring.hpp"}, std::move(rx_code)});
    state.tx->section({{"array", "kaal/services/net/net_wiring.hpp"}, std::move(tx_code)});
}

} // namespace kaal::composer
