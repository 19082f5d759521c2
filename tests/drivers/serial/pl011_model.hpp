// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include <kaal/platform/message.hpp>

// A host model of the PL011 UART, written from the TRM (ARM DDI 0183), for driving the PL011
// driver through a MockBus. The test stands on the far side of the serial line: it makes
// characters arrive (receive), lets the transmitter shift characters out (transmit), and lets
// time pass on an idle line (receive_idle). Time does not pass otherwise, so a test decides
// exactly when the FIFOs fill and drain.
//
// What is modelled, with the TRM sections:
//  - FIFOs of 16 (revisions r1p0-r1p4) or 32 (r1p5) entries; with LCR_H.FEN = 0 they are
//    one-character holding registers (3.3.7). Clearing FEN flushes the transmit FIFO (3.3.8).
//  - UARTFR BUSY, RXFE, TXFF, RXFF, TXFE (3.3.3).
//  - UARTRIS/UARTMIS/UARTIMSC/UARTICR (3.3.10-3.3.13) with the FIFO level triggers of UARTIFLS
//    (3.3.9), as chapter 2, "Interrupts", describes them:
//      RX: set when the receive FIFO reaches its trigger level; cleared by reading it below the
//          level, or by ICR.
//      RT: set by receive_idle() while the receive FIFO holds data; cleared by emptying the FIFO
//          or by ICR.
//      TX: set when transmission takes the transmit FIFO from above its trigger level to at or
//          below it -- a transition, not a level: enabling TXIM on an already-empty FIFO raises
//          nothing, which is why drivers write data first and unmask after. Cleared by writing
//          the FIFO above the level, or by ICR.
//      OE: a character arrived with the receive FIFO full. The FIFO keeps its contents and the
//          incoming character is lost (3.3.2); UARTRSR.OE stays set until UARTECR is written,
//          and the next character to enter the FIFO carries DR.OE.
//      FE/PE/BE: a character with that error entered the FIFO; its DR read shows the error and
//          UARTRSR reports it for the character last read (3.3.2).
//  - UARTIBRD/UARTFBRD take effect on the next write of UARTLCR_H (3.3.6).
//  - UARTPeriphID0-3 (3.3.15), with the revision in PeriphID2[7:4].
// Accesses the TRM does not allow -- a width other than 32 bits, an unknown offset, a read of
// ICR, a write of a read-only register, a write to a full transmit FIFO -- are counted, so a
// test can require that the driver made none.
class Pl011Model {
public:
    explicit Pl011Model(unsigned revision = 1);

    // The bus side (MockBus).
    std::uint64_t read(kaal::Word offset, unsigned bytes);
    void write(kaal::Word offset, unsigned bytes, std::uint64_t value);

    // The line side. `errors` are DR error bits (FE 0x100, PE 0x200, BE 0x400) to attach.
    // Returns false if the character was lost to an overrun, or ignored by a disabled receiver.
    bool receive(char c, std::uint32_t errors = 0);
    void receive(const std::string& text);
    void receive_idle();
    // Shifts up to `max_chars` out of the transmit FIFO onto the line; returns how many.
    std::size_t transmit(std::size_t max_chars = ~std::size_t{0});

    // Called on every read of UARTDR that takes a character: a test's hostile queue peer acts
    // at the moment the driver has taken a byte it has not yet queued.
    std::function<void()> on_data_read;

    // While set, each read of UARTFR lets one character leave the transmit FIFO: time passing
    // while a polling loop spins.
    void set_polling_drains(bool on) { polling_drains_ = on; }

    // Observations.
    [[nodiscard]] bool interrupt_asserted() const { return (ris_ & imsc_) != 0; }
    [[nodiscard]] const std::string& line_output() const { return line_; }
    [[nodiscard]] std::size_t tx_level() const { return tx_.size(); }
    [[nodiscard]] std::size_t rx_level() const { return rx_.size(); }
    [[nodiscard]] unsigned fifo_depth() const { return depth_; }
    [[nodiscard]] std::uint32_t ris() const { return ris_; }
    [[nodiscard]] std::uint32_t imsc() const { return imsc_; }
    [[nodiscard]] std::uint32_t cr() const { return cr_; }
    [[nodiscard]] std::uint32_t lcr_h() const { return lcr_h_; }
    [[nodiscard]] std::uint32_t ifls() const { return ifls_; }
    [[nodiscard]] std::uint32_t latched_ibrd() const { return latched_ibrd_; }
    [[nodiscard]] std::uint32_t latched_fbrd() const { return latched_fbrd_; }
    [[nodiscard]] std::uint64_t characters_lost() const { return characters_lost_; }
    [[nodiscard]] std::uint64_t tx_writes_when_full() const { return tx_writes_when_full_; }
    [[nodiscard]] std::uint64_t bad_accesses() const { return bad_accesses_; }
    [[nodiscard]] std::uint64_t register_accesses() const { return accesses_; }

    static constexpr std::uint32_t rx_bit = 1U << 4;
    static constexpr std::uint32_t tx_bit = 1U << 5;
    static constexpr std::uint32_t rt_bit = 1U << 6;
    static constexpr std::uint32_t fe_bit = 1U << 7;
    static constexpr std::uint32_t pe_bit = 1U << 8;
    static constexpr std::uint32_t be_bit = 1U << 9;
    static constexpr std::uint32_t oe_bit = 1U << 10;

private:
    [[nodiscard]] bool fifos_enabled() const { return (lcr_h_ & (1U << 4)) != 0; }
    [[nodiscard]] std::size_t effective_depth() const { return fifos_enabled() ? depth_ : 1; }
    [[nodiscard]] std::size_t trigger(unsigned select) const;
    [[nodiscard]] std::size_t tx_trigger() const { return trigger(ifls_ & 0x7); }
    [[nodiscard]] std::size_t rx_trigger() const { return trigger((ifls_ >> 3) & 0x7); }
    [[nodiscard]] bool enabled(std::uint32_t direction_bit) const;
    [[nodiscard]] std::uint32_t flags() const;
    std::uint32_t read_data();
    void write_data(std::uint32_t value);

    unsigned revision_;
    unsigned depth_;
    std::deque<std::uint8_t> tx_;
    std::deque<std::uint16_t> rx_; // data in [7:0], error bits in [11:8], as DR returns them
    std::string line_;
    std::uint32_t rsr_ = 0;
    std::uint32_t ibrd_ = 0;
    std::uint32_t fbrd_ = 0;
    std::uint32_t latched_ibrd_ = 0;
    std::uint32_t latched_fbrd_ = 0;
    std::uint32_t lcr_h_ = 0;
    std::uint32_t cr_ = 0x300;  // reset value: TXE and RXE set, UARTEN clear (3.3.8)
    std::uint32_t ifls_ = 0x12; // reset value: both at half (3.3.9)
    std::uint32_t imsc_ = 0;
    std::uint32_t ris_ = 0;
    bool overrun_pending_ = false; // the next character into the FIFO carries DR.OE
    bool polling_drains_ = false;
    std::uint64_t characters_lost_ = 0;
    std::uint64_t tx_writes_when_full_ = 0;
    std::uint64_t bad_accesses_ = 0;
    std::uint64_t accesses_ = 0;
};
