// SPDX-License-Identifier: BSD-2-Clause
// The 16550A serial driver as a runtime-mode component (x86_64 PC, COM1). Its device comes from
// the root task's grant 0 (I/O ports and IRQ); its streams from two shared regions whose
// addresses the root task writes into `tx_queue` and `rx_queue` (setvar_vaddr), as in Microkit.
#include <optional>

#include <kaal/broker/granted_resources.hpp>
#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/runtime/io_port.hpp>

#include "ns16550_driver.hpp"

kaal::Word tx_queue;
kaal::Word rx_queue; // 0: no RX client

namespace {

using namespace kaal;
using Uart = drivers::ns16550::Driver<runtime::IoPortBus>;

// Channel ids, as drivers/serial/ns16550/README.md documents them.
constexpr Channel irq_channel{0};
constexpr Channel tx_channel{1};
constexpr Channel rx_channel{2};

class SerialDriver {
public:
    void init() {
        auto bundle = granted_device(*runtime::start_info, 0);
        auto tx = dddk::serial::attach_queue(tx_queue);
        if (!bundle || !bundle->io_ports.present() || !tx) {
            debug::print("serial: no COM1 grant or TX queue; driver not started\n");
            return;
        }
        tx_ = *tx;
        if (auto rx = dddk::serial::attach_queue(rx_queue)) {
            rx_ = *rx;
        }
        uart_ = ::new (static_cast<void*>(uart_storage_))
            Uart(runtime::IoPortBus{bundle->io_ports}, bundle->io_ports.first, &*tx_,
                 rx_ ? &*rx_ : nullptr);
        if (auto started = uart_->init(); !started) {
            debug::print("serial: cannot program the UART: ", started.error(), "\n");
            uart_ = nullptr;
            return;
        }
        static_cast<void>(irq_ack(irq_channel)); // a pending edge from before init
        // A reader is signalled only after it asked to be (RingBuffer's protocol): draining the
        // empty TX stream once makes that request, and sends whatever a client wrote already.
        static_cast<void>(report(uart_->transmit(), "transmit"));
        debug::print("serial: 16550 at port ", debug::hex(bundle->io_ports.first), ", IRQ ",
                     bundle->irq.number, "\n");
    }

    void notified(Channel ch) {
        if (uart_ == nullptr) {
            return;
        }
        bool rx_signal = false;
        if (ch == irq_channel) {
            rx_signal = report(uart_->handle_irq(), "interrupt");
            if (auto acked = irq_ack(irq_channel); !acked) {
                debug::print("serial: IRQ ack failed: ", acked.error(), "\n");
            }
        } else if (ch == tx_channel) {
            static_cast<void>(report(uart_->transmit(), "transmit"));
        } else if (ch == rx_channel) {
            rx_signal = report(uart_->rx_space(), "receive");
        }
        if (rx_signal) {
            static_cast<void>(notify(rx_channel));
        }
        if (uart_->take_tx_space_signal()) {
            static_cast<void>(notify(tx_channel));
        }
    }

private:
    // A UART access error is reported and the driver carries on with the next event.
    static bool report(const Result<bool>& done, const char* what) {
        if (!done) {
            debug::print("serial: ", what, " failed: ", done.error(), "\n");
            return false;
        }
        return *done;
    }
    static bool report(const Status& done, const char* what) {
        if (!done) {
            debug::print("serial: ", what, " failed: ", done.error(), "\n");
        }
        return false;
    }

    // Queues and the driver are set up in init, from resources known only then.
    std::optional<ipc::ByteStream> tx_;
    std::optional<ipc::ByteStream> rx_;
    alignas(Uart) unsigned char uart_storage_[sizeof(Uart)] = {};
    Uart* uart_ = nullptr;
};

} // namespace

KAAL_COMPONENT(SerialDriver);
