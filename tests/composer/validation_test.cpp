// SPDX-License-Identifier: BSD-2-Clause
// Every rule the composer checks, one failing description per rule (in the style of the Microkit
// tool's own negative tests), each reported against the line that broke it; and next to each,
// the nearest description that is fine, so no test passes because everything fails.
#include <gtest/gtest.h>
#include <source_location>
#include <string>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/block_storage.hpp>
#include <kaal/composer/file_system.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/system.hpp>

namespace {

using namespace kaal::composer;
namespace virt = kaal::boards::qemu_virt_aarch64;
using kaal::Word;

unsigned line_here(std::source_location at = std::source_location::current()) {
    return at.line();
}

// The first problem, which is what the composer prints.
testing::AssertionResult fails_at(System& s, unsigned line, const std::string& rule) {
    const auto problems = s.compose();
    if (problems.empty()) {
        return testing::AssertionFailure() << "composed without a problem";
    }
    const Problem& p = problems.front();
    if (p.where.line != line || p.rule.find(rule) == std::string::npos ||
        p.where.file.find("validation_test.cpp") == std::string::npos) {
        return testing::AssertionFailure()
               << p.where.file << ":" << p.where.line << ": " << p.rule << ": " << p.detail
               << " (wanted line " << line << ", rule '" << rule << "')";
    }
    return testing::AssertionSuccess();
}

testing::AssertionResult composes(System& s) {
    const auto problems = s.compose();
    if (!problems.empty()) {
        return testing::AssertionFailure()
               << problems.front().where.line << ": " << problems.front().rule << ": "
               << problems.front().detail;
    }
    return testing::AssertionSuccess();
}

System virt_system() {
    return System{"test", Board::qemu_virt_aarch64};
}

TEST(ComposerRules, PdNamesAreUnique) {
    System s = virt_system();
    s.pd("a", "x");
    const unsigned line = line_here() + 1;
    s.pd("a", "y");
    EXPECT_TRUE(fails_at(s, line, "names are unique"));
    System ok = virt_system();
    ok.pd("a", "x");
    ok.pd("b", "x");
    EXPECT_TRUE(composes(ok));
}

TEST(ComposerRules, RegionNamesAreUnique) {
    System s = virt_system();
    s.pd("a", "x").map(s.region("buffer", 0x1000), "buffer");
    const unsigned line = line_here() + 1;
    s.region("buffer", 0x2000);
    EXPECT_TRUE(fails_at(s, line, "names are unique"));
}

TEST(ComposerRules, AConfigurationNameIsUsedOncePerPd) {
    System s = virt_system();
    auto& a = s.pd("a", "x");
    auto& b = s.pd("b", "x");
    a.map(s.region("one", 0x1000), "shared");
    const unsigned line = line_here() + 1;
    a.map(s.region("two", 0x1000), "shared");
    s.channel(a, "peer", b, "peer");
    EXPECT_TRUE(fails_at(s, line, "names are unique"));
}

TEST(ComposerRules, NamesAreIdentifiersAndPdNamesFitMicrokit) {
    System s = virt_system();
    const unsigned line = line_here() + 1;
    s.pd("bad name", "x");
    EXPECT_TRUE(fails_at(s, line, "a PD name is 1 to 63"));
    System t = virt_system();
    const unsigned line2 = line_here() + 1;
    t.pd(std::string(64, 'p'), "x");
    EXPECT_TRUE(fails_at(t, line2, "a PD name is 1 to 63"));
    System u = virt_system();
    const unsigned line3 = line_here() + 1;
    u.pd("a", "x").map(u.region("r", 0x1000), "not-an-identifier");
    EXPECT_TRUE(fails_at(u, line3, "a configuration name is a C identifier"));
}

TEST(ComposerRules, AComponentMustBeOneTheBuildMakes) {
    System s = virt_system();
    s.known_components({"hello", "echo"});
    s.pd("hello", "hello");
    const unsigned line = line_here() + 1;
    s.pd("typo", "helo");
    EXPECT_TRUE(fails_at(s, line, "a PD's component is one the build makes"));
}

TEST(ComposerRules, MappingsOfOnePdDoNotOverlap) {
    System s = virt_system();
    auto& a = s.pd("a", "x");
    a.map_at(s.region("one", 0x2000), 0x400'0000, "one");
    const unsigned line = line_here() + 1;
    a.map_at(s.region("two", 0x1000), 0x400'1000, "two");
    EXPECT_TRUE(fails_at(s, line, "a PD's mappings do not overlap"));
    System ok = virt_system();
    auto& b = ok.pd("b", "x");
    b.map_at(ok.region("one", 0x2000), 0x400'0000, "one");
    b.map_at(ok.region("two", 0x1000), 0x400'2000, "two");
    b.map(ok.region("three", 0x1000), "three"); // allocated past both
    EXPECT_TRUE(composes(ok));
}

TEST(ComposerRules, APinnedMappingIsPageAligned) {
    System s = virt_system();
    const unsigned line = line_here() + 1;
    s.pd("a", "x").map_at(s.region("one", 0x1000), 0x400'0800, "one");
    EXPECT_TRUE(fails_at(s, line, "a mapping is page-aligned"));
}

TEST(ComposerRules, RegionsAreWholePages) {
    System s = virt_system();
    const unsigned line = line_here() + 1;
    s.pd("a", "x").map(s.region("odd", 0x1800), "odd");
    EXPECT_TRUE(fails_at(s, line, "a non-zero multiple of 4 KiB"));
    System t = virt_system();
    const unsigned line2 = line_here() + 1;
    t.region("empty", 0);
    t.pd("a", "x");
    EXPECT_TRUE(fails_at(t, line2, "a non-zero multiple of 4 KiB"));
}

TEST(ComposerRules, ADmaRegionIsAtMost1MiBAndMappedAtA2MiBBoundary) {
    System s = virt_system();
    const unsigned line = line_here() + 1;
    s.pd("a", "x").map(s.dma_region("big", 0x20'0000), "big");
    EXPECT_TRUE(fails_at(s, line, "a DMA region is at most 1 MiB"));
    System t = virt_system();
    const unsigned line2 = line_here() + 1;
    t.pd("a", "x").map_at(t.dma_region("dma", 0x1'0000), 0x210'0000, "dma");
    EXPECT_TRUE(fails_at(t, line2, "a DMA region is mapped at a 2 MiB boundary"));
}

TEST(ComposerAllocation, ADmaRegionTakesA2MiBAlignedSlotAndTheNextMappingFollowsIt) {
    System s = virt_system();
    auto& pd = s.pd("a", "x");
    pd.map(s.region("ring", 0x1000), "ring");
    pd.map(s.dma_region("dma", 0x1'0000), "dma");
    pd.map(s.region("after", 0x1000), "after");
    ASSERT_TRUE(composes(s));
    EXPECT_EQ(pd.maps[0].vaddr, System::first_vaddr);
    EXPECT_EQ(pd.maps[1].vaddr, System::first_vaddr + Region::dma_page);
    EXPECT_EQ(pd.maps[2].vaddr, System::first_vaddr + 2 * Region::dma_page);
}

TEST(ComposerRules, RegionsFitTheBoardsMemory) {
    System s = virt_system();
    s.pd("a", "x").map(s.region("half", Word{512} << 20), "half");
    const unsigned line = line_here() + 1;
    s.pd("b", "x").map(s.region("more", (Word{512} << 20) + 0x1000), "more");
    EXPECT_TRUE(fails_at(s, line, "the regions fit the board's memory"));
}

TEST(ComposerRules, AMappingEndsBelowThePdImages) {
    System s = virt_system();
    auto& a = s.pd("a", "x");
    a.map_at(s.region("last", 0x1000), System::first_image_base - 0x1000, "last");
    ASSERT_TRUE(composes(s)) << "a mapping that ends where the images start";
    System t = virt_system();
    const unsigned line = line_here() + 1;
    t.pd("a", "x").map_at(t.region("over", 0x2000), System::first_image_base - 0x1000, "over");
    EXPECT_TRUE(fails_at(t, line, "a mapping lies below the PD images"));
}

TEST(ComposerAllocation, EveryPdImageHasItsOwnSlotBelow2GiB) {
    static_assert(System::image_base(0) == System::first_image_base);
    static_assert(System::image_base(System::max_pds - 1) + System::image_slot <= Word{2} << 30,
                  "x86_64's small code model keeps an image below 2 GiB");
    static_assert(System::first_vaddr < System::first_image_base);
    EXPECT_EQ(System::image_base(2) - System::image_base(1), System::image_slot);
}

TEST(ComposerRules, AnIrqGoesToOnePd) {
    System s = virt_system();
    s.pd("a", "x").device(virt::uart, "uart");
    const unsigned line = line_here() + 1;
    s.pd("b", "x").device(virt::uart, "uart");
    EXPECT_TRUE(fails_at(s, line, "an IRQ goes to one PD"));
}

TEST(ComposerRules, AnIrqNumberMustBeTheBoardTables) {
    System s = virt_system();
    auto& a = s.pd("a", "x").device(virt::uart, "uart");
    const unsigned line = line_here() + 1;
    a.device_irq("uart", 0, 34);
    EXPECT_TRUE(fails_at(s, line, "a device's IRQ is the board table's"));
    System ok = virt_system();
    ok.pd("a", "x").device(virt::uart, "uart").device_irq("uart", 0, 33);
    EXPECT_TRUE(composes(ok));
}

TEST(ComposerRules, ADeviceMustBeOneOfTheBoards) {
    System s = virt_system();
    const unsigned line = line_here() + 1;
    s.pd("a", "x").device(kaal::boards::pc99_x86_64::hpet, "hpet"); // no HPET on QEMU virt
    EXPECT_TRUE(fails_at(s, line, "a device must be one of the board's"));
    System t = virt_system();
    const unsigned line2 = line_here() + 1;
    t.pd("a", "x").device(virt::gic, "gic"); // the kernel's
    EXPECT_TRUE(fails_at(t, line2, "a device must be one of the board's"));
}

TEST(ComposerRules, DeviceMemoryLiesInTheBoardsDeviceMap) {
    System s = virt_system();
    const unsigned line = line_here() + 1;
    auto& ram = s.device_memory("not_a_device", 0x4000'0000, 0x1000);
    s.pd("a", "x").map(ram, "regs");
    EXPECT_TRUE(fails_at(s, line, "device memory lies in the board's device map"));
    System ok = virt_system();
    auto& uart = ok.device_memory("uart", 0x900'0000, 0x1000);
    ok.pd("a", "x").map(uart, "regs");
    EXPECT_TRUE(composes(ok));
}

TEST(ComposerRules, APpcCalleeOutranksItsCaller) {
    System s = virt_system();
    auto& server = s.pd("server", "x").priority(100);
    auto& client = s.pd("client", "x").priority(100);
    const unsigned line = line_here() + 1;
    s.call(client, "server", server, "client");
    EXPECT_TRUE(fails_at(s, line, "a PPC callee has a higher priority than its caller"));
    System ok = virt_system();
    auto& server2 = ok.pd("server", "x").priority(101);
    auto& client2 = ok.pd("client", "x").priority(100);
    ok.call(client2, "server", server2, "client");
    EXPECT_TRUE(composes(ok));
}

TEST(ComposerRules, AtMost63Pds) {
    System s = virt_system();
    for (int i = 0; i < 63; ++i) {
        s.pd("pd" + std::to_string(i), "x");
    }
    EXPECT_TRUE(composes(s));
    System t = virt_system();
    for (int i = 0; i < 63; ++i) {
        t.pd("pd" + std::to_string(i), "x");
    }
    const unsigned line = line_here() + 1;
    t.pd("one_too_many", "x");
    EXPECT_TRUE(fails_at(t, line, "at most 63 protection domains"));
}

TEST(ComposerRules, AtMost62ChannelsPerPd) {
    const auto with_channels = [](System& s, int count) {
        auto& server = s.pd("server", "x").priority(200);
        auto& client = s.pd("client", "x");
        for (int i = 0; i < count; ++i) {
            s.channel(client, "to" + std::to_string(i), server, "from" + std::to_string(i));
        }
        return &client;
    };
    System s = virt_system();
    with_channels(s, 62);
    EXPECT_TRUE(composes(s));
    System t = virt_system();
    Pd* client = with_channels(t, 62);
    const unsigned line = line_here() + 1;
    t.channel(*client, "to62", t.pd("other", "x"), "from62");
    EXPECT_TRUE(fails_at(t, line, "62 channels per PD"));
}

TEST(ComposerRules, PrioritiesAreAtMost254) {
    System s = virt_system();
    const unsigned line = line_here() + 1;
    s.pd("a", "x").priority(255);
    EXPECT_TRUE(fails_at(s, line, "priorities are 0 to 254"));
}

TEST(ComposerRules, StacksAre4KiBTo16MiBInWholePages) {
    for (const Word bytes : {Word{0}, Word{0x1800}, (Word{16} << 20) + 0x1000}) {
        System s = virt_system();
        const unsigned line = line_here() + 1;
        s.pd("a", "x").stack_size(bytes);
        EXPECT_TRUE(fails_at(s, line, "a stack is 4 KiB to 16 MiB")) << bytes;
    }
    System ok = virt_system();
    ok.pd("a", "x").stack_size(Word{16} << 20);
    EXPECT_TRUE(composes(ok));
}

TEST(ComposerRules, AChannelJoinsTwoDifferentPds) {
    System s = virt_system();
    auto& a = s.pd("a", "x");
    const unsigned line = line_here() + 1;
    s.channel(a, "me", a, "myself");
    EXPECT_TRUE(fails_at(s, line, "a channel joins two different PDs"));
}

TEST(ComposerRules, ChildPdsAreMicrokitOnly) {
    System s{"test", Board::pc99_x86_64};
    auto& parent = s.pd("parent", "x");
    auto& child = s.pd("child", "x");
    const unsigned line = line_here() + 1;
    parent.child(child, 0);
    EXPECT_TRUE(fails_at(s, line, "child PDs exist in Microkit mode only"));
}

TEST(ComposerRules, AnIrqStatedForAnUnknownDeviceIsAnError) {
    System s = virt_system();
    const unsigned line = line_here() + 1;
    s.pd("a", "x").device_irq("uart", 0, 33);
    EXPECT_TRUE(fails_at(s, line, "an IRQ is stated for a device the PD does not use"));
}

// What the composer allocates: ids from 0 around pinned ones, addresses from first_vaddr.
TEST(ComposerAllocation, IdsAndAddressesAreAllocatedAroundPinnedOnes) {
    System s = virt_system();
    auto& driver = s.pd("driver", "x").priority(200).device(virt::uart, "uart");
    driver.device_irq("uart", 2, std::nullopt);
    auto& client = s.pd("client", "x");
    auto& queue = s.region("queue", 0x2000);
    driver.map(queue, "queue");
    client.map_at(queue, System::first_vaddr, "queue");
    client.map(s.region("more", 0x1000), "more");
    s.channel(driver, "client", client, "driver");
    s.channel(driver, "other", client, "other");
    ASSERT_TRUE(composes(s));
    const Pd& d = s.pds()[0];
    EXPECT_EQ(d.devices[0].irq_id, 2);
    EXPECT_EQ(s.channels()[0].a.id, 0);
    EXPECT_EQ(s.channels()[1].a.id, 1);
    EXPECT_EQ(s.channels()[0].b.id, 0);
    EXPECT_EQ(d.maps[0].vaddr, System::first_vaddr);
    EXPECT_EQ(d.maps[1].vaddr, System::first_vaddr + 0x2000); // the UART's page after the queue
    EXPECT_EQ(s.pds()[1].maps[1].vaddr, System::first_vaddr + 0x2000);
}

// A pinned mapping high up (a restart page, just below the images) does not push the others
// past it: before, they were placed after the highest pinned one, and a DMA region, aligned to
// 2 MiB, then landed in the images' range.
TEST(ComposerAllocation, AddressesFillTheRoomBelowAPinnedMappingAndSkipOverIt) {
    System s = virt_system();
    auto& pd = s.pd("driver", "x");
    pd.map_at(s.region("page", 0x1'0000), System::first_image_base - 0x10'0000, "page");
    pd.map(s.dma_region("dma", 0x4000), "dma");
    pd.map(s.region("queue", 0x2000), "queue");
    ASSERT_TRUE(composes(s));
    EXPECT_EQ(pd.maps[1].vaddr, System::first_vaddr) << "the first 2 MiB boundary";
    EXPECT_EQ(pd.maps[2].vaddr, System::first_vaddr + 0x20'0000) << "after the DMA region's page";

    System t = virt_system();
    auto& other = t.pd("driver", "x");
    other.map_at(t.region("pin", 0x1000), System::first_vaddr + 0x1000, "pin");
    other.map(t.region("queue", 0x2000), "queue");
    other.map(t.dma_region("dma", 0x4000), "dma");
    ASSERT_TRUE(composes(t));
    EXPECT_EQ(other.maps[1].vaddr, System::first_vaddr + 0x2000) << "not over the pinned page";
    EXPECT_EQ(other.maps[2].vaddr, System::first_vaddr + 0x20'0000) << "nor the DMA region";
}

TEST(ComposerSerialConsole, AClientIsOneLineAndGetsItsQueuesChannelsAndIndex) {
    System s = virt_system();
    SerialConsole serial{s};
    auto& echo = s.pd("echo", "x").priority(110);
    auto& quiet = s.pd("quiet", "x").priority(100);
    auto& third = s.pd("third-one", "x").priority(100);
    serial.add_client(echo, {.may_select_input = true});
    serial.add_client(quiet, {.input = false});
    serial.add_client(third);
    ASSERT_TRUE(composes(s));
    EXPECT_EQ(s.pds().size(), 6U); // driver, two muxes, three clients
    EXPECT_EQ(third.constants.back().name, "serial_input_index");
    EXPECT_EQ(third.constants.back().value, "1"); // quiet has no input
    ASSERT_FALSE(serial.tx_mux().sections.empty());
    const std::string& tx = serial.tx_mux().sections[0].code;
    EXPECT_NE(tx.find("{\"third-one\", &kaal_cfg_client_third_one_queue, client_third_one}"),
              std::string::npos)
        << tx;
    const std::string& rx = serial.rx_mux().sections[0].code;
    EXPECT_NE(rx.find("{\"echo\", &kaal_cfg_client_echo_queue, client_echo, true}"),
              std::string::npos)
        << rx;
    EXPECT_EQ(rx.find("quiet"), std::string::npos) << "no RX queue for an output-only client";
}

TEST(ComposerSerialConsole, ItsMuxesOutrankTheirCallers) {
    System s = virt_system();
    SerialConsole serial{s};
    auto& greedy = s.pd("greedy", "x").priority(230);
    const unsigned line = line_here() + 1;
    serial.add_client(greedy);
    EXPECT_TRUE(fails_at(s, line, "a PPC callee has a higher priority than its caller"));
}

TEST(ComposerBlockStorage, TheDriverAndTheVirtualiserAreTwoPdsWithAQueueBetweenThem) {
    System s = virt_system();
    BlockStorage disk{s};
    auto& client = s.pd("client", "x").priority(100);
    disk.add_client(client, 1);
    ASSERT_TRUE(composes(s));
    EXPECT_EQ(s.pds().size(), 3U);
    EXPECT_EQ(disk.driver().name(), "blk-driver");
    EXPECT_GT(disk.driver().prio, disk.virtualiser().prio);
    ASSERT_FALSE(disk.virtualiser().sections.empty());
    const std::string& table = disk.virtualiser().sections[0].code;
    EXPECT_NE(table.find("BlockClientWiring{&kaal_cfg_client_client_queue, "
                         "&kaal_cfg_client_client_data_paddr, client_client_data_size, "
                         "client_client, 1}"),
              std::string::npos)
        << table;
    EXPECT_NE(table.find("BlockWindowWiring, 0> windows{}"), std::string::npos) << table;
}

TEST(ComposerFileSystem, EachClientsRegionIsAWindowPastTheServicesDataRegion) {
    System s = virt_system();
    BlockStorage disk{s};
    FileSystem fs{s, disk, "fs", 0};
    auto& a = s.pd("a", "x").priority(100);
    auto& b = s.pd("b", "x").priority(100);
    fs.add_client(a, "/");
    fs.add_client(b, "/b", 0x2'0000);
    ASSERT_TRUE(composes(s));
    const std::string& windows = disk.virtualiser().sections[0].code;
    // The service's own DMA region is 1 MiB: the windows follow it, each where the last ended.
    EXPECT_NE(windows.find("BlockWindowWiring{0, 1048576, &kaal_cfg_client_fs_w0_paddr, 65536}"),
              std::string::npos)
        << windows;
    EXPECT_NE(windows.find("BlockWindowWiring{0, 1114112, &kaal_cfg_client_fs_w1_paddr, 131072}"),
              std::string::npos)
        << windows;
    const std::string& clients = fs.service().sections.back().code;
    EXPECT_NE(clients.find("client_a, 1048576}"), std::string::npos) << clients;
    EXPECT_NE(clients.find("client_b, 1114112}"), std::string::npos) << clients;
}

TEST(ComposerBlockStorage, AWindowIsDmaMemoryOfAClientOfTheDisk) {
    System plain = virt_system();
    BlockStorage disk{plain};
    auto& client = plain.pd("client", "x").priority(100);
    disk.add_client(client, 0);
    Region& cached = plain.region("cached", 0x1000);
    unsigned line = line_here() + 1;
    disk.add_window(client, cached);
    EXPECT_TRUE(fails_at(plain, line, "a block window must be DMA memory"));

    System stranger = virt_system();
    BlockStorage disk2{stranger};
    auto& other = stranger.pd("other", "x").priority(100);
    Region& dma = stranger.dma_region("dma", 0x1000);
    line = line_here() + 1;
    disk2.add_window(other, dma);
    EXPECT_TRUE(
        fails_at(stranger, line, "a block window for a PD that is not a client of the disk"));
}

} // namespace
