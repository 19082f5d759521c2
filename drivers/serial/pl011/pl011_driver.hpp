// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include <kaal/broker/device_bundle.hpp>
#include <kaal/core/report_backoff.hpp>
#include <kaal/core/result.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/irq.hpp>
#include <kaal/dddk/register_block.hpp>
#include <kaal/dddk/serial_queue.hpp>
#include <kaal/ipc/byte_stream.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/platform/debug.hpp>

#include "pl011.hpp"

// The PL011 UART driver: moves bytes between the UART's FIFOs and two serial queues
// (serial_queue.hpp). It reads the TX queue, which the TX multiplexer (or a single client)
// writes, and writes the RX queue, which the RX multiplexer reads. Everything is interrupt
// driven; the only busy-wait is boot_puts, for output before the queues exist.
//
// Events, each delivered as a Microkit notification on its own channel (see README.md):
//   - the UART's interrupt: received data (RX at the FIFO trigger level, or RT, the receive
//     timeout, for a few bytes followed by silence), transmit FIFO drained to its trigger level
//     (TX), or receive overrun (OE). Serviced, then acked.
//   - TX queue: data available. The FIFO is filled from the queue.
//   - RX queue: space available, after the driver paused reception on a full queue.
//
// Flow control, both directions, without dropping anything the driver has taken:
//   - TX: the driver takes from the TX queue only what fits in the FIFO. A client that fills the
//     queue is told so by ByteStream (write returns less) and sleeps until the driver signals
//     space: that is its back-pressure. The TX interrupt is unmasked only while data is waiting
//     and masked when the queue runs dry.
//   - RX: the driver takes a byte out of the FIFO only when the RX queue has room for it. When
//     the queue is full it stops reading and masks the RX and RT interrupts (keeping OE), and
//     asks the reader for a signal; the bytes wait in the hardware FIFO. If the line keeps
//     sending, the FIFO fills and the UART itself overruns (TRM 3.3.2: the FIFO's contents stay
//     valid, the incoming character is lost). That loss is the hardware's, and the driver counts
//     and reports it (rx_overruns) and carries on; it never discards a byte it has read.
//
// A peer writing garbage into a queue's indices cannot make the driver touch memory outside the
// queue (the ring clamps every index it reads); the driver reports it (tx_queue_errors,
// rx_queue_errors) and keeps serving, and resumes normally once the indices are sane again.
namespace kaal::drivers::serial {

// Fixed by the component's .system wiring; README.md has the table.
struct SerialQueues {
    Word tx_region = 0; // setvar_vaddr of the TX queue's region (client -> driver)
    Word rx_region = 0; // setvar_vaddr of the RX queue's region (driver -> client)
    Channel tx_channel{1};
    Channel rx_channel{2};
};

struct Pl011Config {
    std::uint32_t clock_hz = 24'000'000; // UARTCLK; QEMU virt's "apb-pclk" is 24 MHz
    std::uint32_t baud = 115'200;        // 0: keep the divisors firmware programmed
};

struct Pl011Stats {
    std::uint64_t tx_bytes = 0;
    std::uint64_t rx_bytes = 0;
    std::uint64_t rx_overruns = 0;       // hardware FIFO overruns (UARTRSR.OE events)
    std::uint64_t rx_framing_errors = 0; // characters dropped for a framing error
    std::uint64_t rx_parity_errors = 0;
    std::uint64_t rx_breaks = 0;
    std::uint64_t rx_pauses = 0;       // times a full RX queue paused reception
    std::uint64_t tx_queue_errors = 0; // corrupt indices seen in the TX queue
    std::uint64_t rx_queue_errors = 0; // corrupt indices seen in the RX queue
    std::uint64_t spurious_irqs = 0;   // interrupts with nothing pending
    std::uint64_t irq_ack_errors = 0;
    std::uint64_t unknown_notifications = 0;
};

template <dddk::RegisterBus Bus>
class Pl011Driver {
public:
    using Regs = dddk::RegisterBlock<Bus>;

    // Checks everything the .system file could have got wrong: the IRQ and its channel, both
    // queue regions, and that the three channels are distinct. Touches no register.
    static Result<Pl011Driver> create(Bus bus, const DeviceIrq& irq_desc,
                                      const SerialQueues& queues) {
        KAAL_TRY(const auto irq, dddk::Irq::from(irq_desc));
        if (!queues.tx_channel.valid() || !queues.rx_channel.valid() ||
            queues.tx_channel == queues.rx_channel || irq.arrived_on(queues.tx_channel) ||
            irq.arrived_on(queues.rx_channel)) {
            return Error::invalid_channel;
        }
        KAAL_TRY(const auto tx, dddk::serial::attach_queue(queues.tx_region));
        KAAL_TRY(const auto rx, dddk::serial::attach_queue(queues.rx_region));
        return Pl011Driver(Regs{bus}, irq, queues, tx, rx);
    }

    // Programs the UART as TRM 3.3.8 prescribes (disable, let the current character finish,
    // flush the transmit FIFO, reprogram, enable) for 8N1 with FIFOs, unmasks the receive
    // interrupts and serves whatever is already waiting in either direction. Safe to call on a
    // UART left in any state, which is what a restarted driver finds.
    Status start(const Pl011Config& config) {
        write<Pl011::Imsc>(0);
        // Every interrupt masked, the line is low, so an ack cannot repeat a stale event. It
        // unmasks the line at the interrupt controller for a driver restarted between an
        // interrupt and its ack, which would otherwise stay masked for good (seL4 manual,
        // "IRQHandler_Ack").
        if (const auto acked = irq_.ack(); !acked.ok()) {
            ++stats_.irq_ack_errors;
        }
        write<Pl011::Cr>(static_cast<std::uint32_t>(read<Pl011::Cr>() & ~Pl011::Cr::Uarten::mask));
        wait_until_idle();
        write<Pl011::LcrH>(0); // FEN = 0 flushes the transmit FIFO
        if (config.baud != 0) {
            // 64 * clock / (16 * baud), rounded: the integer divisor and the 6-bit fraction.
            const std::uint64_t div64 =
                (std::uint64_t{config.clock_hz} * 4 + config.baud / 2) / config.baud;
            const std::uint64_t integer = div64 >> 6;
            if (integer == 0 || integer > 0xffff) {
                return Error::invalid_argument;
            }
            write<Pl011::Ibrd>(static_cast<std::uint32_t>(integer));
            write<Pl011::Fbrd>(static_cast<std::uint32_t>(div64 & 0x3f));
        }
        // This write also latches the divisors (TRM 3.3.6).
        write<Pl011::LcrH>(Pl011::LcrH::Wlen::bits(Pl011::LcrH::wlen_8_bits) |
                           Pl011::LcrH::Fen::bits(1));
        // RX at half full, with the timeout for the tail of a burst; TX refilled when an eighth
        // is left, so each interrupt moves most of a FIFO.
        write<Pl011::Ifls>(Pl011::Ifls::Rxiflsel::bits(Pl011::Ifls::half) |
                           Pl011::Ifls::Txiflsel::bits(Pl011::Ifls::eighth));
        write<Pl011::Icr>(Pl011::Icr::all);
        write<Pl011::Ecr>(0);
        write<Pl011::Cr>(read<Pl011::Cr>() | Pl011::Cr::Uarten::mask | Pl011::Cr::Txe::mask |
                         Pl011::Cr::Rxe::mask);
        fifo_depth_ = Pl011::fifo_depth(read<Pl011::PeriphId2::Revision>());
        set_mask(rx_interrupts | Pl011::Imsc::Oe::mask);
        started_ = true;
        // A client may have queued output, and the line may have sent input, before this PD
        // ran: nobody will signal either again.
        service_rx();
        service_tx();
        return {};
    }

    // Polled output for boot messages, before start() or before any client exists: waits for
    // room in the transmit FIFO before each character (bounded), so it is the one busy-wait.
    void boot_puts(std::string_view text) const {
        for (const char c : text) {
            if (c == '\n') {
                boot_putc('\r');
            }
            boot_putc(c);
        }
    }

    // The component's notified(ch) hook: routes the event to its handler.
    void notified(Channel ch) {
        if (irq_.arrived_on(ch)) {
            handle_irq();
        } else if (ch == queues_.tx_channel) {
            service_tx();
        } else if (ch == queues_.rx_channel) {
            rx_space_available();
        } else {
            ++stats_.unknown_notifications;
            debug::print("pl011: notification on unexpected channel ", ch.id(), ", ignored\n");
        }
    }

    // The UART interrupt: clear what is pending, service the device, then ack.
    void handle_irq() {
        const std::uint32_t pending = read<Pl011::Mis>();
        if (pending == 0) {
            // A notification with nothing pending: a level already cleared by servicing the
            // device in another event before this one was delivered.
            ++stats_.spurious_irqs;
        }
        // Cleared before servicing, so a condition that arises while servicing raises a new
        // interrupt instead of being cleared unseen.
        write<Pl011::Icr>(pending);
        if ((pending & Pl011::Mis::Oe::mask) != 0) {
            note_overrun();
        }
        if ((pending & (rx_interrupts | Pl011::Mis::Oe::mask)) != 0) {
            service_rx();
        }
        if ((pending & Pl011::Mis::Tx::mask) != 0) {
            service_tx();
        }
        if (const auto acked = irq_.ack(); !acked.ok()) {
            ++stats_.irq_ack_errors;
            debug::print("pl011: irq ack failed: ", acked.error(), "\n");
        }
    }

    // Moves bytes from the TX queue into the transmit FIFO, never more than fits.
    void service_tx() {
        if (!started_) {
            return;
        }
        std::array<char, max_fifo_depth> chunk{};
        std::size_t written = 0;
        bool took = false;
        for (;;) {
            const std::uint32_t flags = read<Pl011::Fr>();
            // An empty FIFO takes a whole FIFO without further checks; a partly full one is
            // filled a byte at a time until TXFF (the PL011 has no fill-level register).
            const std::size_t room = Pl011::Fr::Txfe::get(flags) != 0   ? fifo_depth_
                                     : Pl011::Fr::Txff::get(flags) != 0 ? 0
                                                                        : 1;
            if (room == 0) {
                set_mask(mask_ | Pl011::Imsc::Tx::mask);
                break;
            }
            const std::size_t count = tx_.read(std::span{chunk.data(), room});
            if (count == 0) {
                if (tx_.reader_may_sleep()) {
                    check_queue(queues_.tx_region, stats_.tx_queue_errors, "TX");
                    set_mask(mask_ & ~Pl011::Imsc::Tx::mask);
                    break;
                }
                continue;
            }
            for (std::size_t i = 0; i < count; ++i) {
                write<Pl011::Dr>(static_cast<unsigned char>(chunk[i]));
            }
            took = true;
            written += count;
            stats_.tx_bytes += count;
            if (written >= fifo_depth_) {
                // A FIFO's worth per event keeps RX latency bounded; the FIFO is now above its
                // trigger level, so the TX interrupt comes back when it has drained.
                set_mask(mask_ | Pl011::Imsc::Tx::mask);
                break;
            }
        }
        if (took && tx_.writer_needs_signal()) {
            signal(queues_.tx_channel);
        }
    }

    // Moves bytes from the receive FIFO into the RX queue while the queue has room.
    void service_rx() {
        if (!started_ || rx_paused_) {
            return;
        }
        std::array<char, max_fifo_depth> chunk{};
        bool pushed = false;
        while (read<Pl011::Fr::Rxfe>() == 0) {
            const std::size_t room = std::min<std::size_t>(rx_.ring().free_slots(), chunk.size());
            if (room == 0) {
                if (rx_.writer_may_sleep()) {
                    pause_rx();
                    break;
                }
                continue;
            }
            std::size_t count = 0;
            while (count < room && read<Pl011::Fr::Rxfe>() == 0) {
                const std::uint32_t data = read<Pl011::Dr>();
                if ((data & Pl011::Dr::errors) != 0) {
                    count_receive_error(data);
                    continue;
                }
                chunk[count++] = static_cast<char>(Pl011::Dr::Data::get(data));
            }
            if (count != 0) {
                // Cannot be short: `room` came from free_slots(), whose room the ring keeps for
                // the writer whatever the reader does to its index (ring_buffer.hpp, clamp_head).
                (void)rx_.write(std::span<const char>{chunk.data(), count});
                stats_.rx_bytes += count;
                pushed = true;
            }
        }
        if (pushed && rx_.reader_needs_signal()) {
            signal(queues_.rx_channel);
        }
    }

    // The RX queue's reader freed space after the driver paused: resume reception.
    void rx_space_available() {
        if (rx_paused_) {
            rx_paused_ = false;
            set_mask(mask_ | rx_interrupts);
        }
        service_rx();
    }

    [[nodiscard]] const Pl011Stats& stats() const { return stats_; }
    [[nodiscard]] unsigned fifo_depth() const { return fifo_depth_; }
    [[nodiscard]] bool rx_paused() const { return rx_paused_; }
    [[nodiscard]] const dddk::Irq& irq() const { return irq_; }

private:
    static constexpr std::uint32_t rx_interrupts = Pl011::Imsc::Rx::mask | Pl011::Imsc::Rt::mask;
    static constexpr unsigned max_fifo_depth = 32;
    // Polls of a flag at boot before giving up: far longer than a character takes at any baud
    // rate, and bounded so a wedged UART delays the boot instead of hanging it.
    static constexpr unsigned boot_poll_limit = 1U << 20;

    Pl011Driver(Regs regs, dddk::Irq irq, const SerialQueues& queues, const ipc::ByteStream& tx,
                const ipc::ByteStream& rx)
        : regs_(regs), irq_(irq), queues_(queues), tx_(tx), rx_(rx) {}

    template <typename R>
    [[nodiscard]] auto read() const {
        return regs_.template read<R>();
    }
    template <typename R>
    void write(typename R::value_type value) const {
        regs_.template write<R>(value);
    }

    void set_mask(std::uint32_t mask) {
        if (mask != mask_) {
            mask_ = mask;
            write<Pl011::Imsc>(mask);
        }
    }

    void pause_rx() {
        rx_paused_ = true;
        ++stats_.rx_pauses;
        // OE stays unmasked: an overrun while paused is still counted and reported.
        set_mask(mask_ & ~rx_interrupts);
        check_queue(queues_.rx_region, stats_.rx_queue_errors, "RX");
    }

    void note_overrun() {
        if (read<Pl011::Rsr::Oe>() == 0) {
            return;
        }
        write<Pl011::Ecr>(0);
        ++stats_.rx_overruns;
        if (worth_reporting(stats_.rx_overruns)) {
            debug::print("pl011: receive FIFO overrun, characters lost (", stats_.rx_overruns,
                         " overruns so far)\n");
        }
    }

    void count_receive_error(std::uint32_t data) {
        if (Pl011::Dr::Be::get(data) != 0) {
            ++stats_.rx_breaks;
        } else if (Pl011::Dr::Fe::get(data) != 0) {
            ++stats_.rx_framing_errors;
        } else {
            ++stats_.rx_parity_errors;
        }
    }

    static void check_queue(Word region, std::uint64_t& errors, const char* which) {
        if (const auto status = dddk::serial::check_queue_indices(region); !status.ok()) {
            ++errors;
            if (worth_reporting(errors)) {
                debug::print("pl011: ", which, " queue indices are corrupt (", status.error(), ", ",
                             errors, " times); ignoring them until they are sane\n");
            }
        }
    }

    static void signal(Channel ch) {
        if (const auto sent = notify(ch); !sent.ok()) {
            debug::print("pl011: notify on channel ", ch.id(), " failed: ", sent.error(), "\n");
        }
    }

    void wait_until_idle() const {
        for (unsigned i = 0; i < boot_poll_limit && read<Pl011::Fr::Busy>() != 0; ++i) {
        }
    }

    void boot_putc(char c) const {
        for (unsigned i = 0; i < boot_poll_limit && read<Pl011::Fr::Txff>() != 0; ++i) {
        }
        write<Pl011::Dr>(static_cast<unsigned char>(c));
    }

    Regs regs_;
    dddk::Irq irq_;
    SerialQueues queues_;
    ipc::ByteStream tx_;
    ipc::ByteStream rx_;
    std::uint32_t mask_ = 0; // what Imsc holds: kept here so changing it costs one write
    unsigned fifo_depth_ = 16;
    bool rx_paused_ = false;
    bool started_ = false;
    Pl011Stats stats_{};
};

// The driver on the UART's mapped registers, from its DeviceBundle.
inline Result<Pl011Driver<dddk::MmioBus>> make_pl011_driver(const DeviceBundle& bundle,
                                                            const SerialQueues& queues) {
    KAAL_TRY(const auto bus, dddk::MmioBus::create(bundle.mmio, Pl011::register_span));
    return Pl011Driver<dddk::MmioBus>::create(bus, bundle.irq, queues);
}

} // namespace kaal::drivers::serial
