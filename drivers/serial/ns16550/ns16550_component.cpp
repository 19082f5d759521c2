// SPDX-License-Identifier: BSD-2-Clause
// The 16550A serial driver as a runtime-mode component (x86_64 PC, COM1). Its device comes from
// the root task's grant 0 (I/O ports and IRQ); its streams from two shared regions whose
// addresses the root task writes into its configuration's variables (kaal_config.hpp, from the
// composer's serial console building block), as the Microkit tool does.
#include <optional>

#include <kaal/broker/granted_resources.hpp>
#include <kaal/dddk/irq.hpp>
#include <kaal/dddk/port_io_bus.hpp>
#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/runtime/io_port.hpp>

#include "kaal_config.hpp"
#include "ns16550_driver.hpp"

namespace {

using namespace kaal;
using PortBus = dddk::PortIoBus<runtime::Sel4PortIoOps>;
using Uart = drivers::ns16550::Driver<PortBus>;

// The IRQ's channel comes with the device grant.
constexpr Channel tx_channel = config::tx;
constexpr Channel rx_channel = config::rx;

class SerialDriver {
public:
    void init() {
        auto bundle = granted_device(*runtime::start_info, 0);
        auto tx = dddk::serial::attach_queue(config::tx_queue);
        if (!bundle || !tx) {
            debug::print("serial: no COM1 grant or TX queue; driver not started\n");
            return;
        }
        auto bus = PortBus::create(bundle->io_ports, drivers::ns16550::register_span,
                                   runtime::Sel4PortIoOps{bundle->io_ports.cap.cptr()});
        auto irq = dddk::Irq::from(bundle->irq);
        if (!bus || !irq) {
            debug::print("serial: the COM1 grant lacks its ports or IRQ; driver not started\n");
            return;
        }
        irq_ = *irq;
        tx_ = *tx;
        if (auto rx = dddk::serial::attach_queue(config::rx_queue)) {
            rx_ = *rx;
        }
        uart_.emplace(*bus, &*tx_, rx_ ? &*rx_ : nullptr);
        uart_->init();
        static_cast<void>(irq_->ack()); // an edge from before init
        // A reader is signalled only after it asked to be (RingBuffer's protocol): draining the
        // empty TX stream once makes that request, and sends whatever a client wrote already.
        uart_->transmit();
        debug::print("serial: 16550 at port ", debug::hex(bundle->io_ports.first), ", IRQ ",
                     irq_->number(), "\n");
    }

    void notified(Channel ch) {
        if (!uart_) {
            return;
        }
        bool rx_signal = false;
        if (irq_->arrived_on(ch)) {
            rx_signal = uart_->handle_irq();
            if (auto acked = irq_->ack(); !acked) {
                debug::print("serial: IRQ ack failed: ", acked.error(), "\n");
            }
        } else if (ch == tx_channel) {
            uart_->transmit();
        } else if (ch == rx_channel) {
            rx_signal = uart_->rx_space();
        }
        if (rx_signal) {
            static_cast<void>(notify(rx_channel));
        }
        if (uart_->take_tx_space_signal()) {
            static_cast<void>(notify(tx_channel));
        }
    }

private:
    // Everything is set up in init, from resources known only then.
    std::optional<dddk::Irq> irq_;
    std::optional<ipc::ByteStream> tx_;
    std::optional<ipc::ByteStream> rx_;
    std::optional<Uart> uart_;
};

} // namespace

KAAL_COMPONENT(SerialDriver);
