// SPDX-License-Identifier: BSD-2-Clause
// The TX multiplexer as a protection domain: its client table is the composer's (the serial
// console building block writes config::TxMux into this PD's kaal_config.hpp).
#include <kaal/services/serial/tx_mux_component.hpp>

#include "kaal_config.hpp"

KAAL_COMPONENT(kaal::services::serial::TxMuxComponent<config::TxMux>);
