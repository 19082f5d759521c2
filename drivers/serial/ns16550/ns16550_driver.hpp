// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <kaal/core/result.hpp>
#include <kaal/ipc/byte_stream.hpp>
#include <kaal/platform/message.hpp>

#include "ns16550.hpp"

// The 16550A driver's logic, over any `Bus` with `in8(port)` / `out8(port, value)` (the seL4
// IOPort bus in runtime mode, a register model in host tests). It moves bytes between the UART
// and two byte streams: TX (a client writes, the driver reads) and RX (the driver writes).
// Transmission is interrupt-driven: the driver fills the FIFO when it is empty and asks for the
// THR-empty interrupt only while the TX stream still has bytes, so it never waits on the line.
namespace kaal::drivers::ns16550 {

struct DriverStats {
    std::uint64_t tx_bytes = 0;
    std::uint64_t rx_bytes = 0;
    std::uint64_t rx_overruns = 0; // the UART's FIFO overflowed (LSR.OE): bytes were lost there
    std::uint64_t rx_dropped = 0;  // received with no RX stream to put them in
};

template <typename Bus>
class Driver {
public:
    Driver(Bus bus, Word base, ipc::ByteStream* tx, ipc::ByteStream* rx)
        : bus_(bus), base_(base), tx_(tx), rx_(rx) {}

    // 115200 8N1 with FIFOs; receive interrupts on, transmit interrupts on demand.
    Status init() {
        KAAL_CHECK(write(reg::ier, 0));
        KAAL_CHECK(write(reg::lcr, lcr::dlab));
        KAAL_CHECK(write(reg::dll, divisor_115200));
        KAAL_CHECK(write(reg::dlm, 0));
        KAAL_CHECK(write(reg::lcr, lcr::eight_n_one));
        KAAL_CHECK(
            write(reg::fcr, fcr::enable | fcr::clear_rx | fcr::clear_tx | fcr::rx_trigger_8));
        KAAL_CHECK(write(reg::mcr, mcr::dtr | mcr::rts | mcr::out2));
        ier_ = rx_ != nullptr ? ier::rx_available : 0;
        return write(reg::ier, ier_);
    }

    // After the UART interrupted: drain the receiver, refill the transmitter. The caller acks
    // the IRQ afterwards, so an edge raised while this ran is not lost.
    // Returns whether the RX stream's reader should be signalled.
    Result<bool> handle_irq() {
        bool rx_signal = false;
        // Reading IIR clears a THR-empty interrupt; LSR says whether bytes wait. Bounded, so a
        // UART that keeps asserting something unexpected cannot hold the driver here.
        for (unsigned round = 0; round < max_irq_rounds; ++round) {
            KAAL_TRY(const std::uint8_t pending, read(reg::iir));
            KAAL_TRY(const std::uint8_t status, read_lsr());
            const bool rx_ready = (status & lsr::data_ready) != 0 && !rx_paused_;
            if (rx_ready) {
                KAAL_TRY(const bool signal, receive());
                rx_signal |= signal;
            }
            if (!rx_ready && (pending & iir::none_pending) != 0) {
                break;
            }
        }
        KAAL_CHECK(transmit());
        return rx_signal;
    }

    // The RX stream's reader made room after the driver paused reception: take bytes again.
    Result<bool> rx_space() {
        if (!rx_paused_) {
            return false;
        }
        rx_paused_ = false;
        ier_ = static_cast<std::uint8_t>(ier_ | ier::rx_available);
        KAAL_CHECK(write(reg::ier, ier_));
        return handle_irq();
    }

    // The TX stream's writer signalled: move what fits into the FIFO now.
    Status transmit() {
        for (;;) {
            KAAL_TRY(const std::uint8_t status, read_lsr());
            if ((status & lsr::thr_empty) == 0) {
                // The FIFO is still sending; the THR-empty interrupt continues from here.
                return want_tx_interrupt(true);
            }
            std::array<char, tx_fifo_depth> chunk{};
            const std::size_t n = tx_->read(chunk);
            for (std::size_t i = 0; i < n; ++i) {
                KAAL_CHECK(write(reg::thr, static_cast<std::uint8_t>(chunk[i])));
            }
            stats_.tx_bytes += n;
            if (n == 0) {
                // Nothing left: stop THR-empty interrupts, then re-check the stream after
                // announcing that we sleep, or a byte written in between would wait forever.
                KAAL_CHECK(want_tx_interrupt(false));
                if (tx_->reader_may_sleep()) {
                    return {};
                }
            } else if (tx_->writer_needs_signal()) {
                tx_space_ = true;
            }
        }
    }

    // Whether the TX stream's writer waits for space and must be signalled; clears the flag.
    bool take_tx_space_signal() {
        const bool signal = tx_space_;
        tx_space_ = false;
        return signal;
    }

    [[nodiscard]] const DriverStats& stats() const { return stats_; }

    // Before the interrupt path runs (boot messages): wait for the transmitter and send.
    Status write_polled(std::span<const char> text) {
        for (const char c : text) {
            for (;;) {
                KAAL_TRY(const std::uint8_t status, read_lsr());
                if ((status & lsr::thr_empty) != 0) {
                    break;
                }
            }
            KAAL_CHECK(write(reg::thr, static_cast<std::uint8_t>(c)));
        }
        return {};
    }

private:
    // Takes one byte from the UART, but only once the RX stream has room for it: when the stream
    // is full, reception pauses (RX interrupt off) and the bytes wait in the UART's FIFO until the
    // reader signals space. Only the UART's own FIFO can then overflow, which LSR.OE reports.
    Result<bool> receive() {
        if (rx_ == nullptr) {
            KAAL_TRY(const std::uint8_t discarded, read(reg::rbr));
            static_cast<void>(discarded);
            ++stats_.rx_dropped;
            return false;
        }
        if (rx_->ring().free_slots() == 0 && rx_->writer_may_sleep()) {
            // ier_ is what IER holds: cleared here, not just written, so that switching the
            // THR-empty interrupt while paused does not turn reception back on (the UART would
            // then interrupt for bytes the driver leaves in the FIFO: an interrupt storm).
            rx_paused_ = true;
            ier_ = static_cast<std::uint8_t>(ier_ & ~ier::rx_available);
            KAAL_CHECK(write(reg::ier, ier_));
            return false;
        }
        KAAL_TRY(const std::uint8_t byte, read(reg::rbr));
        const char c = static_cast<char>(byte);
        static_cast<void>(rx_->write(std::span{&c, 1}));
        ++stats_.rx_bytes;
        return rx_->reader_needs_signal();
    }

    Status want_tx_interrupt(bool on) {
        const auto wanted =
            static_cast<std::uint8_t>(on ? (ier_ | ier::tx_empty) : (ier_ & ~ier::tx_empty));
        if (wanted == ier_) {
            return {};
        }
        ier_ = wanted;
        return write(reg::ier, ier_);
    }

    // Every LSR read goes through here: reading LSR clears OE (PC16550D, "Line Status
    // Register", bits 1-4 reset on read), so a read that did not count it would lose it.
    Result<std::uint8_t> read_lsr() {
        KAAL_TRY(const std::uint8_t status, read(reg::lsr));
        if ((status & lsr::overrun) != 0) {
            ++stats_.rx_overruns;
        }
        return status;
    }

    Result<std::uint8_t> read(unsigned r) { return bus_.in8(base_ + r); }
    Status write(unsigned r, std::uint8_t v) { return bus_.out8(base_ + r, v); }

    Bus bus_;
    Word base_;
    ipc::ByteStream* tx_;
    ipc::ByteStream* rx_;
    static constexpr unsigned max_irq_rounds = 64;

    std::uint8_t ier_ = 0;
    bool tx_space_ = false;
    bool rx_paused_ = false;
    DriverStats stats_;
};

} // namespace kaal::drivers::ns16550
