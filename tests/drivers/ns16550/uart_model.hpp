// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <kaal/core/result.hpp>
#include <kaal/platform/message.hpp>

// A register-level model of a 16550A UART (National Semiconductor PC16550D data sheet, "Register
// Description" and table II), standing in for COM1 behind the driver's port bus. It models what
// the driver depends on, and what a wrong driver would trip over:
//  - LCR.DLAB switches registers 0 and 1 to the divisor latch (DLL/DLM);
//  - FCR bit 0 enables the 16-byte FIFOs (without it the 16450's one-byte buffers), bits 1/2
//    clear them, bits 7:6 set the RX trigger level (1, 4, 8, 14);
//  - a THR write to a full transmitter is lost (counted in tx_lost), as on the chip;
//  - a byte received into a full RX FIFO is lost and sets LSR.OE ("Overrun Error": the shift
//    register's character is overwritten, the FIFO is not), which an LSR read clears;
//  - IIR reports the highest-priority pending interrupt: receiver line status (0x06), received
//    data at the trigger level (0x04), character timeout below it (0x0C; the model takes the
//    four character times as already passed), THR empty (0x02), or none (bit 0 = 1). Reading
//    IIR while it reports THR empty clears that interrupt, as does writing THR;
//  - the THR-empty interrupt is raised when the transmitter runs empty, and when ETBEI is set
//    while it is already empty;
//  - `irq_pending()` is the interrupt line as the PC's interrupt controller sees it: an enabled
//    interrupt pending, gated by MCR.OUT2 (IBM PC/AT Technical Reference).
// Time is explicit: `shift_out(n)` sends n bytes down the line, `receive(bytes)` delivers bytes.
namespace kaal::drivers::ns16550::test {

class Uart16550Model {
public:
    static constexpr Word base = 0x3f8;
    static constexpr std::size_t fifo_depth = 16;

    // ---- the port interface --------------------------------------------------------------------

    // The DDDK's DeviceModel interface: MockPortOps sends each IN/OUT here with the absolute port.
    // The 16550 decodes only byte accesses, and only its own eight ports.
    std::uint64_t read(Word port, unsigned bytes) {
        if (port < base || port >= base + 8 || bytes != 1) {
            ++bad_accesses_;
            return 0xff;
        }
        ++reads_;
        return read_register(static_cast<unsigned>(port - base));
    }

    void write(Word port, unsigned bytes, std::uint64_t value) {
        if (port < base || port >= base + 8 || bytes != 1) {
            ++bad_accesses_;
            return;
        }
        ++writes_;
        write_register(static_cast<unsigned>(port - base), static_cast<std::uint8_t>(value));
    }

    // Called on every read of RBR that takes a byte: a test's hostile queue peer acts at the
    // moment the driver has taken a byte it has not yet queued.
    std::function<void()> on_data_read;

    // ---- the outside world -----------------------------------------------------------------

    // Bytes arriving on the line, each fully received in turn.
    void receive(std::string_view bytes) {
        for (const char c : bytes) {
            if (rx_.size() == depth()) {
                overrun_ = true;
                ++rx_lost_;
            } else {
                rx_.push_back(c);
            }
        }
    }

    // The transmitter sends up to `n` bytes; returns how many it sent.
    std::size_t shift_out(std::size_t n) {
        std::size_t sent = 0;
        for (; sent < n && !tx_.empty(); ++sent) {
            line_.push_back(tx_.front());
            tx_.pop_front();
        }
        if (sent != 0 && tx_.empty()) {
            thre_interrupt_ = true;
        }
        return sent;
    }

    // Whether the interrupt line is asserted.
    [[nodiscard]] bool irq_pending() const { return (mcr_ & out2) != 0 && (identify() & 1U) == 0; }

    // ---- inspection and fault injection --------------------------------------------------------

    [[nodiscard]] const std::string& line() const { return line_; }
    [[nodiscard]] std::uint8_t ier() const { return ier_; }
    [[nodiscard]] std::uint8_t lcr() const { return lcr_; }
    [[nodiscard]] std::uint8_t mcr() const { return mcr_; }
    [[nodiscard]] std::uint8_t dll() const { return dll_; }
    [[nodiscard]] std::uint8_t dlm() const { return dlm_; }
    [[nodiscard]] bool fifos_enabled() const { return fifo_enabled_; }
    [[nodiscard]] unsigned rx_trigger() const { return rx_trigger_; }
    [[nodiscard]] std::size_t tx_fifo_size() const { return tx_.size(); }
    [[nodiscard]] std::size_t rx_fifo_size() const { return rx_.size(); }
    [[nodiscard]] unsigned tx_lost() const { return tx_lost_; }
    [[nodiscard]] unsigned rx_lost() const { return rx_lost_; }
    [[nodiscard]] unsigned bad_accesses() const { return bad_accesses_; }
    [[nodiscard]] unsigned reads() const { return reads_; }
    [[nodiscard]] unsigned writes() const { return writes_; }

    // Register bits, from the data sheet, named independently of the driver's ns16550.hpp.
    static constexpr std::uint8_t erbfi = 1U << 0, etbei = 1U << 1, elsi = 1U << 2;
    static constexpr std::uint8_t dlab = 1U << 7;
    static constexpr std::uint8_t dtr = 1U << 0, rts = 1U << 1, out2 = 1U << 3;
    static constexpr std::uint8_t lsr_dr = 1U << 0, lsr_oe = 1U << 1, lsr_thre = 1U << 5,
                                  lsr_temt = 1U << 6;

private:
    [[nodiscard]] std::size_t depth() const { return fifo_enabled_ ? fifo_depth : 1; }
    [[nodiscard]] bool dlab_set() const { return (lcr_ & dlab) != 0; }

    // IIR's interrupt identification (table IV), without side effects.
    [[nodiscard]] std::uint8_t identify() const {
        if ((ier_ & elsi) != 0 && overrun_) {
            return 0x06;
        }
        if ((ier_ & erbfi) != 0 && !rx_.empty()) {
            return (!fifo_enabled_ || rx_.size() >= rx_trigger_) ? 0x04 : 0x0c;
        }
        if ((ier_ & etbei) != 0 && thre_interrupt_) {
            return 0x02;
        }
        return 0x01;
    }

    std::uint8_t read_register(unsigned r) {
        switch (r) {
        case 0:
            if (dlab_set()) {
                return dll_;
            }
            if (rx_.empty()) {
                return 0;
            } else {
                const auto byte = static_cast<std::uint8_t>(rx_.front());
                rx_.pop_front();
                if (on_data_read) {
                    on_data_read();
                }
                return byte;
            }
        case 1: return dlab_set() ? dlm_ : ier_;
        case 2: {
            const std::uint8_t id = identify();
            if (id == 0x02) {
                thre_interrupt_ = false;
            }
            return static_cast<std::uint8_t>(id | (fifo_enabled_ ? 0xc0 : 0));
        }
        case 3: return lcr_;
        case 4: return mcr_;
        case 5: {
            unsigned lsr = 0;
            lsr |= rx_.empty() ? 0U : lsr_dr;
            lsr |= overrun_ ? lsr_oe : 0U;
            // The shift register is not modelled apart: it empties with the FIFO.
            lsr |= tx_.empty() ? unsigned{lsr_thre} | lsr_temt : 0U;
            overrun_ = false; // LSR bits 1-4 clear when LSR is read
            return static_cast<std::uint8_t>(lsr);
        }
        case 6: return 0; // MSR: no modem lines
        default: return scr_;
        }
    }

    void write_register(unsigned r, std::uint8_t v) {
        switch (r) {
        case 0:
            if (dlab_set()) {
                dll_ = v;
            } else if (tx_.size() == depth()) {
                ++tx_lost_;
            } else {
                tx_.push_back(static_cast<char>(v));
                thre_interrupt_ = false;
            }
            break;
        case 1:
            if (dlab_set()) {
                dlm_ = v;
            } else {
                const bool enabling_thre = (ier_ & etbei) == 0 && (v & etbei) != 0;
                ier_ = static_cast<std::uint8_t>(v & 0x0f);
                if (enabling_thre && tx_.empty()) {
                    thre_interrupt_ = true;
                }
            }
            break;
        case 2: {
            const bool enable = (v & 1U) != 0;
            // Changing FCR bit 0 resets both FIFOs.
            if (enable != fifo_enabled_ || (v & 2U) != 0) {
                rx_.clear();
            }
            if (enable != fifo_enabled_ || (v & 4U) != 0) {
                tx_.clear();
            }
            fifo_enabled_ = enable;
            static constexpr unsigned triggers[] = {1, 4, 8, 14};
            rx_trigger_ = triggers[v >> 6];
            break;
        }
        case 3: lcr_ = v; break;
        case 4: mcr_ = static_cast<std::uint8_t>(v & 0x1f); break;
        case 5: // LSR and MSR are read-only in normal operation
        case 6: break;
        default: scr_ = v; break;
        }
    }

    std::deque<char> tx_;
    std::deque<char> rx_;
    std::string line_;
    std::uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0, dll_ = 0, dlm_ = 0, scr_ = 0;
    bool fifo_enabled_ = false;
    unsigned rx_trigger_ = 1;
    bool overrun_ = false;
    bool thre_interrupt_ = false;
    unsigned tx_lost_ = 0, rx_lost_ = 0, bad_accesses_ = 0, reads_ = 0, writes_ = 0;
};

} // namespace kaal::drivers::ns16550::test
