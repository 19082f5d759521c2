// SPDX-License-Identifier: BSD-2-Clause
// The RX mux of the hostile system. echo owns input and may switch it; hostile may not.
#include <array>

#include <kaal/services/serial/rx_mux_component.hpp>

extern "C" {
kaal::Word driver_rx; // the PL011 driver's RX queue
kaal::Word echo_rx;   // the clients' RX queues
kaal::Word hostile_rx;
kaal::Word reports_tx; // this mux's report lines, a TX queue to the TX mux
}

namespace {

namespace serial = kaal::services::serial;

struct Config {
    static constexpr const kaal::Word* driver_queue = &driver_rx;
    static constexpr kaal::Channel driver_channel{0};
    static constexpr std::array clients{
        serial::RxClientConfig{"echo", &echo_rx, kaal::Channel{1}, /*may_select_input=*/true},
        serial::RxClientConfig{"hostile", &hostile_rx, kaal::Channel{2}},
    };
    static constexpr const kaal::Word* report_queue = &reports_tx;
    static constexpr kaal::Channel report_channel{3};
};

} // namespace

KAAL_COMPONENT(serial::RxMuxComponent<Config>);
