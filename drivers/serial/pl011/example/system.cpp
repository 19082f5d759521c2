// SPDX-License-Identifier: BSD-2-Clause
// The smallest system with the PL011 driver: the driver PD owns the UART (its registers and IRQ
// from the board's table), and one client PD writes to the TX queue and reads the RX queue
// directly, with no multiplexer. The serial console building block wires the same driver to the
// multiplexers instead.
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/system.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    // One ByteStream each (kaal/dddk/serial_queue.hpp: capacity 2048, one 4 KiB region).
    auto& tx = s.region("tx_queue", 0x1000);
    auto& rx = s.region("rx_queue", 0x1000);
    // The driver above its client, so it drains a queue as soon as the client signals.
    auto& driver = s.pd("serial_pl011", "serial_pl011").priority(200);
    driver.device(kaal::boards::qemu_virt_aarch64::uart, "uart");
    driver.map(tx, "tx_queue").map(rx, "rx_queue");
    auto& echo = s.pd("echo", "pl011_echo").priority(100);
    echo.map(tx, "tx_queue").map(rx, "rx_queue");
    s.channel(driver, "tx", echo, "tx");
    s.channel(driver, "rx", echo, "rx");
}
