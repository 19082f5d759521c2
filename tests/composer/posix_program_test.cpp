// SPDX-License-Identifier: BSD-2-Clause
// The PosixProgram building block: what a POSIX program's PD gets in the system and in its
// configuration header (kaal/composer/posix_program.hpp).
#include <gtest/gtest.h>
#include <string>

#include <kaal/composer/block_storage.hpp>
#include <kaal/composer/file_system.hpp>
#include <kaal/composer/outputs.hpp>
#include <kaal/composer/posix_program.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/time_service.hpp>

#include "composer_test_support.hpp"

namespace {

using namespace kaal::composer;

using test_support::has;
using test_support::named;

TEST(ComposerPosixProgram, GivesEachProgramItsHeapStackConsoleClockAndProcessId) {
    System s{"posix", Board::qemu_virt_aarch64};
    SerialConsole serial{s};
    TimeService time{s};
    BlockStorage disk{s};
    FileSystem root{s, disk, "fs-root", 0};
    PosixProgram first{s,
                       "first",
                       {.console = serial,
                        .clock = time,
                        .root = &root,
                        .heap_bytes = 0x20'0000,
                        .stack_bytes = 0x2'0000}};
    PosixProgram second{s, "second", {.console = serial, .clock = time}};
    ASSERT_TRUE(s.compose().empty());

    const Pd& a = named(s, "first");
    EXPECT_EQ(a.component(), "first") << "the component is kaal_add_posix_program's name";
    EXPECT_EQ(a.stack, 0x2'0000U);
    const std::string h = config_header(s, a, "posix.cpp");
    EXPECT_TRUE(has(h, "inline constexpr std::size_t posix_heap_size = 0x200000;")) << h;
    EXPECT_TRUE(has(h, "inline constexpr int posix_pid = 2;")) << h;
    EXPECT_TRUE(has(h, "serial_rx")) << "stdin: the program reads the console";
    EXPECT_TRUE(has(h, "time_clock")) << h;
    EXPECT_TRUE(has(h, "kaal::services::fs::MountWiring{\"/\", \"fs-root\"")) << h;

    const std::string other = config_header(s, named(s, "second"), "posix.cpp");
    EXPECT_TRUE(has(other, "inline constexpr int posix_pid = 3;")) << "unique per program";
    EXPECT_TRUE(has(other, "inline constexpr std::size_t posix_heap_size = 0x1000000;"))
        << "16 MiB by default";
    EXPECT_TRUE(has(other, "std::array<kaal::services::fs::MountWiring, 0> mounts{}"))
        << "no filesystem: an empty mount table, so the component still compiles";
}

// A network and an entropy source reach the program as its PosixNetwork and PosixEntropy, which
// posix/program.cpp's templates read; without them, the same structs say they are absent, so
// that the component compiles and links neither lwIP nor the entropy client.
TEST(ComposerPosixProgram, GivesANetworkAndAnEntropySourceOnlyToTheProgramThatAsks) {
    System s{"posix", Board::qemu_virt_aarch64};
    SerialConsole serial{s};
    TimeService time{s};
    NetworkStack net{s, {.transport = 23}};
    EntropySource rng{s, {.transport = 15}};
    PosixProgram server{s,
                        "server",
                        {.console = serial,
                         .clock = time,
                         .network = &net,
                         .net = {.ipv4 = {10, 0, 2, 20}},
                         .entropy = &rng}};
    PosixProgram plain{s, "plain", {.console = serial, .clock = time}};
    ASSERT_TRUE(s.compose().empty());

    const std::string h = config_header(s, named(s, "server"), "posix.cpp");
    EXPECT_TRUE(has(h, "struct PosixNetwork {\n    static constexpr bool present = true;")) << h;
    EXPECT_TRUE(has(h, "static inline const kaal::Word& rx_queue = net_rx_queue;")) << h;
    EXPECT_TRUE(has(h, "{0x0a, 0x00, 0x02, 0x14}")) << "its own address, 10.0.2.20";
    EXPECT_TRUE(has(h, "struct PosixEntropy {\n    static constexpr bool present = true;")) << h;
    EXPECT_TRUE(has(h, "static constexpr kaal::Channel channel = entropy;")) << h;

    const std::string other = config_header(s, named(s, "plain"), "posix.cpp");
    EXPECT_TRUE(has(other, "struct PosixNetwork {\n    static constexpr bool present = false;"))
        << other;
    EXPECT_TRUE(has(other, "struct PosixEntropy {\n    static constexpr bool present = false;"))
        << other;
    EXPECT_FALSE(has(other, "net_rx")) << "no queues to a NIC it does not use";
}

TEST(ComposerPosixProgram, TwoSystemsNumberTheirProgramsApart) {
    System one{"one", Board::qemu_virt_aarch64};
    System two{"two", Board::qemu_virt_aarch64};
    SerialConsole serial_one{one};
    TimeService time_one{one};
    SerialConsole serial_two{two};
    TimeService time_two{two};
    PosixProgram a{one, "a", {.console = serial_one, .clock = time_one}};
    PosixProgram b{two, "b", {.console = serial_two, .clock = time_two}};
    ASSERT_TRUE(one.compose().empty());
    ASSERT_TRUE(two.compose().empty());
    EXPECT_TRUE(has(config_header(two, named(two, "b"), "two.cpp"), "posix_pid = 2;"));
}

} // namespace
