// SPDX-License-Identifier: BSD-2-Clause
// storage: a file shell on the serial console over FAT filesystems on a virtio-blk disk.
//
//   serial console <- shell -> VFS: "/" on fs-root (partition 0), "/data" on fs-data (partition 1)
//                     fs-probe -> fs-root, as a second (hostile) client
//   fs-root, fs-data -> blk-virt (virtualiser) -> blk-driver (virtio-blk) -> the disk
//
// The filesystems stamp files with the time service's clock (the PL031 RTC). A disk with one
// partition leaves fs-data without one: it says so, and /data answers "not found".
#include <kaal/composer/block_storage.hpp>
#include <kaal/composer/file_system.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/time_service.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    SerialConsole serial{s};
    TimeService time{s};
    BlockStorage disk{s};
    // The VFS, a directory entry and a copy buffer live on its stack.
    auto& shell = s.pd("shell", "file_shell").priority(100).stack_size(0x8000);
    serial.add_client(shell, {.may_select_input = true});
    auto& probe = s.pd("fs-probe", "fs_probe").priority(90);
    serial.add_client(probe, {.input = false});

    FileSystem root{s, disk, "fs-root", 0, {.clock = &time, .console = &serial}};
    root.add_client(shell, "/");
    root.add_client(probe, "/");
    FileSystem data{s, disk, "fs-data", 1, {.clock = &time, .console = &serial}};
    data.add_client(shell, "/data");
}
