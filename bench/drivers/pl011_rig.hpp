// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <kaal/dddk/mock_bus.hpp>
#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/channel.hpp>

#include "pl011_driver.hpp"

// What the PL011 benchmarks share: the driver on a device that is never the bottleneck, so what
// is measured is the driver's own work per character (its register accesses, its queue
// operations, its interrupt handling), not a model's bookkeeping. The device always has room in
// its transmit FIFO; of the `rx_pending` characters still to arrive, a FIFO's worth (16) is
// there at each interrupt, as at a real UART's RX trigger; and it reports as pending whichever
// of its interrupts the driver has unmasked and has work for. Its register
// accesses inline to a few instructions, as a device load or store is one on the target.
namespace pl011_bench {

class SinkUart {
public:
    static constexpr std::uint32_t rx_bit = 1U << 4;
    static constexpr std::uint32_t tx_bit = 1U << 5;
    static constexpr std::uint32_t rt_bit = 1U << 6;

    std::uint64_t read(kaal::Word offset, unsigned /*bytes*/) {
        switch (offset) {
        case 0x000: // DR
            --rx_pending;
            --rx_fifo;
            return static_cast<std::uint8_t>('a' + rx_pending % 26);
        case 0x018: return 0x80U | (rx_fifo == 0 ? 0x10U : 0U); // FR: TXFE, RXFE
        case 0x040: {                                           // MIS
            rx_fifo = rx_pending < fifo_depth ? rx_pending : fifo_depth;
            std::uint32_t pending = imsc & tx_bit;
            pending |= rx_pending != 0 ? imsc & (rx_bit | rt_bit) : 0;
            return pending;
        }
        case 0xfe8: return 0x14; // PeriphID2: revision 1, 16-entry FIFOs, as QEMU's
        default: return 0;
        }
    }
    void write(kaal::Word offset, unsigned /*bytes*/, std::uint64_t value) {
        if (offset == 0x000) {
            ++tx_count;
            tx_sum += value;
        } else if (offset == 0x038) {
            imsc = static_cast<std::uint32_t>(value);
        }
    }

    static constexpr std::uint64_t fifo_depth = 16;
    std::uint64_t rx_pending = 0;
    std::uint64_t rx_fifo = 0;
    std::uint64_t tx_count = 0;
    std::uint64_t tx_sum = 0;
    std::uint32_t imsc = 0;
};

using Driver = kaal::drivers::serial::Pl011Driver<kaal::dddk::MockBus<SinkUart>>;

struct alignas(4096) QueueRegion {
    std::array<std::byte, kaal::dddk::serial::queue_region_bytes> bytes{};
    [[nodiscard]] kaal::Word vaddr() { return reinterpret_cast<kaal::Word>(bytes.data()); }
};

// The driver, its two queues with a client on each, and a mock PD wired like serial_pl011.
class Rig {
public:
    Rig() : as_(pd_) {
        pd_.irqs = 1U << 0;
        pd_.notifications = (1U << 1) | (1U << 2);
        kaal::DeviceIrq irq;
        irq.number = 33;
        irq.channel = 0;
        driver_.emplace(*Driver::create(kaal::dddk::MockBus{uart_}, irq,
                                        {.tx_region = tx_region_.vaddr(),
                                         .rx_region = rx_region_.vaddr(),
                                         .tx_channel = kaal::Channel{1},
                                         .rx_channel = kaal::Channel{2}}));
        client_.emplace(*kaal::dddk::serial::attach_queue(tx_region_.vaddr()));
        reader_.emplace(*kaal::dddk::serial::attach_queue(rx_region_.vaddr()));
        (void)driver_->start({});
    }

    // `text` through the TX path: the client queues it, signals, and the driver moves it to the
    // FIFO over as many TX interrupts as it takes. Returns the characters the UART received.
    std::uint64_t transmit(std::span<const char> text) {
        const std::uint64_t before = uart_.tx_count;
        std::size_t offered = 0;
        while (offered < text.size()) {
            offered += client_->write(text.subspan(offered));
            tx_event();
            while ((uart_.imsc & SinkUart::tx_bit) != 0) {
                irq_event();
            }
        }
        return uart_.tx_count - before;
    }

    // `count` characters through the RX path: they wait in the FIFO, the driver moves them to
    // the RX queue on interrupts, and the reader takes them out. Returns the characters read.
    std::uint64_t receive(std::uint64_t count) {
        uart_.rx_pending = count;
        std::uint64_t received = 0;
        std::array<char, 512> buffer{};
        while (uart_.rx_pending != 0) {
            irq_event();
            std::size_t n = 0;
            do {
                n = reader_->read(buffer);
                received += n;
            } while (n != 0);
            if (reader_->writer_needs_signal()) {
                rx_space_event();
            }
        }
        return received;
    }

    // The driver's entry points, kept out of line so an instruction counter can be pointed at
    // them (bench/drivers/count-instructions.sh) and the caller's work stays outside.
    __attribute__((noinline)) void tx_event() { driver_->notified(kaal::Channel{1}); }
    __attribute__((noinline)) void rx_space_event() { driver_->notified(kaal::Channel{2}); }
    __attribute__((noinline)) void irq_event() { driver_->notified(kaal::Channel{0}); }

    [[nodiscard]] const kaal::drivers::serial::Pl011Stats& stats() const {
        return driver_->stats();
    }

private:
    SinkUart uart_;
    kaal::mock::ProtectionDomain pd_;
    kaal::mock::ScopedPd as_;
    QueueRegion tx_region_;
    QueueRegion rx_region_;
    std::optional<Driver> driver_{};
    std::optional<kaal::ipc::ByteStream> client_{};
    std::optional<kaal::ipc::ByteStream> reader_{};
};

} // namespace pl011_bench
