// SPDX-License-Identifier: BSD-2-Clause
// The register model is what the driver tests trust, so its TRM behaviour is tested on its own,
// through raw register accesses, before any driver is involved.
#include <gtest/gtest.h>

#include "pl011_model.hpp"

namespace {

constexpr kaal::Word dr = 0x000;
constexpr kaal::Word rsr = 0x004;
constexpr kaal::Word fr = 0x018;
constexpr kaal::Word ibrd = 0x024;
constexpr kaal::Word lcr_h = 0x02c;
constexpr kaal::Word cr = 0x030;
constexpr kaal::Word ifls = 0x034;
constexpr kaal::Word imsc = 0x038;
constexpr kaal::Word mis = 0x040;
constexpr kaal::Word icr = 0x044;
constexpr std::uint32_t fen = 1U << 4;
constexpr std::uint32_t enabled = 0x301; // UARTEN, TXE, RXE

struct Uart {
    explicit Uart(unsigned revision = 1) : model(revision) {
        model.write(lcr_h, 4, fen | (3U << 5));
        model.write(cr, 4, enabled);
    }
    std::uint32_t reg(kaal::Word offset) {
        return static_cast<std::uint32_t>(model.read(offset, 4));
    }
    void set(kaal::Word offset, std::uint32_t value) { model.write(offset, 4, value); }
    Pl011Model model;
};

TEST(Pl011Model, FifoDepthFollowsTheRevision) {
    EXPECT_EQ(Pl011Model{1}.fifo_depth(), 16U);
    EXPECT_EQ(Pl011Model{3}.fifo_depth(), 32U);
}

TEST(Pl011Model, FlagsTrackBothFifos) {
    Uart uart;
    EXPECT_EQ(uart.reg(fr) & 0xf8, 0x90U); // TXFE | RXFE
    for (int i = 0; i < 16; ++i) {
        uart.set(dr, 'a');
    }
    EXPECT_EQ(uart.reg(fr) & 0xf8, 0x38U); // BUSY | RXFE | TXFF
    uart.set(dr, 'x');                     // to a full FIFO: lost
    EXPECT_EQ(uart.model.tx_writes_when_full(), 1U);
    EXPECT_EQ(uart.model.transmit(), 16U);
    uart.model.receive(std::string(16, 'r'));
    EXPECT_EQ(uart.reg(fr) & 0xf8, 0xc0U); // TXFE | RXFF
}

TEST(Pl011Model, TxInterruptIsATransitionThroughTheTriggerLevel) {
    Uart uart;
    uart.set(ifls, 0); // TX at 1/8: 2 of 16
    uart.set(imsc, Pl011Model::tx_bit);
    EXPECT_FALSE(uart.model.interrupt_asserted()); // empty FIFO, unmasked: nothing
    for (int i = 0; i < 5; ++i) {
        uart.set(dr, 'a');
    }
    uart.model.transmit(2);
    EXPECT_FALSE(uart.model.interrupt_asserted()); // 3 left, above 2
    uart.model.transmit(1);
    EXPECT_TRUE(uart.model.interrupt_asserted());
    EXPECT_EQ(uart.reg(mis), Pl011Model::tx_bit);
    uart.set(dr, 'b'); // 3 again: above the level clears it
    EXPECT_FALSE(uart.model.interrupt_asserted());
    uart.model.transmit(1);
    uart.set(icr, Pl011Model::tx_bit);
    EXPECT_FALSE(uart.model.interrupt_asserted());
}

TEST(Pl011Model, RxInterruptAtTheTriggerLevelAndTimeoutForTheRest) {
    Uart uart;
    uart.set(ifls, 2U << 3); // RX at 1/2: 8 of 16
    uart.set(imsc, Pl011Model::rx_bit | Pl011Model::rt_bit);
    uart.model.receive("1234567");
    EXPECT_FALSE(uart.model.interrupt_asserted());
    uart.model.receive_idle();
    EXPECT_EQ(uart.reg(mis), Pl011Model::rt_bit);
    uart.model.receive("8");
    EXPECT_EQ(uart.reg(mis), Pl011Model::rt_bit | Pl011Model::rx_bit);
    EXPECT_EQ(uart.reg(dr), static_cast<std::uint32_t>('1'));
    EXPECT_EQ(uart.reg(mis), Pl011Model::rt_bit); // below the level again
    while ((uart.reg(fr) & (1U << 4)) == 0) {
        (void)uart.reg(dr);
    }
    EXPECT_FALSE(uart.model.interrupt_asserted()); // empty: RT cleared too
}

TEST(Pl011Model, OverrunKeepsTheFifoAndLosesTheIncomingCharacter) {
    Uart uart;
    uart.set(imsc, Pl011Model::oe_bit);
    uart.model.receive(std::string(16, 'f'));
    EXPECT_FALSE(uart.model.receive('x'));
    EXPECT_FALSE(uart.model.receive('y'));
    EXPECT_EQ(uart.model.characters_lost(), 2U);
    EXPECT_EQ(uart.reg(mis), Pl011Model::oe_bit);
    EXPECT_EQ(uart.reg(rsr) & 0x8, 0x8U);
    EXPECT_EQ(uart.reg(dr), static_cast<std::uint32_t>('f'));
    EXPECT_TRUE(uart.model.receive('z'));
    for (int i = 0; i < 15; ++i) {
        EXPECT_EQ(uart.reg(dr), static_cast<std::uint32_t>('f'));
    }
    EXPECT_EQ(uart.reg(dr), 'z' | (1U << 11)); // DR.OE on the first character after the loss
    EXPECT_EQ(uart.reg(rsr) & 0x8, 0x8U);      // sticky until ECR
    uart.set(rsr, 0);
    EXPECT_EQ(uart.reg(rsr), 0U);
}

TEST(Pl011Model, FifosDisabledAreOneCharacterDeepAndClearingFenFlushesTx) {
    Uart uart;
    uart.set(dr, 'a');
    uart.set(dr, 'b');
    uart.set(lcr_h, 3U << 5); // FEN off
    EXPECT_EQ(uart.model.tx_level(), 0U);
    uart.set(dr, 'c');
    EXPECT_NE(uart.reg(fr) & (1U << 5), 0U); // TXFF after one character
    uart.model.transmit();
    EXPECT_EQ(uart.model.line_output(), "c");
}

TEST(Pl011Model, DivisorsTakeEffectOnTheNextLineControlWrite) {
    Uart uart;
    uart.set(ibrd, 13);
    EXPECT_EQ(uart.model.latched_ibrd(), 0U);
    uart.set(lcr_h, fen);
    EXPECT_EQ(uart.model.latched_ibrd(), 13U);
}

TEST(Pl011Model, DisallowedAccessesAreCounted) {
    Uart uart;
    (void)uart.model.read(fr, 1);     // not 32 bits
    (void)uart.model.write(fr, 4, 0); // read-only
    (void)uart.model.read(0x800, 4);  // nothing there
    EXPECT_EQ(uart.model.bad_accesses(), 3U);
}

} // namespace
