// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <string>
#include <utility>

#include <kaal/composer/block_storage.hpp>
#include <kaal/composer/file_system.hpp>
#include <kaal/composer/posix_program.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/time_service.hpp>

// The system every POSIX example runs one program in (examples/posix, lua, run-posix):
//
//   serial console <- <program> -> fs-root (partition 0) -> blk-virt -> blk-driver -> the disk
//                         \-> time (clocks, sleeps, file timestamps)
//
// No name prefixes on the console: the program's output reads as it would on Linux.
namespace kaal::examples {

inline void describe_posix_system(composer::System& s, std::string program, kaal::Word heap_bytes,
                                  kaal::Word stack_bytes) {
    using namespace kaal::composer;
    SerialConsole serial{s, {.prefix_names = false}};
    TimeService time{s};
    BlockStorage disk{s};
    FileSystem root{s, disk, "fs-root", 0, {.clock = &time, .console = &serial}};
    PosixProgram posix{s,
                       std::move(program),
                       {.console = serial,
                        .clock = time,
                        .root = &root,
                        .heap_bytes = heap_bytes,
                        .stack_bytes = stack_bytes}};
}

} // namespace kaal::examples
