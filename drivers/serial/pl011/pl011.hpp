// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/dddk/register.hpp>

// The PL011 UART's registers, from the ARM PrimeCell UART (PL011) Technical Reference Manual,
// ARM DDI 0183 (section numbers below are that manual's, revision r1p5). All registers are
// 32 bits wide at word-aligned offsets; only the bits named here are used by the driver.
namespace kaal::drivers::serial {

struct Pl011 {
    using Access = dddk::Access;
    template <Word Offset, unsigned Bits, Access Mode = Access::read_write>
    using Register = dddk::Register<Offset, Bits, Mode>;

    // 3.3.1 Data Register. A read pops the receive FIFO and returns the character with its error
    // flags; a write pushes the transmit FIFO. Its read has a side effect, so it is never
    // read-modify-written.
    struct Dr : Register<0x000, 32> {
        struct Data : Bitfield<0, 8> {};
        struct Fe : Bitfield<8, 1> {};  // framing error: no valid stop bit
        struct Pe : Bitfield<9, 1> {};  // parity error
        struct Be : Bitfield<10, 1> {}; // break: the line was held low for a whole character
        struct Oe : Bitfield<11, 1> {}; // overrun: a character was lost before this one
        static constexpr value_type errors = Fe::mask | Pe::mask | Be::mask;
    };

    // 3.3.2 Receive Status Register (read) / Error Clear Register (write, any value clears).
    // Unlike the flags in Dr, these stay set until cleared, so an overrun is seen even when the
    // receive FIFO is not being read.
    struct Rsr : Register<0x004, 32, Access::read_only> {
        struct Fe : Bitfield<0, 1> {};
        struct Pe : Bitfield<1, 1> {};
        struct Be : Bitfield<2, 1> {};
        struct Oe : Bitfield<3, 1> {};
    };
    struct Ecr : Register<0x004, 32, Access::write_only> {};

    // 3.3.3 Flag Register.
    struct Fr : Register<0x018, 32, Access::read_only> {
        struct Busy : Bitfield<3, 1> {}; // transmitting, or the transmit FIFO is not empty
        struct Rxfe : Bitfield<4, 1> {}; // receive FIFO empty
        struct Txff : Bitfield<5, 1> {}; // transmit FIFO full
        struct Rxff : Bitfield<6, 1> {}; // receive FIFO full
        struct Txfe : Bitfield<7, 1> {}; // transmit FIFO empty
    };

    // 3.3.5 Integer and 3.3.6 Fractional Baud Rate Registers: divisor = clock / (16 * baud),
    // the fraction in 64ths. Both take effect only on the next write of LcrH.
    struct Ibrd : Register<0x024, 32> {
        struct Divint : Bitfield<0, 16> {};
    };
    struct Fbrd : Register<0x028, 32> {
        struct Divfrac : Bitfield<0, 6> {};
    };

    // 3.3.7 Line Control Register.
    struct LcrH : Register<0x02c, 32> {
        struct Pen : Bitfield<1, 1> {};  // parity enable
        struct Stp2 : Bitfield<3, 1> {}; // two stop bits
        struct Fen : Bitfield<4, 1> {};  // FIFOs enabled; 0 = one-character holding registers
        struct Wlen : Bitfield<5, 2> {}; // word length: 0b11 = 8 bits
        static constexpr value_type wlen_8_bits = 0b11;
    };

    // 3.3.8 Control Register.
    struct Cr : Register<0x030, 32> {
        struct Uarten : Bitfield<0, 1> {};
        struct Txe : Bitfield<8, 1> {};
        struct Rxe : Bitfield<9, 1> {};
    };

    // 3.3.9 Interrupt FIFO Level Select Register. Levels are fractions of the FIFO depth.
    struct Ifls : Register<0x034, 32> {
        struct Txiflsel : Bitfield<0, 3> {};
        struct Rxiflsel : Bitfield<3, 3> {};
        static constexpr value_type eighth = 0b000;
        static constexpr value_type quarter = 0b001;
        static constexpr value_type half = 0b010;
        static constexpr value_type three_quarters = 0b011;
        static constexpr value_type seven_eighths = 0b100;
    };

    // 3.3.10-3.3.13: mask set/clear (Imsc), raw status (Ris), masked status (Mis = Ris & Imsc)
    // and clear (Icr, write 1 to clear) share one bit layout. The modem-status bits 0-3 are
    // not used.
    template <Word Offset, Access Mode>
    struct InterruptRegister : Register<Offset, 32, Mode> {
        using Base = Register<Offset, 32, Mode>;
        struct Rx : Base::template Bitfield<4, 1> {}; // receive FIFO at its trigger level
        struct Tx : Base::template Bitfield<5, 1> {}; // transmit FIFO fell to its trigger level
        struct Rt : Base::template Bitfield<6, 1> {}; // receive timeout: data waiting, line idle
        struct Fe : Base::template Bitfield<7, 1> {};
        struct Pe : Base::template Bitfield<8, 1> {};
        struct Be : Base::template Bitfield<9, 1> {};
        struct Oe : Base::template Bitfield<10, 1> {}; // receive overrun
        static constexpr std::uint32_t all = 0x7ff;
    };
    struct Imsc : InterruptRegister<0x038, Access::read_write> {};
    struct Ris : InterruptRegister<0x03c, Access::read_only> {};
    struct Mis : InterruptRegister<0x040, Access::read_only> {};
    struct Icr : InterruptRegister<0x044, Access::write_only> {};

    // 3.3.15 Peripheral Identification Registers, UARTPeriphID2: bits [7:4] are the revision.
    // Revisions before r1p5 (revision 3) have 16-entry FIFOs, r1p5 has 32 (TRM r1p5, 1.1 "About the
    // UART"; Linux's amba-pl011 reads the same field for the same reason). QEMU's model reports
    // revision 1.
    struct PeriphId2 : Register<0xfe8, 32, Access::read_only> {
        struct Revision : Bitfield<4, 4> {};
    };

    // Bytes of register space the driver touches (up to PeriphID3).
    static constexpr Word register_span = 0x1000;

    static constexpr unsigned fifo_depth(std::uint32_t revision) { return revision < 3 ? 16 : 32; }
};

} // namespace kaal::drivers::serial
