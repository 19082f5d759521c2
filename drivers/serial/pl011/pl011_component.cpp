// SPDX-License-Identifier: BSD-2-Clause
// serial_pl011: the PL011 driver as a Microkit protection domain. It owns the UART (its MMIO
// region and IRQ 33 on QEMU virt) and serves one TX queue and one RX queue; README.md has the
// .system entries it expects.
#include <optional>

#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/broker/static_resources.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "pl011_driver.hpp"

// Patched by the Microkit tool from the setvar_vaddr attributes of the PD's <map> elements.
extern "C" {
kaal::Word uart_regs;
kaal::Word tx_queue;
kaal::Word rx_queue;
}

namespace {

namespace board = kaal::boards::qemu_virt_aarch64;
using kaal::debug::print;
using kaal::drivers::serial::Pl011Driver;

// The UART as the board's device table has it; the .system file's phys_addr and irq must agree.
constexpr const kaal::DeviceDesc& uart = *board::table.find(board::uart);

// The channel ids of README.md, "Channels".
constexpr unsigned irq_channel = 0;
constexpr kaal::Channel tx_channel{1};
constexpr kaal::Channel rx_channel{2};

class SerialPl011 {
public:
    void init() {
        const auto bundle = kaal::bundle_from_static_resources({
            .id = uart.id,
            .mmio_vaddr = uart_regs,
            .mmio_paddr = uart.mmio_paddr,
            .mmio_size = uart.mmio_size,
            .irq = uart.irq,
            .irq_channel = irq_channel,
        });
        if (!bundle.ok()) {
            print("serial_pl011: the .system file's UART mapping is wrong: ", bundle.error(), "\n");
            return;
        }
        auto driver = kaal::drivers::serial::make_pl011_driver(*bundle, {.tx_region = tx_queue,
                                                                         .rx_region = rx_queue,
                                                                         .tx_channel = tx_channel,
                                                                         .rx_channel = rx_channel});
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
