// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/register_block.hpp>
#include <kaal/ipc/byte_stream.hpp>

#include "ns16550.hpp"

// The 16550A driver's logic, a DDDK driver over any register bus: a PortIoBus on seL4 IOPort
// caps in runtime mode, a PortIoBus on a register model in host tests. It moves bytes between
// the UART and two byte streams: TX (a client writes, the driver reads) and RX (the driver
// writes). Transmission is interrupt-driven: the driver fills the FIFO when it is empty and asks
// for the THR-empty interrupt only while the TX stream still has bytes, so it never waits on the
// line.
namespace kaal::drivers::ns16550 {

struct DriverStats {
    std::uint64_t tx_bytes = 0;
    std::uint64_t rx_bytes = 0;
    std::uint64_t rx_overruns = 0; // the UART's FIFO overflowed (LSR.OE): bytes were lost there
    std::uint64_t rx_dropped = 0;  // received with no RX stream to put them in
};

template <dddk::RegisterBus Bus>
class Driver {
public:
    Driver(Bus bus, ipc::ByteStream* tx, ipc::ByteStream* rx) : regs_(bus), tx_(tx), rx_(rx) {}

    // 115200 8N1 with FIFOs; receive interrupts on, transmit interrupts on demand.
    void init() {
        regs_.template write<Ier>(0);
        regs_.template write<Lcr>(Lcr::Dlab::bits(1));
        regs_.template write<Dll>(divisor_115200);
        regs_.template write<Dlm>(0);
        regs_.template write<Lcr>(Lcr::WordLength::bits(word_length_8));
        regs_.template write<Fcr>(
            static_cast<std::uint8_t>(Fcr::Enable::bits(1) | Fcr::ClearRx::bits(1) |
                                      Fcr::ClearTx::bits(1) | Fcr::RxTrigger::bits(rx_trigger_8)));
        regs_.template write<Mcr>(
            static_cast<std::uint8_t>(Mcr::Dtr::bits(1) | Mcr::Rts::bits(1) | Mcr::Out2::bits(1)));
        ier_ = Ier::RxAvailable::bits(rx_ != nullptr ? 1 : 0);
        regs_.template write<Ier>(ier_);
    }

    // After the UART interrupted: drain the receiver, refill the transmitter. The caller acks
    // the IRQ afterwards, so an edge raised while this ran is not lost.
    // Returns whether the RX stream's reader should be signalled.
    bool handle_irq() {
        bool rx_signal = false;
        // Reading IIR clears a THR-empty interrupt; LSR says whether bytes wait. Bounded, so a
        // UART that keeps asserting something unexpected cannot hold the driver here.
        for (unsigned round = 0; round < max_irq_rounds; ++round) {
            const auto pending = regs_.template read<Iir>();
            const bool rx_ready = Lsr::DataReady::get(read_lsr()) != 0 && !rx_paused_;
            if (rx_ready) {
                rx_signal |= receive();
            }
            if (!rx_ready && Iir::NonePending::get(pending) != 0) {
                break;
            }
        }
        transmit();
        return rx_signal;
    }

    // The RX stream's reader made room after the driver paused reception: take bytes again.
    bool rx_space() {
        if (!rx_paused_) {
            return false;
        }
        rx_paused_ = false;
        ier_ = Ier::RxAvailable::set(ier_, 1);
        regs_.template write<Ier>(ier_);
        return handle_irq();
    }

    // The TX stream's writer signalled: move what fits into the FIFO now.
    void transmit() {
        for (;;) {
            if (Lsr::ThrEmpty::get(read_lsr()) == 0) {
                // The FIFO is still sending; the THR-empty interrupt continues from here.
                want_tx_interrupt(true);
                return;
            }
            std::array<char, tx_fifo_depth> chunk{};
            const std::size_t n = tx_->read(chunk);
            for (std::size_t i = 0; i < n; ++i) {
                regs_.template write<Thr>(static_cast<std::uint8_t>(chunk[i]));
            }
            stats_.tx_bytes += n;
            if (n == 0) {
                // Nothing left: stop THR-empty interrupts, then re-check the stream after
                // announcing that we sleep, or a byte written in between would wait forever.
                want_tx_interrupt(false);
                if (tx_->reader_may_sleep()) {
                    return;
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
    void write_polled(std::span<const char> text) {
        for (const char c : text) {
            while (Lsr::ThrEmpty::get(read_lsr()) == 0) {
            }
            regs_.template write<Thr>(static_cast<std::uint8_t>(c));
        }
    }

private:
    // Takes one byte from the UART, but only once the RX stream has room for it: when the stream
    // is full, reception pauses (RX interrupt off) and the bytes wait in the UART's FIFO until the
    // reader signals space. Only the UART's own FIFO can then overflow, which LSR.OE reports.
    bool receive() {
        if (rx_ == nullptr) {
            static_cast<void>(regs_.template read<Rbr>());
            ++stats_.rx_dropped;
            return false;
        }
        if (rx_->ring().free_slots() == 0 && rx_->writer_may_sleep()) {
            // ier_ is what IER holds: cleared here, not just written, so that switching the
            // THR-empty interrupt while paused does not turn reception back on (the UART would
            // then interrupt for bytes the driver leaves in the FIFO: an interrupt storm).
            rx_paused_ = true;
            ier_ = Ier::RxAvailable::set(ier_, 0);
            regs_.template write<Ier>(ier_);
            return false;
        }
        // Cannot be short: free_slots() or writer_may_sleep() has just seen room, and the ring
        // keeps that room for the writer whatever the reader does to its index
        // (ring_buffer.hpp, clamp_head).
        const char c = static_cast<char>(regs_.template read<Rbr>());
        static_cast<void>(rx_->write(std::span{&c, 1}));
        ++stats_.rx_bytes;
        return rx_->reader_needs_signal();
    }

    void want_tx_interrupt(bool on) {
        const auto wanted = Ier::TxEmpty::set(ier_, on ? 1 : 0);
        if (wanted != ier_) {
            ier_ = wanted;
            regs_.template write<Ier>(ier_);
        }
    }

    // Every LSR read goes through here: reading LSR clears OE (PC16550D, "Line Status
    // Register", bits 1-4 reset on read), so a read that did not count it would lose it.
    std::uint8_t read_lsr() {
        const auto status = regs_.template read<Lsr>();
        if (Lsr::Overrun::get(status) != 0) {
            ++stats_.rx_overruns;
        }
        return status;
    }

    static constexpr unsigned max_irq_rounds = 64;

    dddk::RegisterBlock<Bus> regs_;
    ipc::ByteStream* tx_;
    ipc::ByteStream* rx_;
    std::uint8_t ier_ = 0;
    bool tx_space_ = false;
    bool rx_paused_ = false;
    DriverStats stats_;
};

} // namespace kaal::drivers::ns16550
