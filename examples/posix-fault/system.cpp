// SPDX-License-Identifier: BSD-2-Clause
// posix-fault: a POSIX program that passes a bad pointer to write() faults in its own PD, under a
// supervisor that reports it with the program's name and the code by function and file:line;
// a second program then uses the same console, clock and filesystem, which kept serving.
//
//   serial console <- bad_pointer (supervised), survivor -> fs-root -> blk-virt -> blk-driver
#include <kaal/composer/block_storage.hpp>
#include <kaal/composer/file_system.hpp>
#include <kaal/composer/posix_program.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/supervisor.hpp>
#include <kaal/composer/time_service.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    SerialConsole serial{s, {.prefix_names = false}};
    TimeService time{s};
    BlockStorage disk{s};
    FileSystem root{s, disk, "fs-root", 0, {.clock = &time, .console = &serial}};
    Supervisor supervisor{s, {.priority = 210, .time = &time}};
    PosixProgram bad{s, "bad_pointer", {.console = serial, .clock = time, .root = &root}};
    supervisor.supervise(bad.pd());
    PosixProgram survivor{
        s, "survivor", {.console = serial, .clock = time, .root = &root, .priority = 90}};
}
