// SPDX-License-Identifier: BSD-2-Clause
// serial_pl011: the PL011 driver as a Microkit protection domain. It owns the UART (its MMIO
// region and IRQ 33 on QEMU virt) and serves one TX queue and one RX queue. Its configuration
// (kaal_config.hpp) comes from the composer: the serial console building block
// (kaal/composer/serial_console.hpp) or a description that wires the driver itself.
#include <optional>

#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/broker/static_resources.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"
#include "pl011_driver.hpp"

namespace {

namespace board = kaal::boards::qemu_virt_aarch64;
using kaal::debug::print;
using kaal::drivers::serial::Pl011Driver;

// The UART as the board's device table has it; the composer mapped and wired it from the same
// table.
constexpr const kaal::DeviceDesc& uart = *board::table.find(board::uart);

class SerialPl011 {
public:
    void init() {
        const auto bundle = kaal::bundle_from_static_resources({
            .id = uart.id,
            .mmio_vaddr = config::uart_regs,
            .mmio_paddr = uart.mmio_paddr,
            .mmio_size = uart.mmio_size,
            .irq = uart.irq,
            .irq_channel = config::uart_irq.id(),
        });
        if (!bundle.ok()) {
            print("serial_pl011: the UART mapping is wrong: ", bundle.error(), "\n");
            return;
        }
        auto driver =
            kaal::drivers::serial::make_pl011_driver(*bundle, {.tx_region = config::tx_queue,
                                                               .rx_region = config::rx_queue,
                                                               .tx_channel = config::tx,
                                                               .rx_channel = config::rx});
        if (!driver.ok()) {
            print("serial_pl011: cannot attach the UART or its queues: ", driver.error(), "\n");
            return;
        }
        driver_.emplace(*driver);
        if (const auto started = driver_->start({}); !started.ok()) {
            print("serial_pl011: cannot program the UART: ", started.error(), "\n");
            driver_.reset();
            return;
        }
        print("serial_pl011: ready, FIFO depth ", driver_->fifo_depth(), "\n");
    }

    void notified(kaal::Channel ch) {
        if (driver_) {
            driver_->notified(ch);
        }
    }

private:
    std::optional<Pl011Driver<kaal::dddk::MmioBus>> driver_;
};

} // namespace

KAAL_COMPONENT(SerialPl011);
