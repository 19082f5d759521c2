// SPDX-License-Identifier: BSD-2-Clause
// What the composer writes for a composed system: the Microkit .system file, the runtime
// description, a PD's configuration header and the picture, checked for what each must say.
#include <gtest/gtest.h>
#include <sstream>
#include <string>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/outputs.hpp>
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/supervisor.hpp>
#include <kaal/composer/time_service.hpp>
#include <kaal/platform/microkit/restart_page.hpp>

#include "composer_test_support.hpp"

namespace {

using namespace kaal::composer;

// ipc-ring's shape plus the serial console: regions with read-only mappings, a channel, a device.
System demo(Board board) {
    System s{"demo", board};
    SerialConsole serial{s};
    auto& ring = s.region("ring", 0x1000);
    auto& producer = s.pd("producer", "ipc_ring_producer").priority(101);
    auto& consumer = s.pd("consumer", "ipc_ring_consumer").priority(100);
    producer.map(ring, "ring_region");
    consumer.map(ring, "ring_region", Perms::r);
    s.channel(producer, "peer", consumer, "peer");
    serial.add_client(consumer);
    return s;
}

using test_support::has;

TEST(ComposerOutputs, TheMicrokitSystemFileNamesEveryPdRegionMapIrqAndChannel) {
    System s = demo(Board::qemu_virt_aarch64);
    ASSERT_TRUE(s.compose().empty());
    const std::string xml = microkit_system(s, "demo.cpp");
    EXPECT_TRUE(has(xml, "<memory_region name=\"ring\" size=\"0x1000\" />"));
    EXPECT_TRUE(has(xml, "phys_addr=\"0x9000000\"")) << "the UART, from the board table";
    EXPECT_TRUE(has(xml, "<irq irq=\"33\" id=\"0\" />")) << xml;
    EXPECT_TRUE(has(xml, "<protection_domain name=\"producer\" priority=\"101\">"));
    EXPECT_TRUE(has(xml, "<map mr=\"ring\" vaddr=\"0x2000000\" perms=\"r\" cached=\"true\" "
                         "setvar_vaddr=\"kaal_cfg_ring_region\" />"))
        << xml;
    EXPECT_TRUE(has(xml, "cached=\"false\" setvar_vaddr=\"kaal_cfg_uart_regs\"")) << xml;
    EXPECT_TRUE(has(xml, "<end pd=\"consumer\" id=\"2\" pp=\"true\" />")) << xml;
    EXPECT_FALSE(has(xml, "x\" cached=")) << "no mapping is executable";
}

TEST(ComposerOutputs, TheRuntimeDescriptionGrantsDevicesInsteadOfMappingThem) {
    System s = demo(Board::pc99_x86_64);
    ASSERT_TRUE(s.compose().empty());
    const std::string cpp = runtime_description(s, "demo.cpp");
    EXPECT_TRUE(has(cpp, "{kaal::DeviceId{kaal::DeviceKind::serial, 0}, 0, 0x0},")) << cpp;
    EXPECT_TRUE(has(cpp, "{\"serial_16550\", \"serial_16550\", 250, maps_0, devices_0, 0, 0},"))
        << cpp;
    EXPECT_FALSE(has(cpp, "uart_regs")) << "COM1 is ports, not memory";
    EXPECT_TRUE(has(cpp, "\"kaal_cfg_ring_region\"}"));
    EXPECT_TRUE(has(cpp, "const SystemDescription kaal::runtime::system_description{\"demo\""));
}

TEST(ComposerOutputs, ARuntimeDeviceWithRegistersGetsAnAddressForItsGrant) {
    System s{"mmio", Board::pc99_x86_64};
    s.pd("clock", "x").device(kaal::boards::pc99_x86_64::hpet, "hpet");
    ASSERT_TRUE(s.compose().empty());
    const std::string cpp = runtime_description(s, "mmio.cpp");
    EXPECT_TRUE(has(cpp, "{kaal::DeviceId{kaal::DeviceKind::hpet, 0}, 0, 0x2000000},")) << cpp;
    EXPECT_FALSE(has(config_header(s, s.pds()[0], "mmio.cpp"), "hpet_regs"))
        << "in runtime mode the registers come with the grant, not in a variable";
}

TEST(ComposerOutputs, AConfigurationHeaderNamesWhatItsPdNeeds) {
    System s = demo(Board::qemu_virt_aarch64);
    ASSERT_TRUE(s.compose().empty());
    const Pd& consumer = s.pds()[4];
    ASSERT_EQ(consumer.name(), "consumer");
    const std::string h = config_header(s, consumer, "demo.cpp");
    EXPECT_TRUE(has(h, "inline constexpr kaal::Channel peer{0};")) << h;
    EXPECT_TRUE(has(h, "inline constexpr kaal::Channel serial_rx{2};")) << h;
    EXPECT_TRUE(has(h, "inline const kaal::Word& ring_region = kaal_cfg_ring_region;"));
    EXPECT_TRUE(has(h, "inline constexpr std::size_t ring_region_size = 0x1000;"));
    EXPECT_TRUE(has(h, "inline constexpr unsigned serial_input_index = 0;"));
    EXPECT_TRUE(has(config_source(s, consumer), "kaal::Word kaal_cfg_serial_tx_queue;"));
}

// A DMA region: one large page with its physical address set into the PD on Microkit, a
// contiguous region with a physical-address variable in runtime mode, the same config names.
TEST(ComposerOutputs, ADmaRegionPublishesItsPhysicalAddressInBothModes) {
    for (const Board board : {Board::qemu_virt_aarch64, Board::pc99_x86_64}) {
        System s{"dma", board};
        s.pd("driver", "x").map(s.dma_region("queues", 0x4000), "queues");
        ASSERT_TRUE(s.compose().empty());
        const std::string header = config_header(s, s.pds().front(), "dma.cpp");
        EXPECT_TRUE(has(header, "inline const kaal::Word& queues_paddr = kaal_cfg_queues_paddr;"))
            << header;
        EXPECT_TRUE(has(header, "inline constexpr std::size_t queues_size = 0x4000;"));
        EXPECT_TRUE(has(config_source(s, s.pds().front()), "kaal::Word kaal_cfg_queues_paddr;"));
        if (board == Board::qemu_virt_aarch64) {
            const std::string xml = microkit_system(s, "dma.cpp");
            EXPECT_TRUE(has(xml, "<memory_region name=\"queues\" size=\"0x200000\" "
                                 "page_size=\"0x200000\" />"))
                << xml;
            EXPECT_TRUE(has(xml, "<setvar symbol=\"kaal_cfg_queues_paddr\" "
                                 "region_paddr=\"queues\" />"))
                << xml;
        } else {
            const std::string cpp = runtime_description(s, "dma.cpp");
            EXPECT_TRUE(has(cpp, "{\"queues\", 0x4000, true},")) << cpp;
            EXPECT_TRUE(has(cpp, "\"kaal_cfg_queues\", \"kaal_cfg_queues_paddr\"}")) << cpp;
        }
    }
}

TEST(ComposerOutputs, ThePictureNamesEveryPdChannelAndRegion) {
    System s = demo(Board::qemu_virt_aarch64);
    ASSERT_TRUE(s.compose().empty());
    const std::string dot = graph(s);
    for (const Pd& p : s.pds()) {
        EXPECT_TRUE(has(dot, "\"pd:" + p.name() + "\" [")) << p.name();
        EXPECT_TRUE(has(dot, "priority " + std::to_string(p.prio)));
    }
    for (const Region& r : s.regions()) {
        EXPECT_TRUE(has(dot, "\"mr:" + r.name + "\" [")) << r.name;
    }
    for (const Channel& c : s.channels()) {
        EXPECT_TRUE(has(dot, c.a.name + " " + std::to_string(c.a.id))) << c.a.name;
    }
    EXPECT_TRUE(has(dot, "(pp)")) << "a PPC channel is marked";
    EXPECT_TRUE(has(dot, "label=\"r ring_region\"")) << "rights on the mapping";
    EXPECT_TRUE(has(dot, "IRQ 33"));
}

TEST(ComposerOutputs, TheSummaryCountsWhatTheSystemHas) {
    System s = demo(Board::qemu_virt_aarch64);
    ASSERT_TRUE(s.compose().empty());
    EXPECT_TRUE(has(summary(s), "kaal: system 'demo' (qemu_virt_aarch64): 5 PDs, 6 channels, 7 "
                                "memory regions, 24 KiB of shared memory"))
        << summary(s);
}

// The link address of each PD's image goes to CMake (pds.cmake) and to the summary, where a
// reader of a fault report or a debugger session looks it up.
TEST(ComposerOutputs, EachPdsImageAddressIsInPdsCmakeAndTheSummary) {
    System s = demo(Board::qemu_virt_aarch64);
    ASSERT_TRUE(s.compose().empty());
    const std::string cmake = pds_cmake(s);
    const std::string text = summary(s);
    for (const Pd& p : s.pds()) {
        std::ostringstream base_text;
        base_text << "0x" << std::hex << System::image_base(s.index_of(p));
        const std::string base = base_text.str();
        EXPECT_TRUE(has(cmake, "\"" + p.name() + "\" \"" + p.component() + "\" \"" + base + "\""))
            << cmake;
        EXPECT_TRUE(has(text, p.name() + " (" + p.component() + ")")) << text;
        EXPECT_TRUE(has(text, "image at " + base)) << text;
    }
}

// The rule of the one problem a description has; empty unless it has exactly one.
std::string only_rule(System& s) {
    const auto problems = s.compose();
    return problems.size() == 1 ? problems[0].rule : std::string{};
}

// Microkit: the supervisor is the parent of each supervised PD, holds their symbol tables
// (pds.cmake asks the build for them) and lists them in its configuration by child id.
TEST(ComposerSupervisor, IsTheParentOfTheSupervisedPdsAndHoldsTheirSymbolTables) {
    System s{"crashes", Board::qemu_virt_aarch64};
    Supervisor supervisor{s};
    auto& a = s.pd("crash-a", "crash_a").priority(100);
    auto& b = s.pd("crash-b", "crash_b").priority(99);
    s.pd("free", "free").priority(50);
    supervisor.supervise(a).supervise(b);
    ASSERT_TRUE(s.compose().empty());
    ASSERT_NE(supervisor.pd(), nullptr);
    EXPECT_EQ(a.parent, supervisor.pd());
    EXPECT_EQ(a.child_id, 0U);
    EXPECT_EQ(b.child_id, 1U);
    EXPECT_EQ(s.pds()[3].parent, nullptr) << "an unsupervised PD keeps the monitor";
    const std::string xml = microkit_system(s, "crashes.cpp");
    EXPECT_TRUE(has(xml, "<protection_domain name=\"crash-b\" priority=\"99\" id=\"1\">")) << xml;
    EXPECT_TRUE(has(pds_cmake(s), "set(kaal_composed_symbols \"supervisor\" \"crash-a\" "
                                  "\"kaal_symbols_crash_a\" \"supervisor\" \"crash-b\" "
                                  "\"kaal_symbols_crash_b\")"))
        << pds_cmake(s);
    const std::string h = config_header(s, *supervisor.pd(), "crashes.cpp");
    EXPECT_TRUE(has(h, "extern const kaal::debug::SymbolTable kaal_symbols_crash_a;")) << h;
    EXPECT_TRUE(has(h, "{1, \"crash-b\", &kaal_symbols_crash_b, 0, 0, 0},")) << h;
}

// A restart policy maps the PD's restart page where kaal_start looks for it, says its size in
// the PD's configuration source, and puts the count in the supervisor's table.
TEST(ComposerSupervisor, ARestartPolicyGivesThePdItsRestartPage) {
    System s{"crashes", Board::qemu_virt_aarch64};
    Supervisor supervisor{s};
    auto& a = s.pd("server", "server").priority(100);
    auto& b = s.pd("other", "other").priority(90);
    supervisor.supervise(a, {.restarts = 3, .page_bytes = 0x2000}).supervise(b);
    ASSERT_TRUE(s.compose().empty());
    ASSERT_EQ(a.maps.size(), 1U);
    EXPECT_EQ(a.maps[0].vaddr, kaal::microkit::restart_page_vaddr);
    EXPECT_EQ(a.maps[0].region->size, 0x2000U);
    EXPECT_EQ(a.restart_page, 0x2000U);
    EXPECT_TRUE(b.maps.empty()) << "no policy, no page";
    EXPECT_TRUE(has(config_source(s, a), "kaal_restart_page_bytes = 0x2000;"))
        << config_source(s, a);
    EXPECT_FALSE(has(config_source(s, b), "kaal_restart_page_bytes"));
    const std::string h = config_header(s, *supervisor.pd(), "crashes.cpp");
    EXPECT_TRUE(has(h, "{0, \"server\", &kaal_symbols_server, 3, 0, 0},")) << h;
    EXPECT_TRUE(has(h, "{1, \"other\", &kaal_symbols_other, 0, 0, 0},")) << h;
}

TEST(ComposerSupervisor, ARestartPageIsAtMost1MiB) {
    System s{"crashes", Board::qemu_virt_aarch64};
    Supervisor supervisor{s};
    supervisor.supervise(s.pd("server", "server"), {.restarts = 1, .page_bytes = 0x20'0000});
    EXPECT_EQ(only_rule(s), "a restart page is 4 KiB to 1 MiB");
}

// A back-off is timed by the time service: the supervisor becomes its client, and its table
// says so; without one, a back-off is a composition error.
TEST(ComposerSupervisor, ABackOffMakesTheSupervisorATimeClient) {
    System s{"crashes", Board::qemu_virt_aarch64};
    TimeService time{s};
    Supervisor supervisor{s, {.priority = 210, .time = &time}};
    supervisor.supervise(s.pd("server", "server").priority(100),
                         {.restarts = 2, .backoff_ns = 5'000'000});
    ASSERT_TRUE(s.compose().empty());
    const std::string h = config_header(s, *supervisor.pd(), "crashes.cpp");
    EXPECT_TRUE(has(h, "{0, \"server\", &kaal_symbols_server, 2, 5000000, 0},")) << h;
    EXPECT_TRUE(has(h, "static constexpr bool present = true;")) << h;
    EXPECT_TRUE(has(h, "inline constexpr kaal::Channel time{")) << "its channel to the service";
    EXPECT_TRUE(has(h, "inline constexpr unsigned fault_after_restarts = 0;")) << "never";

    System t{"crashes", Board::qemu_virt_aarch64};
    Supervisor untimed{t};
    untimed.supervise(t.pd("server", "server"), {.restarts = 1, .backoff_ns = 1});
    EXPECT_EQ(only_rule(t), "a restart back-off needs the supervisor's time service");
}

// A test's injected fault is timed by the time service too, and only a supervised PD can have
// one.
TEST(ComposerSupervisor, AnInjectedFaultIsInTheTableAndNeedsATimedSupervisor) {
    System s{"restart", Board::qemu_virt_aarch64};
    TimeService time{s, {.priority = 254}};
    Supervisor supervisor{s, {.priority = 252, .time = &time}};
    auto& driver = s.pd("driver", "driver").priority(250);
    supervisor.supervise(driver, {.restarts = 1}).inject_fault(driver, 300'000'000);
    ASSERT_TRUE(s.compose().empty());
    const std::string h = config_header(s, *supervisor.pd(), "restart.cpp");
    EXPECT_TRUE(has(h, "{0, \"driver\", &kaal_symbols_driver, 1, 0, 300000000},")) << h;

    // And a fault in the supervisor itself, after its restarts.
    System own{"restart", Board::qemu_virt_aarch64};
    Supervisor faulty{own, {.fault_after_restarts = 2}};
    faulty.supervise(own.pd("driver", "driver").priority(250), {.restarts = 2});
    ASSERT_TRUE(own.compose().empty());
    EXPECT_TRUE(has(config_header(own, *faulty.pd(), "restart.cpp"),
                    "inline constexpr unsigned fault_after_restarts = 2;"));

    System t{"restart", Board::qemu_virt_aarch64};
    TimeService t_time{t};
    Supervisor t_supervisor{t, {.priority = 210, .time = &t_time}};
    t_supervisor.inject_fault(t.pd("free", "free").priority(100), 1);
    EXPECT_EQ(only_rule(t), "a fault can only be injected into a supervised PD");

    System u{"restart", Board::qemu_virt_aarch64};
    Supervisor untimed{u};
    auto& server = u.pd("server", "server");
    untimed.supervise(server).inject_fault(server, 1);
    EXPECT_EQ(only_rule(u),
              "an injected fault needs the supervisor's time service and a time after its start");
}

// Runtime mode: the root task reports every component's faults, so there is no PD to add; it
// applies a restart policy, which the description carries.
TEST(ComposerSupervisor, AddsNoPdInRuntimeModeAndGivesTheRootTaskTheRestartPolicy) {
    System s{"crashes", Board::pc99_x86_64};
    Supervisor supervisor{s};
    auto& a = s.pd("crash-a", "crash_a").priority(100);
    auto& b = s.pd("crash-b", "crash_b").priority(90);
    supervisor.supervise(a).supervise(b, {.restarts = 3, .backoff_ns = 10'000'000});
    ASSERT_TRUE(s.compose().empty());
    EXPECT_EQ(supervisor.pd(), nullptr);
    EXPECT_EQ(s.pds().size(), 2U);
    EXPECT_EQ(a.parent, nullptr);
    EXPECT_TRUE(has(pds_cmake(s), "set(kaal_composed_symbols)")) << pds_cmake(s);
    const std::string cpp = runtime_description(s, "crashes.cpp");
    EXPECT_TRUE(has(cpp, "{\"crash-a\", \"crash-a\", 100, {}, {}, 0, 0},")) << cpp;
    EXPECT_TRUE(has(cpp, "{\"crash-b\", \"crash-b\", 90, {}, {}, 3, 10000000},")) << cpp;
}

// The root task times runtime back-offs with the PIT, which the HPET's legacy mode silences.
TEST(ComposerSupervisor, ARuntimeBackOffLeavesThePitAndTheHpetToTheRootTask) {
    // The one problem found with a back-off of `backoff_ns` beside a PD that drives `timer`.
    const auto rule_with = [](std::uint64_t backoff_ns, kaal::DeviceId timer) {
        System s{"crashes", Board::pc99_x86_64};
        Supervisor{s}.supervise(s.pd("server", "server"),
                                {.restarts = 1, .backoff_ns = backoff_ns});
        s.pd("clock", "clock").device(timer, "timer");
        return only_rule(s);
    };
    for (const kaal::DeviceId timer :
         {kaal::boards::pc99_x86_64::pit, kaal::boards::pc99_x86_64::hpet}) {
        EXPECT_EQ(rule_with(1'000'000, timer),
                  "a restart back-off needs the PIT, so no PD may drive the PIT or the HPET");
        EXPECT_EQ(rule_with(0, timer), "") << "without a back-off the timer is free";
    }
}

} // namespace
