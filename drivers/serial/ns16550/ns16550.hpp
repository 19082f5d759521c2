// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

// The registers of a 16550A UART (National Semiconductor PC16550D data sheet, "Register
// Description", table II), as offsets from the port base (0x3f8 for COM1 on a PC). Only what the
// KaaL driver uses is named.
namespace kaal::drivers::ns16550 {

namespace reg {
inline constexpr unsigned rbr = 0; // receiver buffer (read, DLAB = 0)
inline constexpr unsigned thr = 0; // transmitter holding (write, DLAB = 0)
inline constexpr unsigned dll = 0; // divisor latch low (DLAB = 1)
inline constexpr unsigned ier = 1; // interrupt enable (DLAB = 0)
inline constexpr unsigned dlm = 1; // divisor latch high (DLAB = 1)
inline constexpr unsigned iir = 2; // interrupt identification (read)
inline constexpr unsigned fcr = 2; // FIFO control (write)
inline constexpr unsigned lcr = 3; // line control
inline constexpr unsigned mcr = 4; // modem control
inline constexpr unsigned lsr = 5; // line status
inline constexpr unsigned count = 8;
} // namespace reg

namespace ier {
inline constexpr std::uint8_t rx_available = 1U << 0; // ERBFI
inline constexpr std::uint8_t tx_empty = 1U << 1;     // ETBEI
} // namespace ier

namespace iir {
inline constexpr std::uint8_t none_pending = 1U << 0;
} // namespace iir

namespace fcr {
inline constexpr std::uint8_t enable = 1U << 0;
inline constexpr std::uint8_t clear_rx = 1U << 1;
inline constexpr std::uint8_t clear_tx = 1U << 2;
inline constexpr std::uint8_t rx_trigger_8 = 2U << 6; // interrupt at 8 bytes in the RX FIFO
} // namespace fcr

namespace lcr {
inline constexpr std::uint8_t eight_n_one = 0x03; // 8 data bits, no parity, 1 stop bit
inline constexpr std::uint8_t dlab = 1U << 7;
} // namespace lcr

namespace mcr {
inline constexpr std::uint8_t dtr = 1U << 0;
inline constexpr std::uint8_t rts = 1U << 1;
// On a PC the UART's interrupt line reaches the interrupt controller only through OUT2
// (IBM PC/AT Technical Reference, "Serial/Parallel Adapter").
inline constexpr std::uint8_t out2 = 1U << 3;
} // namespace mcr

namespace lsr {
inline constexpr std::uint8_t data_ready = 1U << 0;
inline constexpr std::uint8_t overrun = 1U << 1;
inline constexpr std::uint8_t thr_empty = 1U << 5;
} // namespace lsr

// The transmitter FIFO of a 16550A: THRE means all 16 places are free.
inline constexpr unsigned tx_fifo_depth = 16;
// 115200 baud from the 1.8432 MHz reference clock: divisor 1.
inline constexpr std::uint8_t divisor_115200 = 1;

} // namespace kaal::drivers::ns16550
