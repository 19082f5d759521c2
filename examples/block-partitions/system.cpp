// SPDX-License-Identifier: BSD-2-Clause
// block-partitions: two clients of one disk, each given one partition by the block virtualiser,
// which drives the virtio-blk device itself (the driver and the virtualiser share a PD here).
// Each client has its own request queue and its own DMA data region; neither sees the other's.
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/serial_console.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    // The clients report through the serial console, whose mux keeps their lines whole.
    SerialConsole serial{s};
    // The driver's Result-built objects and the partition table's sectors need more than 4 KiB.
    auto& virt = s.pd("blk-virt", "block_virtualiser").priority(150).stack_size(0x4000);
    // Where QEMU plugs the first virtio -device (drivers/block/virtio/README.md).
    virt.device(kaal::boards::qemu_virt_aarch64::virtio_mmio(31), "blk");
    virt.map(s.dma_region("blk_dma", 0x1'0000), "blk_dma");
    for (const char* client : {"a", "b"}) {
        const std::string name = client;
        auto& pd = s.pd("blk-client-" + name, "block_partition_client").priority(100);
        auto& queue = s.region("blk_queue_" + name, 0x1000);
        auto& data = s.dma_region("blk_data_" + name, 0x1'0000);
        pd.map(queue, "blk_queue").map(data, "blk_data");
        serial.add_client(pd, {.input = false});
        // The virtualiser maps the client's data only to learn its physical address; it never
        // touches the bytes, so read-only.
        virt.map(queue, "queue_" + name).map(data, "data_" + name, Perms::r);
        s.channel(virt, "client_" + name, pd, "blk");
    }
}
