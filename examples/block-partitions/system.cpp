// SPDX-License-Identifier: BSD-2-Clause
// block-partitions: two clients of one disk, each given one partition by the block virtualiser,
// which drives the virtio-blk device itself (the driver and the virtualiser share a PD here).
// Each client has its own request queue and its own DMA data region; neither sees the other's.
#include <kaal/composer/block_storage.hpp>
#include <kaal/composer/serial_console.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    // The clients report through the serial console, whose mux keeps their lines whole.
    SerialConsole serial{s};
    BlockStorage disk{s};
    std::size_t partition = 0;
    for (const char* name : {"blk-client-a", "blk-client-b"}) {
        auto& pd = s.pd(name, "block_partition_client").priority(100);
        disk.add_client(pd, partition++);
        serial.add_client(pd, {.input = false});
    }
}
