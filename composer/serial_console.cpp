// SPDX-License-Identifier: BSD-2-Clause
// The serial console building block (serial_console.hpp). The queue layout and the muxes'
// configuration types are those of kaal/dddk/serial_queue.hpp and services/serial.
#include <algorithm>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/serial_console.hpp>

namespace kaal::composer {

namespace {

constexpr Word queue_bytes = 0x1000; // dddk::serial::queue_region_bytes

} // namespace

SerialConsole::SerialConsole(System& s, SerialConsoleOptions options, std::source_location at)
    : system_(s), state_(std::make_shared<State>()) {
    state_->options = options;
    const bool virt = s.board() == Board::qemu_virt_aarch64;
    Pd*& driver_ = state_->driver;
    Pd*& tx_mux_ = state_->tx_mux;
    Pd*& rx_mux_ = state_->rx_mux;
    driver_ =
        &s.pd(virt ? "serial_pl011" : "serial_16550", virt ? "serial_pl011" : "serial_ns16550", at)
             .priority(options.driver_priority, at);
    driver_->device(virt ? boards::qemu_virt_aarch64::uart : boards::pc99_x86_64::com1, "uart", at);
    tx_mux_ = &s.pd("serial_tx_mux", "serial_tx_mux", at).priority(options.tx_mux_priority, at);
    rx_mux_ = &s.pd("serial_rx_mux", "serial_rx_mux", at).priority(options.rx_mux_priority, at);

    Region& driver_tx = s.region("serial_driver_tx", queue_bytes, at);
    Region& driver_rx = s.region("serial_driver_rx", queue_bytes, at);
    driver_->map(driver_tx, "tx_queue", Perms::rw, at).map(driver_rx, "rx_queue", Perms::rw, at);
    tx_mux_->map(driver_tx, "driver_queue", Perms::rw, at);
    rx_mux_->map(driver_rx, "driver_queue", Perms::rw, at);
    s.channel(*driver_, "tx", *tx_mux_, "driver", at);
    s.channel(*driver_, "rx", *rx_mux_, "driver", at);

    // The RX mux's report lines are one more TX client, named serial-rx.
    Region& reports = s.region("serial_rx_reports", queue_bytes, at);
    rx_mux_->map(reports, "report_queue", Perms::rw, at);
    tx_mux_->map(reports, "client_serial_rx_queue", Perms::rw, at);
    s.channel(*rx_mux_, "reports", *tx_mux_, "client_serial_rx", at);

    s.on_compose([state = state_](System&) { write_tables(*state); });
}

// A client's TX queue to the TX mux and, with input, its RX queue from the RX mux, on a
// channel the client may call the RX mux on (the mux outranks every client: priorities above).
SerialConsole& SerialConsole::add_client(Pd& client, SerialClientOptions options,
                                         std::source_location at) {
    System& s = system_;
    Pd* tx_mux_ = state_->tx_mux;
    Pd* rx_mux_ = state_->rx_mux;
    const std::string ident = identifier(client.name());
    unsigned input_index = 0;
    for (const Client& c : state_->clients) {
        input_index += c.input ? 1U : 0U;
    }
    state_->clients.push_back({client.name(), ident, options.input, options.may_select_input});

    Region& tx = s.region("serial_" + ident + "_tx", queue_bytes, at);
    client.map(tx, "serial_tx_queue", Perms::rw, at);
    tx_mux_->map(tx, "client_" + ident + "_queue", Perms::rw, at);
    s.channel(client, "serial_tx", *tx_mux_, "client_" + ident, at);
    if (options.input) {
        Region& rx = s.region("serial_" + ident + "_rx", queue_bytes, at);
        client.map(rx, "serial_rx_queue", Perms::rw, at);
        rx_mux_->map(rx, "client_" + ident + "_queue", Perms::rw, at);
        s.call(client, "serial_rx", *rx_mux_, "client_" + ident, at);
        client.constant("serial_input_index", "unsigned", std::to_string(input_index), at);
    }
    return *this;
}

// The muxes' Config types (tx_mux_component.hpp, rx_mux_component.hpp), from the clients in the
// order they were added; the RX mux's reports come last at the TX mux.
void SerialConsole::write_tables(const State& state) {
    std::string tx =
        "struct TxMux {\n"
        "    static constexpr const kaal::Word* driver_queue = &kaal_cfg_driver_queue;\n"
        "    static constexpr kaal::Channel driver_channel = driver;\n"
        "    static constexpr std::array clients{\n";
    bool any_input = false;
    for (const Client& c : state.clients) {
        any_input = any_input || c.input;
    }
    // With no input client the table is typed by hand: an empty braced list deduces nothing.
    std::string rx =
        std::string{
            "struct RxMux {\n"
            "    static constexpr const kaal::Word* driver_queue = &kaal_cfg_driver_queue;\n"
            "    static constexpr kaal::Channel driver_channel = driver;\n"} +
        (any_input ? "    static constexpr std::array clients{\n"
                   : "    static constexpr std::array<kaal::services::serial::MuxClientConfig, 0> "
                     "clients{\n");
    for (const Client& c : state.clients) {
        tx += "        kaal::services::serial::MuxClientConfig{\"" + c.name +
              "\", &kaal_cfg_client_" + c.ident + "_queue, client_" + c.ident + "},\n";
        if (c.input) {
            rx += "        kaal::services::serial::MuxClientConfig{\"" + c.name +
                  "\", &kaal_cfg_client_" + c.ident + "_queue, client_" + c.ident + ", " +
                  (c.may_select_input ? "true" : "false") + "},\n";
        }
    }
    tx += "        kaal::services::serial::MuxClientConfig{\"serial-rx\", "
          "&kaal_cfg_client_serial_rx_queue, client_serial_rx},\n    };\n"
          "    static constexpr kaal::services::serial::TxOptions options{.prefix_names = " +
          std::string{state.options.prefix_names ? "true" : "false"} + "};\n};\n";
    rx += "    };\n"
          "    static constexpr const kaal::Word* report_queue = &kaal_cfg_report_queue;\n"
          "    static constexpr kaal::Channel report_channel = reports;\n};\n";
    state.tx_mux->section(
        {{"array", "kaal/services/serial/mux_wiring.hpp", "kaal/services/serial/tx_mux.hpp"}, tx});
    state.rx_mux->section({{"array", "kaal/services/serial/mux_wiring.hpp"}, rx});
}

} // namespace kaal::composer
