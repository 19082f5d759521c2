// SPDX-License-Identifier: BSD-2-Clause
// The dma-region system: two PDs map one DMA region, the way a driver and a virtualiser share a
// device's queues and a client's buffers. Both learn its physical address from their
// configuration; the writer fills it and tells the reader, which checks what it sees.
#include <kaal/composer/system.hpp>

void kaal_describe(kaal::composer::System& s) {
    auto& queues = s.dma_region("queues", 0x1'0000);
    auto& writer = s.pd("dma-writer", "dma_region_check").priority(101);
    auto& reader = s.pd("dma-reader", "dma_region_check").priority(100);
    writer.map(queues, "queues");
    reader.map(queues, "queues", kaal::composer::Perms::r);
    s.channel(writer, "peer", reader, "peer");
}
