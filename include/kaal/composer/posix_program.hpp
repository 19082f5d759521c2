// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <memory>
#include <source_location>
#include <string>

#include <kaal/composer/entropy_source.hpp>
#include <kaal/composer/file_system.hpp>
#include <kaal/composer/network_stack.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/system.hpp>
#include <kaal/composer/time_service.hpp>

// A POSIX program (posix/, kaal_add_posix_program) as one building block: a PD running it with
// the console as stdin, stdout and stderr, the time service's clocks, a heap of its own, and
// optionally a filesystem at "/", a network (its sockets, over its own lwIP, with the
// address `.net` gives it) and an entropy source (getrandom, /dev/urandom):
//
//   kaal::composer::PosixProgram hello{s, "hello", {.console = serial, .clock = time,
//                                                    .root = &root_fs, .network = &net}};
//
// `hello` is also the component: the name kaal_add_posix_program gave the program. Each program
// gets its own process id, from 2 in the order the description adds them (getppid answers 1).
// Its heap and stack are fixed when the image is built, as every Microkit PD's memory is:
// malloc fails with ENOMEM beyond `heap_bytes`.
namespace kaal::composer {

struct PosixProgramOptions {
    SerialConsole& console;
    TimeService& clock;
    FileSystem* root = nullptr;       // mounted at "/"; without, every path is ENOENT
    Word heap_bytes = 0x100'0000;     // 16 MiB
    Word stack_bytes = 0x4'0000;      // 256 KiB: C programs put arrays on the stack
    Word file_data_bytes = 0x4'0000;  // the data region to the filesystem: one read or write
    NetworkStack* network = nullptr;  // without, socket() is EAFNOSUPPORT
    NetClientOptions net = {};        // the program's addresses on `network`
    EntropySource* entropy = nullptr; // without, getrandom is ENOSYS and /dev/urandom ENOENT
    unsigned priority = 100;
};

class PosixProgram {
public:
    PosixProgram(System& system, std::string name, PosixProgramOptions options,
                 std::source_location at = std::source_location::current());

    [[nodiscard]] Pd& pd() { return *pd_; }

private:
    Pd* pd_ = nullptr;
};

} // namespace kaal::composer
