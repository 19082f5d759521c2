// SPDX-License-Identifier: BSD-2-Clause
// Two clients of the entropy source on one virtio-rng device, reporting through the serial
// console. The device is on virtio-mmio transport 15 (QEMU: bus=virtio-mmio-bus.15), in a page
// of its own, as a system with a disk on 31 and a NIC on 23 has it (drivers/rng/virtio/README.md).
#include <kaal/composer/entropy_source.hpp>
#include <kaal/composer/serial_console.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    SerialConsole serial{s};
    EntropySource rng{s, {.transport = 15}};
    // Where reader-a leaves its first bytes for reader-b to compare with its own.
    Region& first_bytes = s.region("first_bytes", 0x1000);
    auto& a = s.pd("reader-a", "entropy_reader").priority(100);
    auto& b = s.pd("reader-b", "entropy_reader").priority(100);
    for (Pd* reader : {&a, &b}) {
        serial.add_client(*reader, {.input = false});
        rng.add_client(*reader);
        reader->map(first_bytes, "first_bytes");
    }
    s.channel(a, "peer", b, "peer");
}
