// SPDX-License-Identifier: BSD-2-Clause
// The TX mux of the hostile system: echo, hostile and the RX mux's reports, as hostile.system
// declares them.
#include <array>

#include <kaal/services/serial/tx_mux_component.hpp>

extern "C" {
kaal::Word driver_tx; // the PL011 driver's TX queue
kaal::Word echo_tx;   // the clients' TX queues
kaal::Word hostile_tx;
kaal::Word rx_mux_tx; // the RX mux's report lines
}

namespace {

namespace serial = kaal::services::serial;

struct Config {
    static constexpr const kaal::Word* driver_queue = &driver_tx;
    static constexpr kaal::Channel driver_channel{0};
    static constexpr std::array clients{
        serial::TxClientConfig{"echo", &echo_tx, kaal::Channel{1}},
        serial::TxClientConfig{"hostile", &hostile_tx, kaal::Channel{2}},
        serial::TxClientConfig{"serial-rx", &rx_mux_tx, kaal::Channel{3}},
    };
    static constexpr serial::TxOptions options{.prefix_names = true};
};

} // namespace

KAAL_COMPONENT(serial::TxMuxComponent<Config>);
