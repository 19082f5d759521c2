// SPDX-License-Identifier: BSD-2-Clause
#include <gtest/gtest.h>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/broker/static_resources.hpp>

namespace kaal {
namespace {

namespace virt = boards::qemu_virt_aarch64;

TEST(StaticResources, BuildTheSameBundleAsTheBroker) {
    StaticDeviceResources r;
    r.id = virt::uart;
    r.mmio_vaddr = 0x2000'0000;
    r.mmio_paddr = 0x0900'0000;
    r.mmio_size = 0x1000;
    r.irq = 33;
    r.irq_channel = 5;
    r.dma_vaddr = 0x3000'0000;
    r.dma_paddr = 0x4800'0000;
    r.dma_size = 0x4000;
    auto bundle = bundle_from_static_resources(r);
    ASSERT_TRUE(bundle.ok());
    EXPECT_EQ(bundle->id, virt::uart);
    EXPECT_EQ(bundle->mmio.vaddr, 0x2000'0000U);
    EXPECT_EQ(bundle->irq.channel, 5U);
    EXPECT_TRUE(bundle->irq.handler.is_null()); // Microkit acks through the channel
    EXPECT_EQ(*bundle->dma.paddr_of(0x3000'0010), 0x4800'0010U);
}

TEST(StaticResources, RejectUnpatchedOrInconsistentFacts) {
    StaticDeviceResources r;
    r.mmio_paddr = 0x0900'0000;
    r.mmio_size = 0x1000;
    EXPECT_EQ(bundle_from_static_resources(r).error(), Error::invalid_argument); // vaddr 0
    r.mmio_vaddr = 0x2000'0100; // different page offset from the paddr
    EXPECT_EQ(bundle_from_static_resources(r).error(), Error::invalid_argument);
    r.mmio_vaddr = 0x2000'0000;
    r.irq = 33;
    EXPECT_EQ(bundle_from_static_resources(r).error(), Error::invalid_channel);
    r.irq_channel = 62;
    EXPECT_TRUE(bundle_from_static_resources(r).ok());
    r.dma_size = 0x1000;
    r.dma_vaddr = 0x3000'0000;
    r.dma_paddr = 0x4800'0800;
    EXPECT_EQ(bundle_from_static_resources(r).error(), Error::invalid_argument);
}

TEST(BoardTables, EntriesAreUniqueAndDescribeRealResources) {
    for (const DeviceTable& table : {virt::table, boards::pc99_x86_64::table}) {
        for (std::size_t i = 0; i < table.size(); ++i) {
            const auto& d = table[i];
            EXPECT_EQ(table.find(d.id), &d) << d.name << " is listed twice";
            EXPECT_TRUE(d.mmio_size != 0 || d.irq != no_irq || d.has_io_ports()) << d.name;
        }
    }
    EXPECT_EQ(virt::table.find(virt::virtio_mmio(7))->mmio_paddr, 0x0a00'0e00U);
    EXPECT_EQ(virt::table.find(virt::virtio_mmio(7))->irq, 55U);
    EXPECT_EQ(virt::table.find({DeviceKind::hpet, 0}), nullptr);
}

} // namespace
} // namespace kaal
