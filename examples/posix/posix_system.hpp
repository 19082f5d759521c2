// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <kaal/composer/block_storage.hpp>
#include <kaal/composer/entropy_source.hpp>
#include <kaal/composer/file_system.hpp>
#include <kaal/composer/posix_program.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/time_service.hpp>

// The system every POSIX example runs one program in (examples/posix, lua, run-posix):
//
//   serial console <- <program> -> fs-root (partition 0) -> blk-virt -> blk-driver -> the disk
//                       |  \-> time (clocks, sleeps, file timestamps)
//                       |-> net-rx/net-tx -> net-driver -> the NIC (with `.network`)
//                       \-> rng-driver -> the virtio-rng device (with `.entropy`)
//
// With `.network` the program has sockets, over its own lwIP at 10.0.2.15 on QEMU's user
// network; with `.entropy`, getrandom and /dev/urandom. The NIC is on virtio-mmio transport 23
// (QEMU: bus=virtio-mmio-bus.23) and the rng on 15, not next to the disk's 31: QEMU virt packs
// eight 512-byte transports into each 4 KiB page, and a page is the least a driver can map, so
// two drivers in one page could reach each other's device (Microkit refuses the overlap
// outright).
// No name prefixes on the console: the program's output reads as it would on Linux.
namespace kaal::examples {

struct PosixSystemDevices {
    bool network = false;
    bool entropy = false;
};

inline void describe_posix_system(composer::System& s, std::string program, kaal::Word heap_bytes,
                                  kaal::Word stack_bytes, PosixSystemDevices devices = {}) {
    using namespace kaal::composer;
    SerialConsole serial{s, {.prefix_names = false}};
    TimeService time{s};
    BlockStorage disk{s};
    FileSystem root{s, disk, "fs-root", 0, {.clock = &time, .console = &serial}};
    std::optional<NetworkStack> net;
    if (devices.network) {
        net.emplace(s, NetworkStackOptions{.transport = 23});
    }
    std::optional<EntropySource> rng;
    if (devices.entropy) {
        rng.emplace(s, EntropySourceOptions{.transport = 15});
    }
    PosixProgram posix{s,
                       std::move(program),
                       {.console = serial,
                        .clock = time,
                        .root = &root,
                        .heap_bytes = heap_bytes,
                        .stack_bytes = stack_bytes,
                        .network = net ? &*net : nullptr,
                        .net = {.ipv4 = {10, 0, 2, 15}},
                        .entropy = rng ? &*rng : nullptr}};
}

} // namespace kaal::examples
