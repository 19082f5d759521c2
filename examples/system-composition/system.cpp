// SPDX-License-Identifier: BSD-2-Clause
// The serial console every system needs, as KaaL composes it: the PL011 driver, the TX and RX
// multiplexers (kaal/composer/serial_console.hpp), and three clients.
//
//   greeter ──TX──┐                      ┌──RX── echo (owns input at boot)
//   echo ─────TX──┼─> serial_tx_mux ──> serial_pl011 ──> serial_rx_mux ─┼──RX── greeter
//   serial_rx_mux ┘   (whole lines,       (UART)          (input owner) └──reports──> tx mux
//     (reports)        "[name] " prefix)
//
// Priorities, highest first, and why:
//   serial_pl011  250  it empties the UART's RX FIFO; nothing may delay that, or input is lost
//                      to FIFO overrun (PL011 TRM DDI 0183, UARTRSR "OE").
//   serial_rx_mux 210  input reaches its owner promptly; it also serves the clients' control
//                      calls, and a PPC callee must outrank its caller.
//   serial_tx_mux 200  above every client, so a client that signals data has it moved at once
//                      and no client can keep the mux - which enforces fairness - off the CPU.
//   echo          110  the interactive client: it preempts the bulk one.
//   shout         105  answers in capitals; between the two.
//   greeter       100  floods at boot; lowest so it only ever uses idle time.
#include <kaal/composer/serial_console.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    SerialConsole serial{s};
    auto& echo = s.pd("echo", "composition_echo").priority(110);
    auto& greeter = s.pd("greeter", "composition_greeter").priority(100);
    // The order is the input index: echo is 0 and owns input at boot, Ctrl-\ 1 selects greeter.
    // echo's boot check switches input, a privilege the greeter does not have.
    serial.add_client(echo, {.may_select_input = true});
    serial.add_client(greeter);
    // A third client is this one line (and its source, shout.cpp): Ctrl-\ 2 selects it.
    serial.add_client(s.pd("shout", "composition_shout").priority(105));
}
