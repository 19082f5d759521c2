// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <gtest/gtest.h>

#include <kaal/platform/mock/kernel.hpp>

namespace kaal::mock::testing {

// A small aarch64 machine: 256 root CNode slots, two RAM untypeds and one device untyped.
inline MachineConfig small_machine(Arch arch = Arch::aarch64) {
    MachineConfig machine;
    machine.arch = arch;
    machine.root_cnode_bits = 8;
    machine.max_irq = arch == Arch::aarch64 ? 159 : 23;
    machine.memory = {{0x4000'0000, 20, false}, {0x5000'0000, 16, false}, {0x0900'0000, 16, true}};
    return machine;
}

inline constexpr CPtr big_ram = 16;
inline constexpr CPtr small_ram = 17;
inline constexpr CPtr device_ut = 18;
inline constexpr CPtr free_slot = 19; // first slot of the empty region
inline constexpr CPtr root = initial_cap::cnode;
inline constexpr std::uint8_t depth = 64;

class KernelTest : public ::testing::Test {
protected:
    Kernel kernel{small_machine()};

    Status retype(CPtr untyped, ObjectType type, unsigned bits, CPtr slot, Word count = 1) {
        return kernel.untyped_retype(untyped, type, bits, root, 0, 0, slot, count);
    }
};

} // namespace kaal::mock::testing
