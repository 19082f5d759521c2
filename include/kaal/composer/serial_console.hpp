// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include <kaal/composer/system.hpp>

// The serial console as one building block: the board's UART driver (PL011 on QEMU virt, the
// 16550 on pc99), a TX multiplexer and an RX multiplexer (services/serial/README.md), wired to
// each other, and one line per client:
//
//   kaal::composer::SerialConsole serial{s};
//   serial.add_client(echo, {.may_select_input = true});
//   serial.add_client(greeter);
//
// A client's configuration then names its queues and channels (`config::serial_tx_queue`,
// `config::serial_tx`, `config::serial_rx_queue`, `config::serial_rx`) and its index at the RX
// mux (`config::serial_input_index`, what Ctrl-\ followed by a digit selects). The muxes'
// client tables are generated into their own configurations, in the order clients are added.
// The timer, block and network stacks of later issues plug in the same way: a class that makes
// PDs, regions and channels in its constructor and add_client(), and fills in the server's
// tables from an on_compose hook once every client is known.
namespace kaal::composer {

struct SerialConsoleOptions {
    unsigned driver_priority = 250; // empties the UART's FIFO: nothing may delay it
    unsigned rx_mux_priority = 210; // above its clients, which call it
    unsigned tx_mux_priority = 200; // above every client, which is what makes it fair
    bool prefix_names = true;       // "[name] " before each client line
};

struct SerialClientOptions {
    bool input = true;             // an RX queue and control calls to the RX mux as well
    bool may_select_input = false; // the privilege of switching input (SelectInput)
};

class SerialConsole {
public:
    explicit SerialConsole(System& system, SerialConsoleOptions options = {},
                           std::source_location at = std::source_location::current());

    SerialConsole& add_client(Pd& client, SerialClientOptions options = {},
                              std::source_location at = std::source_location::current());

    [[nodiscard]] Pd& driver() { return *state_->driver; }
    [[nodiscard]] Pd& tx_mux() { return *state_->tx_mux; }
    [[nodiscard]] Pd& rx_mux() { return *state_->rx_mux; }

private:
    struct Client {
        std::string name;  // its line prefix and its name at the RX mux
        std::string ident; // the same as a C identifier
        bool input;
        bool may_select_input;
    };
    // Shared with the System's compose hook, which writes the muxes' tables after the
    // description has returned (and this handle may be gone).
    struct State {
        SerialConsoleOptions options;
        Pd* driver = nullptr;
        Pd* tx_mux = nullptr;
        Pd* rx_mux = nullptr;
        std::vector<Client> clients;
    };
    static void write_tables(const State& state);

    System& system_;
    std::shared_ptr<State> state_;
};

} // namespace kaal::composer
