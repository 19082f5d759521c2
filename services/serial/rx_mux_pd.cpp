// SPDX-License-Identifier: BSD-2-Clause
// The RX multiplexer as a protection domain: its client table, with each client's privileges,
// is the composer's (config::RxMux in this PD's kaal_config.hpp).
#include <kaal/services/serial/rx_mux_component.hpp>

#include "kaal_config.hpp"

KAAL_COMPONENT(kaal::services::serial::RxMuxComponent<config::RxMux>);
