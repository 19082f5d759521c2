// SPDX-License-Identifier: BSD-2-Clause
// virtio-blk-check: one PD that drives the last virtio-mmio transport, number 31 at 0x0a003e00,
// which is where QEMU plugs the first virtio -device of its command line (hw/arm/virt.c,
// create_virtio_devices: the buses are listed highest base address first), with a DMA region
// for the driver's queue and the data.
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/system.hpp>

void kaal_describe(kaal::composer::System& s) {
    // 16 KiB of stack: the driver object is built in a Result and moved, a few KiB at a time.
    auto& check = s.pd("blk-check", "virtio_blk_check").priority(100).stack_size(0x4000);
    check.device(kaal::boards::qemu_virt_aarch64::virtio_mmio(31), "blk");
    check.map(s.dma_region("blk_dma", 0x1'0000), "blk_dma");
}
