// SPDX-License-Identifier: BSD-2-Clause
// The 16550A driver's logic against a register model of the chip (uart_model.hpp), with real
// byte streams on both sides. Each test plays the component's event loop by hand: an IRQ is
// handled while the model asserts its line, a TX-stream signal calls transmit(), an RX-space
// signal calls rx_space(), and the model's line drains only when the test says time passed.
#include <atomic>
#include <cstddef>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <string_view>

#include <kaal/dddk/mock_bus.hpp>
#include <kaal/dddk/port_io_bus.hpp>
#include <kaal/ipc/byte_stream.hpp>

#include "../../ipc/ring_test_support.hpp"
#include "ns16550_driver.hpp"
#include "uart_model.hpp"

namespace {

using kaal::Error;
using kaal::drivers::ns16550::Driver;
using kaal::drivers::ns16550::test::Uart16550Model;
using kaal::ipc::ByteStream;
using kaal::ipc::RingIndex;
using kaal::ipc::test::Region;
using Model = Uart16550Model;
using PortBus = kaal::dddk::PortIoBus<kaal::dddk::MockPortOps<Model>>;

// COM1's ports as the broker grants them, on the model.
PortBus port_bus(Model& model, kaal::Word first = Model::base) {
    const kaal::IoPortRange com1{kaal::Cap<kaal::cap::IoPort>{1}, first, first + 7};
    return PortBus::create(com1, kaal::drivers::ns16550::register_span,
                           kaal::dddk::MockPortOps<Model>{model})
        .value();
}

// A message longer than the FIFO and the streams, with no repeating period that could hide a
// lost or doubled chunk.
std::string message(std::size_t n) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) {
        text += static_cast<char>('!' + (i * 7 + i / 13) % 90);
    }
    return text;
}

class Rig {
public:
    explicit Rig(RingIndex tx_capacity = 64, RingIndex rx_capacity = 64, bool with_rx = true)
        : tx_region_(ByteStream::region_size(tx_capacity)),
          rx_region_(ByteStream::region_size(rx_capacity)),
          client_tx(attach(tx_region_, tx_capacity)), driver_tx(attach(tx_region_, tx_capacity)),
          driver_rx(attach(rx_region_, rx_capacity)), client_rx(attach(rx_region_, rx_capacity)) {
        driver.emplace(port_bus(model), &driver_tx, with_rx ? &driver_rx : nullptr);
    }

    // The component's init: program the UART, then drain the (empty) TX stream once so the
    // driver has asked for a signal.
    void start() {
        driver->init();
        driver->transmit();
    }

    // A client write; a TX signal, if the stream says one is needed, reaches the driver.
    std::size_t client_write(std::string_view text) {
        const std::size_t n = client_tx.write(text);
        if (client_tx.reader_needs_signal()) {
            ++tx_signals;
            driver->transmit();
        }
        return n;
    }

    // Handle IRQs while the line is asserted, as the component does (it acks after handling).
    // A driver that leaves an interrupt asserted and unserviceable is a storm: bounded here.
    void service() {
        for (unsigned n = 0; model.irq_pending(); ++n) {
            ASSERT_LT(n, 100U) << "interrupt storm: IER " << std::hex << +model.ier();
            rx_signals += driver->handle_irq() ? 1U : 0U;
            ++irqs;
        }
    }

    std::string client_read() {
        std::string got;
        char chunk[32];
        for (std::size_t n; (n = client_rx.read(chunk)) != 0;) {
            got.append(chunk, n);
        }
        return got;
    }

    Model model;
    Region tx_region_;
    Region rx_region_;
    ByteStream client_tx;
    ByteStream driver_tx;
    ByteStream driver_rx;
    ByteStream client_rx;
    std::optional<Driver<PortBus>> driver;
    unsigned irqs = 0;
    unsigned tx_signals = 0;
    unsigned rx_signals = 0;

private:
    static ByteStream attach(Region& region, RingIndex capacity) {
        return ByteStream::attach(region.data(), region.size(), capacity).value();
    }
};

// ---- init ---------------------------------------------------------------------------------------

TEST(Ns16550Driver, InitPrograms115200EightNOneWithFifosOut2AndRxInterrupt) {
    Rig rig;
    rig.model.receive("stale"); // bytes from before the driver: cleared with the FIFO
    rig.driver->init();
    // Divisor 1 (115200 baud from 1.8432 MHz), written through DLAB, which is off again so
    // registers 0 and 1 are THR/RBR and IER.
    EXPECT_EQ(rig.model.dll(), 1U);
    EXPECT_EQ(rig.model.dlm(), 0U);
    EXPECT_EQ(rig.model.lcr(), 0x03U); // 8 data bits, no parity, 1 stop bit, DLAB 0
    EXPECT_TRUE(rig.model.fifos_enabled());
    EXPECT_EQ(rig.model.rx_trigger(), 8U);
    EXPECT_EQ(rig.model.rx_fifo_size(), 0U);
    EXPECT_EQ(rig.model.mcr() & Model::out2, Model::out2);
    EXPECT_EQ(rig.model.mcr() & (Model::dtr | Model::rts), Model::dtr | Model::rts);
    EXPECT_EQ(rig.model.ier(), Model::erbfi);
    EXPECT_FALSE(rig.model.irq_pending());
    EXPECT_EQ(rig.model.bad_accesses(), 0U);
}

TEST(Ns16550Driver, WithoutAnRxStreamNoInterruptIsEnabled) {
    Rig rig(64, 64, false);
    rig.driver->init();
    EXPECT_EQ(rig.model.ier(), 0U);
}

TEST(Ns16550Driver, StartingWithAnEmptyStreamAsksForASignal) {
    Rig rig;
    rig.start();
    EXPECT_EQ(rig.model.ier(), Model::erbfi); // nothing to send: no THR-empty interrupt
    EXPECT_EQ(rig.client_tx.write(std::string_view{"x"}), 1U);
    EXPECT_TRUE(rig.client_tx.reader_needs_signal());
}

// ---- transmit -----------------------------------------------------------------------------------

TEST(Ns16550Driver, TransmitFillsTheFifoSixteenBytesPerThrEmpty) {
    Rig rig;
    rig.start();
    const std::string text = message(40);
    ASSERT_EQ(rig.client_write(text), 40U);
    EXPECT_EQ(rig.tx_signals, 1U);
    // One FIFO's worth, nothing written into a full transmitter, and the interrupt asked for.
    EXPECT_EQ(rig.model.tx_fifo_size(), 16U);
    EXPECT_EQ(rig.model.tx_lost(), 0U);
    EXPECT_EQ(rig.model.ier(), Model::erbfi | Model::etbei);
    EXPECT_FALSE(rig.model.irq_pending());

    // Half the FIFO sent: no interrupt yet (THRE means empty), nothing refilled.
    rig.model.shift_out(8);
    EXPECT_FALSE(rig.model.irq_pending());

    rig.model.shift_out(8);
    rig.service();
    EXPECT_EQ(rig.irqs, 1U);
    EXPECT_EQ(rig.model.tx_fifo_size(), 16U);
    EXPECT_EQ(rig.model.ier(), Model::erbfi | Model::etbei);

    rig.model.shift_out(16);
    rig.service();
    EXPECT_EQ(rig.model.tx_fifo_size(), 8U);
    // Still sending the last 8: the interrupt stays on to find the stream empty.
    EXPECT_EQ(rig.model.ier(), Model::erbfi | Model::etbei);

    rig.model.shift_out(16);
    rig.service();
    EXPECT_EQ(rig.model.ier(), Model::erbfi); // stream empty: THR-empty interrupt off
    EXPECT_FALSE(rig.model.irq_pending());
    EXPECT_EQ(rig.model.line(), text);
    EXPECT_EQ(rig.model.tx_lost(), 0U);
    EXPECT_EQ(rig.driver->stats().tx_bytes, 40U);
}

TEST(Ns16550Driver, NoSignalIsNeededWhileTheDriverIsStillSending) {
    Rig rig;
    rig.start();
    rig.client_write(message(40));
    EXPECT_EQ(rig.tx_signals, 1U);
    // The driver will come back to the stream on its own (THR-empty interrupt): no signal.
    rig.client_write("more");
    EXPECT_EQ(rig.tx_signals, 1U);
    for (int i = 0; i < 10; ++i) {
        rig.model.shift_out(16);
        rig.service();
    }
    EXPECT_EQ(rig.model.line(), message(40) + "more");
}

TEST(Ns16550Driver, AfterTheStreamDrainsTheNextWriteSignalsTheDriver) {
    // The lost-wake-up rule: the driver asks for a signal before it stops looking, so a write
    // that comes after it went idle is announced, and the bytes go out.
    Rig rig;
    rig.start();
    rig.client_write("first");
    rig.model.shift_out(16);
    rig.service();
    EXPECT_EQ(rig.model.ier(), Model::erbfi);
    EXPECT_EQ(rig.client_tx.write(std::string_view{"second"}), 6U);
    EXPECT_TRUE(rig.client_tx.reader_needs_signal());
    rig.driver->transmit();
    rig.model.shift_out(16);
    rig.service();
    EXPECT_EQ(rig.model.line(), "firstsecond");
}

TEST(Ns16550Driver, AFullTxStreamGivesBackPressureAndLosesNothing) {
    Rig rig(64);
    rig.start();
    const std::string text = message(3000);
    std::size_t offset = 0;
    unsigned sleeps = 0;
    unsigned step = 0;
    while (rig.model.line().size() < text.size()) {
        ASSERT_LT(++step, 100'000U);
        if (offset < text.size()) {
            offset += rig.client_write(std::string_view{text}.substr(offset, 50));
            if (offset < text.size() && rig.client_tx.ring().free_slots() == 0 &&
                rig.client_tx.writer_may_sleep()) {
                // The client sleeps until the driver says there is space; time passes meanwhile.
                ++sleeps;
                bool woken = false;
                for (unsigned t = 0; !woken; ++t) {
                    ASSERT_LT(t, 100U) << "writer never signalled";
                    rig.model.shift_out(1 + (t * 5 + step) % 16);
                    rig.service();
                    woken = rig.driver->take_tx_space_signal();
                }
                continue;
            }
        }
        rig.model.shift_out(1 + step % 16);
        rig.service();
    }
    EXPECT_GT(sleeps, 10U);
    EXPECT_EQ(rig.model.line(), text);
    EXPECT_EQ(rig.model.tx_lost(), 0U);
    EXPECT_EQ(rig.driver->stats().tx_bytes, text.size());
    EXPECT_EQ(rig.model.ier(), Model::erbfi);
}

TEST(Ns16550Driver, PolledWritesWaitForTheTransmitter) {
    Rig rig;
    rig.driver->init();
    // write_polled spins on LSR; let each status read be a moment in which one byte leaves.
    struct DrainingModel {
        Model* model;
        std::uint64_t read(kaal::Word port, unsigned bytes) const {
            model->shift_out(1);
            return model->read(port, bytes);
        }
        void write(kaal::Word port, unsigned bytes, std::uint64_t v) const {
            model->write(port, bytes, v);
        }
    };
    using DrainingBus = kaal::dddk::PortIoBus<kaal::dddk::MockPortOps<const DrainingModel>>;
    const DrainingModel draining{&rig.model};
    const kaal::IoPortRange com1{kaal::Cap<kaal::cap::IoPort>{1}, Model::base, Model::base + 7};
    Driver<DrainingBus> polled(
        DrainingBus::create(com1, kaal::drivers::ns16550::register_span,
                            kaal::dddk::MockPortOps<const DrainingModel>{draining})
            .value(),
        &rig.driver_tx, nullptr);
    const std::string text = message(50);
    polled.write_polled(text);
    rig.model.shift_out(16);
    EXPECT_EQ(rig.model.line(), text);
    EXPECT_EQ(rig.model.tx_lost(), 0U);
}

// ---- receive ------------------------------------------------------------------------------------

TEST(Ns16550Driver, ReceivedBytesReachTheRxStreamAndTheReaderIsSignalled) {
    Rig rig;
    rig.start();
    EXPECT_TRUE(rig.client_rx.reader_may_sleep());
    rig.model.receive("hello");
    EXPECT_TRUE(rig.model.irq_pending());
    rig.service();
    EXPECT_EQ(rig.rx_signals, 1U);
    EXPECT_EQ(rig.model.rx_fifo_size(), 0U);
    EXPECT_EQ(rig.client_read(), "hello");
    EXPECT_EQ(rig.driver->stats().rx_bytes, 5U);
    // The reader did not ask again: more bytes arrive without a signal.
    rig.model.receive("!");
    rig.service();
    EXPECT_EQ(rig.rx_signals, 1U);
    EXPECT_EQ(rig.client_read(), "!");
}

// Hardening, defect 5: the reader moving its `head` backwards at the moment the driver has
// taken a byte from the UART. The ring keeps the room the driver saw, so no byte is dropped.
TEST(Ns16550Driver, AReaderMovingHeadBackwardsLosesNoReceivedByte) {
    Rig rig(64, 16);
    rig.start();
    auto* control = reinterpret_cast<kaal::ipc::RingControl*>(rig.rx_region_.data());
    std::atomic_ref head{control->head};
    bool back = false;
    rig.model.on_data_read = [&] {
        const auto now = head.load();
        head.store(back ? now + 8 : now - 8); // every other read undoes the last
        back = !back;
    };
    const std::string text = message(200);
    std::string got;
    for (std::size_t at = 0; at < text.size(); at += 10) {
        rig.model.receive(text.substr(at, 10));
        rig.service();
        if (back) {
            rig.model.on_data_read(); // head back where the reader left it before it reads
        }
        got += rig.client_read();
        if (rig.client_rx.writer_needs_signal()) {
            rig.driver->rx_space();
        }
    }
    rig.model.on_data_read = nullptr;
    for (int i = 0; i < 32 && got.size() < text.size(); ++i) {
        got += rig.client_read();
        rig.driver->rx_space();
        rig.service();
    }
    EXPECT_EQ(got, text);
    EXPECT_EQ(rig.model.rx_lost(), 0U);
}

TEST(Ns16550Driver, AFullRxStreamPausesReceptionAndRxSpaceResumesIt) {
    Rig rig(64, 16);
    rig.start();
    const std::string first = message(16);
    rig.model.receive(first);
    rig.service();
    EXPECT_EQ(rig.driver->stats().rx_bytes, 16U);
    EXPECT_EQ(rig.model.rx_fifo_size(), 0U);

    // The stream is full: the next bytes must wait in the UART, and its interrupt go quiet.
    const std::string second = "0123456789";
    rig.model.receive(second);
    rig.service();
    EXPECT_EQ(rig.model.ier() & Model::erbfi, 0U);
    EXPECT_FALSE(rig.model.irq_pending());
    EXPECT_EQ(rig.model.rx_fifo_size(), second.size());
    EXPECT_EQ(rig.driver->stats().rx_bytes, 16U);
    EXPECT_EQ(rig.model.rx_lost(), 0U);

    // The reader drains the stream and, as asked, signals the driver, which resumes.
    EXPECT_EQ(rig.client_read(), first);
    EXPECT_TRUE(rig.client_rx.writer_needs_signal());
    EXPECT_TRUE(rig.client_rx.reader_may_sleep());
    EXPECT_TRUE(rig.driver->rx_space()); // the reader asked to be woken
    EXPECT_EQ(rig.model.ier() & Model::erbfi, Model::erbfi);
    EXPECT_EQ(rig.model.rx_fifo_size(), 0U);
    EXPECT_EQ(rig.client_read(), second);
    EXPECT_EQ(rig.driver->stats().rx_bytes, 26U);
    EXPECT_EQ(rig.driver->stats().rx_overruns, 0U);

    // rx_space without a pause is a no-op.
    EXPECT_FALSE(rig.driver->rx_space());
}

TEST(Ns16550Driver, ReceptionStaysPausedWhileTransmissionComesAndGoes) {
    Rig rig(64, 16);
    rig.start();
    rig.model.receive(message(16));
    rig.service();
    rig.model.receive("waiting");
    rig.service(); // paused
    ASSERT_EQ(rig.model.ier() & Model::erbfi, 0U);

    // Transmission turns the THR-empty interrupt on and off; that must not turn the receive
    // interrupt back on while the stream is still full, or the UART interrupts for bytes the
    // driver will not take: a storm.
    rig.client_write(message(40));
    for (int i = 0; i < 5; ++i) {
        rig.model.shift_out(16);
        rig.service();
        EXPECT_EQ(rig.model.ier() & Model::erbfi, 0U) << "round " << i;
    }
    EXPECT_EQ(rig.model.line(), message(40));
    EXPECT_FALSE(rig.model.irq_pending());
    EXPECT_EQ(rig.model.rx_fifo_size(), 7U);
    EXPECT_LT(rig.irqs, 10U);

    // And resuming still delivers the waiting bytes, in order.
    EXPECT_EQ(rig.client_read(), message(16));
    EXPECT_TRUE(rig.client_rx.writer_needs_signal());
    static_cast<void>(rig.driver->rx_space());
    EXPECT_EQ(rig.client_read(), "waiting");
}

TEST(Ns16550Driver, AHardwareOverrunIsCounted) {
    Rig rig;
    rig.start();
    // 20 bytes before the driver runs: the FIFO holds 16, the 17th overruns.
    const std::string sent = message(20);
    rig.model.receive(sent);
    EXPECT_EQ(rig.model.rx_lost(), 4U);
    rig.service();
    EXPECT_EQ(rig.driver->stats().rx_overruns, 1U);
    EXPECT_EQ(rig.client_read(), sent.substr(0, 16));
}

TEST(Ns16550Driver, AnOverrunSeenFirstByTheTransmitPathIsCountedToo) {
    // A TX signal can reach the driver before the RX interrupt does; transmit() reads LSR,
    // which clears OE, so the overrun must be counted there or never.
    Rig rig;
    rig.start();
    rig.model.receive(message(20));
    rig.client_write("tx");
    EXPECT_EQ(rig.tx_signals, 1U);
    rig.service();
    EXPECT_EQ(rig.driver->stats().rx_overruns, 1U);
    EXPECT_EQ(rig.driver->stats().rx_bytes, 16U);
}

TEST(Ns16550Driver, WithoutAnRxStreamReceivedBytesAreDroppedAndCounted) {
    Rig rig(64, 64, false);
    rig.start();
    rig.model.receive("abc");
    EXPECT_FALSE(rig.model.irq_pending()); // no RX interrupt without a stream
    rig.client_write("x");
    rig.model.shift_out(16);
    rig.service(); // the THR-empty interrupt drains the receiver too
    EXPECT_EQ(rig.driver->stats().rx_dropped, 3U);
    EXPECT_EQ(rig.model.rx_fifo_size(), 0U);
    EXPECT_EQ(rig.model.line(), "x");
}

} // namespace
