// SPDX-License-Identifier: BSD-2-Clause
// The boot-time memory of the machines KaaL runs on, as the kernel would describe it to the root
// task: free RAM and device space, each split into naturally aligned power-of-two blocks, which
// is how seL4 turns regions into untyped caps (seL4 manual, "BootInfo").
#include <bit>

#include <kaal/platform/mock/kernel.hpp>

namespace kaal::mock {

namespace {

void add_region(MachineConfig& machine, Word start, Word end, bool device) {
    while (start < end) {
        // The largest block aligned at `start` that still fits before `end`.
        unsigned bits =
            start == 0 ? object_bits::max_untyped : static_cast<unsigned>(std::countr_zero(start));
        if (bits > object_bits::max_untyped) {
            bits = object_bits::max_untyped;
        }
        while ((Word{1} << bits) > end - start) {
            --bits;
        }
        machine.memory.push_back({start, static_cast<std::uint8_t>(bits), device});
        start += Word{1} << bits;
    }
}

} // namespace

// QEMU `virt` (hw/arm/virt.c memory map) with -m 1G: RAM at 1 GiB. The first 16 MiB of RAM hold
// the kernel, the root task image and the boot-time structures. The GIC's distributor and CPU
// interface are the kernel's and are left out of the device untypeds. seL4's qemu-arm-virt
// platform accepts IRQ numbers up to 159.
MachineConfig qemu_virt_aarch64_machine() {
    MachineConfig machine;
    machine.arch = Arch::aarch64;
    machine.max_irq = 159;
    add_region(machine, 0x4100'0000, 0x8000'0000, false);
    add_region(machine, 0x0000'0000, 0x0800'0000, true);
    add_region(machine, 0x0802'0000, 0x4000'0000, true);
    return machine;
}

// A pc99 PC with 512 MiB: low RAM below the VGA hole, RAM above the 32 MiB the kernel and root
// task occupy, and device space between RAM and 4 GiB except the I/O APIC and local APIC pages,
// which the kernel keeps. I/O APIC pins 0..23 are the IRQ numbers.
MachineConfig pc99_x86_64_machine() {
    MachineConfig machine;
    machine.arch = Arch::x86_64;
    machine.max_irq = 23;
    add_region(machine, 0x0000'1000, 0x0009'f000, false);
    add_region(machine, 0x0200'0000, 0x2000'0000, false);
    add_region(machine, 0x000a'0000, 0x0010'0000, true);
    add_region(machine, 0x2000'0000, 0xfec0'0000, true);
    add_region(machine, 0xfec0'1000, 0xfee0'0000, true);
    add_region(machine, 0xfee0'1000, 0x1'0000'0000, true);
    return machine;
}

} // namespace kaal::mock
