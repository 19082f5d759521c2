// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/dddk/register.hpp>

// The registers of a 16550A UART (National Semiconductor PC16550D data sheet, "Register
// Description", table II) as DDDK register types, offsets counted in ports from the device's
// first port (0x3f8 for COM1 on a PC). Registers 0 and 1 are three registers each, selected by
// the access direction and LCR.DLAB; each gets its own type, with the access the data sheet
// allows. Only what the KaaL driver uses is named.
namespace kaal::drivers::ns16550 {

using dddk::Access;
using dddk::Register;

struct Rbr : Register<0, 8, Access::read_only> {};  // receiver buffer (DLAB = 0)
struct Thr : Register<0, 8, Access::write_only> {}; // transmitter holding (DLAB = 0)
struct Dll : Register<0, 8> {};                     // divisor latch, low byte (DLAB = 1)
struct Dlm : Register<1, 8> {};                     // divisor latch, high byte (DLAB = 1)

struct Ier : Register<1, 8> {               // interrupt enable (DLAB = 0)
    struct RxAvailable : Bitfield<0, 1> {}; // ERBFI: received data (and character timeout)
    struct TxEmpty : Bitfield<1, 1> {};     // ETBEI: transmitter holding register empty
};

// Reading IIR acknowledges a THR-empty interrupt it reports, so it is read-only for the DDDK:
// no read-modify-write.
struct Iir : Register<2, 8, Access::read_only> {
    struct NonePending : Bitfield<0, 1> {};
};

struct Fcr : Register<2, 8, Access::write_only> {
    struct Enable : Bitfield<0, 1> {};
    struct ClearRx : Bitfield<1, 1> {};
    struct ClearTx : Bitfield<2, 1> {};
    struct RxTrigger : Bitfield<6, 2> {}; // 0: 1 byte, 1: 4, 2: 8, 3: 14
};

struct Lcr : Register<3, 8> {
    struct WordLength : Bitfield<0, 2> {}; // 3: 8 bits; stop bits and parity 0: one, none
    struct Dlab : Bitfield<7, 1> {};
};

struct Mcr : Register<4, 8> {
    struct Dtr : Bitfield<0, 1> {};
    struct Rts : Bitfield<1, 1> {};
    // On a PC the UART's interrupt line reaches the interrupt controller only through OUT2
    // (IBM PC/AT Technical Reference, "Serial/Parallel Adapter").
    struct Out2 : Bitfield<3, 1> {};
};

// Reading LSR clears OE and the other error bits (PC16550D, "Line Status Register").
struct Lsr : Register<5, 8, Access::read_only> {
    struct DataReady : Bitfield<0, 1> {};
    struct Overrun : Bitfield<1, 1> {};
    struct ThrEmpty : Bitfield<5, 1> {};
};

// The ports the driver names, from the first: what PortIoBus::create checks the cap covers.
inline constexpr unsigned register_span = 8;
// The transmitter FIFO of a 16550A: THRE means all 16 places are free.
inline constexpr unsigned tx_fifo_depth = 16;
// 115200 baud from the 1.8432 MHz reference clock: divisor 1.
inline constexpr std::uint8_t divisor_115200 = 1;
inline constexpr std::uint8_t word_length_8 = 3;
inline constexpr std::uint8_t rx_trigger_8 = 2;

} // namespace kaal::drivers::ns16550
