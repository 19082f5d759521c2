// SPDX-License-Identifier: BSD-2-Clause
// storage-bench: the storage stack measured on seL4 (bench/storage/run-icount.sh). One PD is a
// raw client of partition 1 and a client of the FAT filesystem on partition 0, so both are
// measured in the same boot, one after the other.
#include <kaal/composer/block_storage.hpp>
#include <kaal/composer/file_system.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/time_service.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    SerialConsole serial{s};
    TimeService time{s};
    BlockStorage disk{s};
    // Its raw requests use 8 x 128 KiB, the whole of its 1 MiB DMA region; a TimeClient is 5 KiB.
    auto& bench = s.pd("storage-bench", "storage_bench").priority(100).stack_size(0x4000);
    serial.add_client(bench, {.input = false});
    time.add_client(bench);
    disk.add_client(bench, 1, 0x10'0000);
    FileSystem root{s, disk, "fs-root", 0, {.console = &serial}};
    root.add_client(bench, "/", 0x10'0000);
}
