// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/channel.hpp>

// What the PDs of the system-composition example agree on besides system.xml: each client's
// channel ids and its index at the RX mux. system.xml must use the same numbers.
namespace composition {

// A client's channels: 0 to the TX mux (its TX queue), 1 to the RX mux (its RX queue, and its
// control calls: pp="true" on the client's end).
inline constexpr kaal::Channel tx_mux{0};
inline constexpr kaal::Channel rx_mux{1};

// Client indices at the RX mux, in the order of rx_mux.cpp's configuration. The first one owns
// input at boot; Ctrl-\ followed by the index switches.
inline constexpr unsigned echo_input = 0;
inline constexpr unsigned greeter_input = 1;

} // namespace composition
