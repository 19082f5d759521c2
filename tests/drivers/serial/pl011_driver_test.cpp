// SPDX-License-Identifier: BSD-2-Clause
// The PL011 driver against the register model, on the mock platform: the test plays the serial
// line (the model's far side), the queue peers (the TX client and the RX reader, through their
// own ByteStream views of the same regions) and the kernel (delivering the IRQ while the model
// asserts it, observing irq_ack and notify through the mock PD's hooks).
#include <array>
#include <atomic>
#include <cstddef>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <kaal/dddk/mock_bus.hpp>
#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/channel.hpp>

#include "pl011_driver.hpp"
#include "pl011_model.hpp"

namespace {

using kaal::Channel;
using kaal::Error;
using kaal::dddk::MockBus;
using kaal::dddk::serial::queue_capacity;
using kaal::drivers::serial::Pl011Driver;
using kaal::drivers::serial::SerialQueues;
using kaal::ipc::ByteStream;
using testing::internal::CaptureStdout;
using testing::internal::GetCapturedStdout;

using Driver = Pl011Driver<MockBus<Pl011Model>>;

constexpr Channel irq_channel{0};
constexpr Channel tx_channel{1};
constexpr Channel rx_channel{2};

struct alignas(4096) QueueRegion {
    std::array<std::byte, kaal::dddk::serial::queue_region_bytes> bytes{};
    [[nodiscard]] kaal::Word vaddr() { return reinterpret_cast<kaal::Word>(bytes.data()); }
    kaal::ipc::RingControl& control() {
        return *reinterpret_cast<kaal::ipc::RingControl*>(bytes.data());
    }
};

kaal::DeviceIrq uart_irq() {
    kaal::DeviceIrq irq;
    irq.number = 33;
    irq.channel = irq_channel.id();
    return irq;
}

// Text that shows its own position, so a lost, repeated or reordered byte changes it.
std::string pattern(std::size_t length) {
    std::string text;
    for (std::size_t i = 0; i < length; ++i) {
        text.push_back(static_cast<char>('A' + (i * 7 + i / 26) % 26));
    }
    return text;
}

class Pl011DriverTest : public testing::TestWithParam<unsigned> {
protected:
    Pl011DriverTest() : model(GetParam()), as(pd) {
        pd.name = "serial_pl011";
        pd.irqs = kaal::Word{1} << irq_channel.id();
        pd.notifications = (kaal::Word{1} << tx_channel.id()) | (kaal::Word{1} << rx_channel.id());
        pd.on_notify = [this](Channel ch) { notified.push_back(ch.id()); };
        pd.on_irq_ack = [this](Channel ch) {
            acks.push_back(ch.id());
            // Acked after service: the UART no longer asserts its interrupt line.
            if (model.interrupt_asserted()) {
                ++acks_with_line_asserted;
            }
        };
    }

    void SetUp() override {
        auto created = Driver::create(MockBus{model}, uart_irq(), queues());
        ASSERT_TRUE(created.ok()) << kaal::to_string(created.error());
        driver.emplace(*created);
        client.emplace(*kaal::dddk::serial::attach_queue(tx_region.vaddr()));
        reader.emplace(*kaal::dddk::serial::attach_queue(rx_region.vaddr()));
        ASSERT_TRUE(driver->start({}).ok());
        // With every interrupt masked, so the line is low (TearDown checks every ack for that):
        // the ack a restarted driver needs if its last instance died before acking.
        ASSERT_EQ(acks, std::vector<unsigned>{irq_channel.id()}) << "start() acks the IRQ once";
        acks.clear();
    }

    void TearDown() override {
        EXPECT_EQ(model.bad_accesses(), 0U) << "the driver made an access the TRM does not allow";
        EXPECT_EQ(model.tx_writes_when_full(), 0U) << "the driver wrote to a full TX FIFO";
        EXPECT_EQ(acks_with_line_asserted, 0U) << "an IRQ was acked before it was serviced";
    }

    SerialQueues queues() {
        return {.tx_region = tx_region.vaddr(),
                .rx_region = rx_region.vaddr(),
                .tx_channel = tx_channel,
                .rx_channel = rx_channel};
    }

    // The kernel's part: while the UART asserts its line, deliver the IRQ. Returns how many
    // were delivered; a driver that never clears its interrupt fails the bound.
    unsigned deliver_irqs() {
        unsigned delivered = 0;
        while (model.interrupt_asserted() && delivered < 1000) {
            driver->notified(irq_channel);
            ++delivered;
        }
        EXPECT_LT(delivered, 1000U);
        return delivered;
    }

    // The line sends everything the driver gives it, in steps of `chunk` characters, with the
    // IRQ delivered between steps; `on_step` runs after each step (a client refilling).
    template <typename OnStep>
    void transmit_all(std::size_t chunk, OnStep on_step) {
        for (unsigned steps = 0; steps < 100000; ++steps) {
            if (model.transmit(chunk) == 0 && !model.interrupt_asserted()) {
                on_step();
                if (model.tx_level() == 0 && !model.interrupt_asserted()) {
                    return;
                }
            }
            deliver_irqs();
            on_step();
        }
        ADD_FAILURE() << "transmission did not finish";
    }
    void transmit_all(std::size_t chunk = 3) {
        transmit_all(chunk, [] {});
    }

    // Characters arriving one by one with the PD running promptly: the IRQ is delivered
    // whenever the UART asserts it, then the line goes idle (the receive timeout).
    void arrive(const std::string& text) {
        for (const char c : text) {
            EXPECT_TRUE(model.receive(c));
            deliver_irqs();
        }
        model.receive_idle();
        deliver_irqs();
    }

    [[nodiscard]] unsigned notifications_on(Channel ch) const {
        unsigned n = 0;
        for (const unsigned id : notified) {
            n += id == ch.id() ? 1U : 0U;
        }
        return n;
    }

    std::string read_rx(std::size_t max = ~std::size_t{0}) {
        std::string out;
        std::array<char, 256> buffer{};
        while (out.size() < max) {
            const std::size_t n =
                reader->read(std::span{buffer.data(), std::min(buffer.size(), max - out.size())});
            if (n == 0) {
                break;
            }
            out.append(buffer.data(), n);
        }
        return out;
    }

    Pl011Model model;
    kaal::mock::ProtectionDomain pd;
    kaal::mock::ScopedPd as;
    QueueRegion tx_region;
    QueueRegion rx_region;
    std::optional<Driver> driver;
    std::optional<ByteStream> client; // the TX queue's writer
    std::optional<ByteStream> reader; // the RX queue's reader
    std::vector<unsigned> notified;
    std::vector<unsigned> acks;
    unsigned acks_with_line_asserted = 0;
};

TEST_P(Pl011DriverTest, StartProgramsEightN1WithFifosAndReceiveInterrupts) {
    EXPECT_EQ(driver->fifo_depth(), model.fifo_depth());
    EXPECT_EQ(model.cr() & 0x301, 0x301U);           // UARTEN, TXE, RXE
    EXPECT_EQ(model.lcr_h(), (3U << 5) | (1U << 4)); // WLEN 8 bits, FEN
    // 24 MHz / (16 * 115200) = 13.02: IBRD 13, FBRD round(0.02 * 64) = 1, latched by LCR_H.
    EXPECT_EQ(model.latched_ibrd(), 13U);
    EXPECT_EQ(model.latched_fbrd(), 1U);
    EXPECT_EQ(model.imsc(), Pl011Model::rx_bit | Pl011Model::rt_bit | Pl011Model::oe_bit);
    EXPECT_EQ(model.ris(), 0U);
}

TEST_P(Pl011DriverTest, RejectsABaudRateTheDivisorCannotHold) {
    EXPECT_EQ(driver->start({.clock_hz = 24'000'000, .baud = 24'000'000}).error(),
              Error::invalid_argument);
}

TEST_P(Pl011DriverTest, CreateRejectsWiringMistakes) {
    auto bad = queues();
    bad.rx_channel = tx_channel;
    EXPECT_EQ(Driver::create(MockBus{model}, uart_irq(), bad).error(), Error::invalid_channel);
    bad = queues();
    bad.tx_channel = irq_channel;
    EXPECT_EQ(Driver::create(MockBus{model}, uart_irq(), bad).error(), Error::invalid_channel);
    bad = queues();
    bad.tx_region = 0; // setvar_vaddr not patched
    EXPECT_EQ(Driver::create(MockBus{model}, uart_irq(), bad).error(), Error::invalid_argument);
    EXPECT_EQ(Driver::create(MockBus{model}, kaal::DeviceIrq{}, queues()).error(),
              Error::invalid_argument);
}

TEST_P(Pl011DriverTest, TransmitsMoreThanTheFifoOnTxInterrupts) {
    const std::string text = pattern(200);
    ASSERT_EQ(client->write(std::string_view{text}), text.size());
    driver->notified(tx_channel);
    // One FIFO's worth, then the TX interrupt takes over.
    EXPECT_EQ(model.tx_level(), model.fifo_depth());
    EXPECT_NE(model.imsc() & Pl011Model::tx_bit, 0U);
    transmit_all();
    EXPECT_EQ(model.line_output(), text);
    EXPECT_EQ(driver->stats().tx_bytes, text.size());
    EXPECT_GE(acks.size(), text.size() / model.fifo_depth() - 1);
    // Nothing left to send: the TX interrupt is masked again.
    EXPECT_EQ(model.imsc() & Pl011Model::tx_bit, 0U);
}

// A driver that dies with its TX interrupt raised and never acked, as a supervisor's restart
// finds it: the new instance over the same queues and UART acks the IRQ, so interrupts come
// again, and sends the rest of what the client queued. It died between two FIFO loads, so
// nothing was in flight and nothing is lost.
TEST_P(Pl011DriverTest, ARestartedDriverCarriesOnWhereTheDeadOneStopped) {
    const std::string text = pattern(200);
    ASSERT_EQ(client->write(std::string_view{text}), text.size());
    driver->notified(tx_channel);
    model.transmit(model.fifo_depth());
    ASSERT_TRUE(model.interrupt_asserted()) << "the FIFO is empty and the TX interrupt is on";
    auto restarted = Driver::create(MockBus{model}, uart_irq(), queues());
    ASSERT_TRUE(restarted.ok());
    driver.emplace(*restarted);
    ASSERT_TRUE(driver->start({}).ok());
    EXPECT_EQ(acks, std::vector<unsigned>{irq_channel.id()});
    transmit_all();
    EXPECT_EQ(model.line_output(), text);
    EXPECT_EQ(model.imsc() & Pl011Model::tx_bit, 0U);
}

TEST_P(Pl011DriverTest, NewDataAfterIdleRefillsTheFifoAndUnmasks) {
    ASSERT_EQ(client->write(std::string_view{"first\n"}), 6U);
    driver->notified(tx_channel);
    transmit_all();
    ASSERT_EQ(model.imsc() & Pl011Model::tx_bit, 0U);
    // The driver asked for a signal before masking: the client's next write must notify it.
    const std::string more = pattern(40);
    ASSERT_EQ(client->write(std::string_view{more}), more.size());
    ASSERT_TRUE(client->reader_needs_signal());
    driver->notified(tx_channel);
    EXPECT_NE(model.imsc() & Pl011Model::tx_bit, 0U);
    transmit_all();
    EXPECT_EQ(model.line_output(), "first\n" + more);
}

TEST_P(Pl011DriverTest, FullTxQueueGivesBackPressureAndLosesNothing) {
    const std::string text = pattern(3 * queue_capacity + 123);
    std::size_t offered = 0;
    unsigned client_sleeps = 0;
    bool client_asleep = false;
    // The client's loop: write what fits, sleep (writer_may_sleep) when full, until woken by a
    // notification on the driver's TX channel.
    auto client_runs = [&] {
        while (offered < text.size()) {
            const std::size_t n = client->write(std::string_view{text}.substr(offered));
            offered += n;
            if (n == 0) {
                if (client->writer_may_sleep()) {
                    ++client_sleeps;
                    client_asleep = true;
                    break;
                }
            }
        }
        if (client->reader_needs_signal()) {
            driver->notified(tx_channel);
        }
    };
    client_runs();
    EXPECT_EQ(offered, queue_capacity); // the queue took what it holds, and said so
    EXPECT_TRUE(client_asleep);
    std::size_t wakeups_seen = 0;
    transmit_all(5, [&] {
        if (client_asleep && notifications_on(tx_channel) > wakeups_seen) {
            wakeups_seen = notifications_on(tx_channel);
            client_asleep = false;
            client_runs();
        }
    });
    EXPECT_EQ(offered, text.size());
    EXPECT_EQ(model.line_output(), text);
    EXPECT_GE(client_sleeps, 3U);
    EXPECT_EQ(notifications_on(tx_channel), client_sleeps); // one wake-up per sleep
}

TEST_P(Pl011DriverTest, ReceivesIntoTheRxQueueAndWakesAWaitingReader) {
    ASSERT_TRUE(reader->reader_may_sleep()); // the reader found nothing and waits
    model.receive("hello, ");
    model.receive_idle(); // short of the trigger level: the timeout reports it
    EXPECT_EQ(deliver_irqs(), 1U);
    EXPECT_EQ(notifications_on(rx_channel), 1U);
    arrive("world, past the FIFO's trigger level");
    EXPECT_EQ(read_rx(), "hello, world, past the FIFO's trigger level");
    EXPECT_EQ(driver->stats().rx_bytes, 43U);
    EXPECT_EQ(acks, std::vector<unsigned>(acks.size(), irq_channel.id()));
    EXPECT_GE(acks.size(), 3U);
}

// Hardening, defect 5: the reader moving its `head` backwards while the driver holds bytes it
// took from the FIFO. The ring keeps the room free_slots() reported, so nothing is dropped.
TEST_P(Pl011DriverTest, AReaderMovingHeadBackwardsLosesNoReceivedByte) {
    std::atomic_ref head{rx_region.control().head};
    bool back = false;
    model.on_data_read = [&] {
        const auto now = head.load();
        head.store(back ? now + 64 : now - 64); // every other read undoes the last
        back = !back;
    };
    const std::string text = pattern(3 * queue_capacity);
    std::string received;
    for (std::size_t at = 0; at < text.size(); at += model.fifo_depth() - 1) {
        model.receive(text.substr(at, model.fifo_depth() - 1));
        model.receive_idle();
        deliver_irqs();
        if (back) {
            model.on_data_read(); // head back where the reader left it before it reads
        }
        received += read_rx(queue_capacity / 4);
        if (reader->writer_needs_signal()) {
            driver->notified(rx_channel);
        }
    }
    model.on_data_read = nullptr;
    for (int i = 0; i < 64 && received.size() < text.size(); ++i) {
        received += read_rx();
        driver->notified(rx_channel);
        deliver_irqs();
    }
    EXPECT_EQ(received, text);
    EXPECT_EQ(model.characters_lost(), 0U);
}

TEST_P(Pl011DriverTest, ReceiveErrorsAreCountedAndTheCharacterDropped) {
    model.receive('a');
    model.receive('?', 0x100); // framing error
    model.receive('?', 0x200); // parity error
    model.receive('\0', 0x400);
    model.receive('b');
    model.receive_idle();
    deliver_irqs();
    EXPECT_EQ(read_rx(), "ab");
    EXPECT_EQ(driver->stats().rx_framing_errors, 1U);
    EXPECT_EQ(driver->stats().rx_parity_errors, 1U);
    EXPECT_EQ(driver->stats().rx_breaks, 1U);
}

TEST_P(Pl011DriverTest, HardwareOverrunIsCountedReportedAndReceptionContinues) {
    const std::string burst = pattern(model.fifo_depth() + 5);
    CaptureStdout();
    // The line delivers faster than the PD runs: the FIFO fills, then overruns.
    for (const char c : burst) {
        model.receive(c);
    }
    EXPECT_EQ(model.characters_lost(), 5U);
    deliver_irqs();
    const std::string output = GetCapturedStdout();
    EXPECT_EQ(driver->stats().rx_overruns, 1U);
    EXPECT_NE(output.find("pl011: receive FIFO overrun"), std::string::npos) << output;
    // What the FIFO held is delivered; the five lost characters are the hardware's loss.
    EXPECT_EQ(read_rx(), burst.substr(0, model.fifo_depth()));
    arrive("still here");
    EXPECT_EQ(read_rx(), "still here");
    EXPECT_EQ(driver->stats().rx_overruns, 1U);
}

TEST_P(Pl011DriverTest, FullRxQueuePausesReceptionAndDropsNothing) {
    const std::string text = pattern(queue_capacity + 3 * model.fifo_depth());
    std::size_t arrived = 0;
    // The reader does not read: the line fills the queue a FIFO at a time.
    while (arrived < queue_capacity) {
        const std::size_t n =
            std::min<std::size_t>(model.fifo_depth() - 1, queue_capacity - arrived);
        model.receive(text.substr(arrived, n));
        arrived += n;
        model.receive_idle();
        deliver_irqs();
    }
    ASSERT_FALSE(driver->rx_paused());
    // The queue is full; more arrives. It must stay in the FIFO, not be read and thrown away.
    const std::size_t waiting = model.fifo_depth() / 2;
    model.receive(text.substr(arrived, waiting));
    arrived += waiting;
    model.receive_idle();
    deliver_irqs();
    EXPECT_TRUE(driver->rx_paused());
    EXPECT_EQ(driver->stats().rx_pauses, 1U);
    EXPECT_EQ(model.rx_level(), waiting);
    EXPECT_EQ(model.imsc() & (Pl011Model::rx_bit | Pl011Model::rt_bit), 0U);
    EXPECT_NE(model.imsc() & Pl011Model::oe_bit, 0U); // overruns are still reported
    EXPECT_FALSE(model.interrupt_asserted());         // no interrupt storm while paused
    EXPECT_EQ(driver->stats().rx_overruns, 0U);

    // The reader catches up and, as the protocol says, signals the writer that asked.
    std::string received = read_rx(100);
    ASSERT_TRUE(reader->writer_needs_signal());
    driver->notified(rx_channel);
    EXPECT_FALSE(driver->rx_paused());
    EXPECT_EQ(model.rx_level(), 0U);
    EXPECT_NE(model.imsc() & Pl011Model::rx_bit, 0U);

    // The rest of the text arrives while the reader keeps reading: everything, in order.
    while (arrived < text.size()) {
        const std::size_t n = std::min<std::size_t>(model.fifo_depth() - 1, text.size() - arrived);
        model.receive(text.substr(arrived, n));
        arrived += n;
        model.receive_idle();
        deliver_irqs();
        received += read_rx();
        if (reader->writer_needs_signal()) {
            driver->notified(rx_channel);
        }
    }
    received += read_rx();
    EXPECT_EQ(received, text);
    EXPECT_EQ(model.characters_lost(), 0U);
}

TEST_P(Pl011DriverTest, LineStillSendingWhilePausedOverrunsOnlyTheHardwareFifo) {
    // Fill the queue and pause, then let the line overrun the FIFO behind the paused driver.
    std::size_t arrived = 0;
    while (!driver->rx_paused()) {
        model.receive(pattern(model.fifo_depth() - 1));
        arrived += model.fifo_depth() - 1;
        model.receive_idle();
        deliver_irqs();
    }
    const std::size_t kept = model.rx_level();
    CaptureStdout();
    model.receive(std::string(model.fifo_depth() - kept + 4, 'z'));
    deliver_irqs();
    GetCapturedStdout();
    EXPECT_EQ(driver->stats().rx_overruns, 1U);
    EXPECT_EQ(model.characters_lost(), 4U);
    EXPECT_TRUE(driver->rx_paused());
    // The queue holds exactly what the driver read; the FIFO, full, holds the rest.
    EXPECT_EQ(read_rx().size(), arrived - kept);
    EXPECT_EQ(model.rx_level(), model.fifo_depth());
}

TEST_P(Pl011DriverTest, CorruptTxIndicesAreReportedAndTheDriverKeepsRunning) {
    ASSERT_EQ(client->write(std::string_view{"before "}), 7U);
    driver->notified(tx_channel);
    transmit_all();
    // A faulty client scribbles over its tail: 5000 bytes "written" into a 2048-byte queue.
    auto& control = tx_region.control();
    control.tail += 5000;
    CaptureStdout();
    driver->notified(tx_channel);
    transmit_all();
    const std::string output = GetCapturedStdout();
    EXPECT_EQ(driver->stats().tx_queue_errors, 1U);
    EXPECT_NE(output.find("pl011: TX queue indices are corrupt"), std::string::npos) << output;
    EXPECT_EQ(model.line_output(), "before "); // nothing out of the garbage
    // The client's next write publishes a sane tail again, and the driver carries on.
    ASSERT_EQ(client->write(std::string_view{"after"}), 5U);
    driver->notified(tx_channel);
    transmit_all();
    EXPECT_EQ(model.line_output(), "before after");
}

TEST_P(Pl011DriverTest, CorruptRxIndicesAreReportedAndNoInputIsLost) {
    model.receive("abc");
    model.receive_idle();
    deliver_irqs();
    // A faulty reader writes a head beyond the tail. The ring keeps the driver's last good view
    // of the queue (ring_buffer.hpp, clamp_head), so reception goes on into slots the reader
    // really gave back, and nothing is lost or paused.
    auto& control = rx_region.control();
    control.head += 3000;
    model.receive("def");
    model.receive_idle();
    deliver_irqs();
    EXPECT_FALSE(driver->rx_paused());
    EXPECT_EQ(model.rx_level(), 0U);
    EXPECT_EQ(read_rx(), "abcdef"); // the reader's read stores its real head again

    // Indices that make the queue look full are reported when the driver has to pause on them.
    const std::string fill = pattern(queue_capacity);
    for (std::size_t at = 0; at < fill.size(); at += model.fifo_depth() - 1) {
        model.receive(fill.substr(at, model.fifo_depth() - 1));
        model.receive_idle();
        deliver_irqs();
    }
    control.tail += 5000; // the reader also scribbles over the writer's index
    CaptureStdout();
    model.receive("ghi");
    model.receive_idle();
    deliver_irqs();
    const std::string output = GetCapturedStdout();
    EXPECT_TRUE(driver->rx_paused());
    EXPECT_EQ(driver->stats().rx_queue_errors, 1U);
    EXPECT_NE(output.find("pl011: RX queue indices are corrupt"), std::string::npos) << output;
    control.tail -= 5000;
    EXPECT_EQ(read_rx(), fill);
    ASSERT_TRUE(reader->writer_needs_signal());
    driver->notified(rx_channel);
    EXPECT_EQ(read_rx(), "ghi");
}

TEST_P(Pl011DriverTest, SpuriousInterruptIsCountedAndAcked) {
    driver->notified(irq_channel);
    EXPECT_EQ(driver->stats().spurious_irqs, 1U);
    EXPECT_EQ(acks, std::vector<unsigned>{irq_channel.id()});
}

TEST_P(Pl011DriverTest, UnexpectedChannelIsReportedAndIgnored) {
    CaptureStdout();
    driver->notified(Channel{9});
    EXPECT_NE(GetCapturedStdout().find("unexpected channel 9"), std::string::npos);
    EXPECT_EQ(driver->stats().unknown_notifications, 1U);
    EXPECT_TRUE(acks.empty());
}

TEST_P(Pl011DriverTest, BootPutsPollsForRoomAndAddsCarriageReturns) {
    model.set_polling_drains(true); // the line runs while the driver polls
    const std::string text = pattern(std::size_t{3} * model.fifo_depth());
    driver->boot_puts(text + "\n");
    model.transmit();
    EXPECT_EQ(model.line_output(), text + "\r\n");
}

INSTANTIATE_TEST_SUITE_P(Revisions, Pl011DriverTest, testing::Values(1U, 3U),
                         [](const testing::TestParamInfo<unsigned>& param) {
                             return param.param < 3 ? std::string{"Fifo16"} : std::string{"Fifo32"};
                         });

} // namespace
