// SPDX-License-Identifier: BSD-2-Clause
// validate() on a system shaped like examples/runtime-demo/system.cpp and on copies of it with
// one rule broken at a time: each must fail with Error::invalid_system, the rule's text and the
// name concerned, and the edge that is still allowed must pass (so a test cannot pass just because
// everything fails).
#include <cstddef>
#include <deque>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/platform/runtime/system_description.hpp>

namespace {

using kaal::DeviceId;
using kaal::DeviceKind;
using kaal::Error;
using kaal::Word;
using namespace kaal::runtime;

// Images are only looked up by name; their bytes are checked later, by ElfImage::parse.
constexpr unsigned char no_bytes[1] = {};

struct ComponentSpec {
    const char* name;
    const char* image;
    std::uint8_t priority;
    std::vector<Mapping> maps;
    std::vector<DeviceGrant> devices;
    std::uint64_t backoff_ns = 0;
};

// A mutable copy of examples/runtime-demo/system.cpp's shape: a serial driver with COM1, a client
// sharing its TX region, and a ring producer/consumer pair.
class TestSystem {
public:
    enum : std::size_t { serial, hello, producer, consumer };
    enum : std::size_t { console_tx, ring, data };

    TestSystem() {
        regions = {{"console_tx", 0x1000}, {"ring", 0x1000}, {"data", 0x2000}};
        components = {
            {"serial",
             "serial_ns16550",
             200,
             {{console_tx, 0x4000'0000, true, true, "tx_queue"}},
             {{kaal::boards::pc99_x86_64::com1, 0}}},
            {"hello", "hello_image", 50, {{console_tx, 0x4000'0000, true, true, "tx_queue"}}, {}},
            {"producer",
             "producer_image",
             101,
             {{ring, 0x200'0000, true, true, "ring_region"},
              {data, 0x200'1000, true, true, "data_region"}},
             {}},
            {"consumer",
             "consumer_image",
             100,
             {{ring, 0x200'0000, true, true, "ring_region"},
              {data, 0x200'1000, false, true, "data_region"}},
             {}},
        };
        channels = {
            {{hello, 0, false}, {serial, 1, false}},
            {{producer, 0, false}, {consumer, 0, true}},
        };
        images = {{"serial_ns16550", no_bytes, no_bytes + 1},
                  {"hello_image", no_bytes, no_bytes + 1},
                  {"producer_image", no_bytes, no_bytes + 1},
                  {"consumer_image", no_bytes, no_bytes + 1}};
    }

    SystemError validate() {
        built_.clear();
        for (const ComponentSpec& c : components) {
            built_.push_back({c.name, c.image, c.priority, c.maps, c.devices, 3, c.backoff_ns});
        }
        const SystemDescription system{name, regions, built_, channels};
        return kaal::runtime::validate(system, images);
    }

    // Adds a component with its own image, named by a string this system keeps alive.
    ComponentSpec& add(const std::string& component_name) {
        const char* stored = names_.emplace_back(component_name).c_str();
        images.push_back({stored, no_bytes, no_bytes + 1});
        return components.emplace_back(ComponentSpec{stored, stored, 10, {}, {}});
    }
    const char* keep(std::string text) { return names_.emplace_back(std::move(text)).c_str(); }

    const char* name = "test-system";
    std::vector<MemoryRegion> regions;
    std::vector<ComponentSpec> components;
    std::vector<Channel> channels;
    std::vector<EmbeddedImage> images;

private:
    std::vector<Component> built_;
    std::deque<std::string> names_; // stable addresses
};

// A failure of `rule` at `where`, or success for `rule == nullptr`.
::testing::AssertionResult fails(const SystemError& e, const char* rule, const char* where) {
    if (rule == nullptr) {
        if (e.ok()) {
            return ::testing::AssertionSuccess();
        }
        return ::testing::AssertionFailure()
               << "unexpected failure: " << e.what << " at " << e.where;
    }
    if (e.error != Error::invalid_system) {
        return ::testing::AssertionFailure() << "error " << static_cast<int>(e.error)
                                             << ", expected invalid_system (" << rule << ")";
    }
    if (std::string_view{e.what}.find(rule) == std::string_view::npos ||
        std::string_view{e.where} != where) {
        return ::testing::AssertionFailure() << "got '" << e.what << "' at '" << e.where
                                             << "', expected '" << rule << "' at '" << where << "'";
    }
    return ::testing::AssertionSuccess();
}
::testing::AssertionResult passes(const SystemError& e) {
    return fails(e, nullptr, nullptr);
}

TEST(SystemDescription, TheTestSystemIsValid) {
    TestSystem s;
    const SystemError e = s.validate();
    EXPECT_TRUE(e.ok());
    EXPECT_EQ(e.error, Error::ok);
    EXPECT_TRUE(passes(e));
}

TEST(SystemDescription, FindImageLooksUpByName) {
    TestSystem s;
    EXPECT_EQ(find_image(s.images, "hello_image"), &s.images[1]);
    EXPECT_EQ(find_image(s.images, "hello"), nullptr);
    EXPECT_EQ(find_image(s.images, nullptr), nullptr);
    EXPECT_EQ(find_image({}, "hello_image"), nullptr);
}

// ---- components ---------------------------------------------------------------------------------

TEST(SystemDescription, ASystemNeedsAComponent) {
    TestSystem s;
    s.components.clear();
    s.channels.clear();
    EXPECT_TRUE(fails(s.validate(), "1 to 63 components", "test-system"));
}

TEST(SystemDescription, ASystemHasAtMost63Components) {
    TestSystem s;
    while (s.components.size() < SystemDescription::max_components) {
        s.add("c" + std::to_string(s.components.size()));
    }
    EXPECT_TRUE(passes(s.validate()));
    s.add("one-too-many");
    EXPECT_TRUE(fails(s.validate(), "1 to 63 components", "test-system"));
}

TEST(SystemDescription, ComponentNamesAreUnique) {
    TestSystem s;
    s.components[TestSystem::consumer].name = "producer";
    EXPECT_TRUE(fails(s.validate(), "same name", "producer"));
}

TEST(SystemDescription, AComponentNameHas1To31Characters) {
    TestSystem s;
    s.components[TestSystem::hello].name = "";
    EXPECT_TRUE(fails(s.validate(), "1 to 31 characters", ""));
    s.components[TestSystem::hello].name = nullptr;
    EXPECT_TRUE(fails(s.validate(), "1 to 31 characters", "(unnamed)"));
    const char* longest = s.keep(std::string(31, 'x'));
    s.components[TestSystem::hello].name = longest;
    EXPECT_TRUE(passes(s.validate()));
    const char* too_long = s.keep(std::string(32, 'y'));
    s.components[TestSystem::hello].name = too_long;
    EXPECT_TRUE(fails(s.validate(), "1 to 31 characters", too_long));
}

TEST(SystemDescription, EveryImageMustBeEmbedded) {
    TestSystem s;
    s.components[TestSystem::hello].image = "not_built";
    EXPECT_TRUE(fails(s.validate(), "not embedded", "hello"));
    s.components[TestSystem::hello].image = nullptr;
    EXPECT_TRUE(fails(s.validate(), "not embedded", "hello"));
}

TEST(SystemDescription, PriorityIsAtMost254) {
    TestSystem s;
    s.components[TestSystem::hello].priority = 254;
    EXPECT_TRUE(passes(s.validate()));
    s.components[TestSystem::hello].priority = 255; // the root task's own
    EXPECT_TRUE(fails(s.validate(), "at most 254", "hello"));
}

// ---- memory regions and mappings ---------------------------------------------------------------

TEST(SystemDescription, RegionSizesAreNonZeroPageMultiples) {
    TestSystem s;
    s.regions[TestSystem::data].size = 0;
    EXPECT_TRUE(fails(s.validate(), "multiple of 4 KiB", "data"));
    s.regions[TestSystem::data].size = 0x1800;
    EXPECT_TRUE(fails(s.validate(), "multiple of 4 KiB", "data"));
    s.regions[TestSystem::data].size = 0x3000;
    EXPECT_TRUE(passes(s.validate()));
}

TEST(SystemDescription, OnlyAContiguousRegionOfAtMost1MiBPublishesAPhysicalAddress) {
    TestSystem s;
    s.components[TestSystem::producer].maps[1].setvar_paddr = "data_paddr";
    EXPECT_TRUE(fails(s.validate(), "only a contiguous region", "producer"));
    s.regions[TestSystem::data].contiguous = true;
    EXPECT_TRUE(passes(s.validate()));
    s.regions[TestSystem::data].size = SystemDescription::max_contiguous_bytes + 0x1000;
    EXPECT_TRUE(fails(s.validate(), "a contiguous region is at most 1 MiB", "data"));
}

TEST(SystemDescription, AMappingNamesAnExistingRegion) {
    TestSystem s;
    s.components[TestSystem::hello].maps[0].region = s.regions.size();
    EXPECT_TRUE(fails(s.validate(), "memory region that does not exist", "hello"));
}

TEST(SystemDescription, AMappingIsPageAligned) {
    TestSystem s;
    s.components[TestSystem::hello].maps[0].vaddr = 0x4000'0800;
    EXPECT_TRUE(fails(s.validate(), "page-aligned", "hello"));
}

TEST(SystemDescription, AMappingIsAtOrAbove2MiB) {
    TestSystem s;
    s.components[TestSystem::hello].maps[0].vaddr = 0x1f'f000;
    EXPECT_TRUE(fails(s.validate(), "[2 MiB, 128 TiB)", "hello"));
    s.components[TestSystem::hello].maps[0].vaddr = 0x20'0000;
    EXPECT_TRUE(passes(s.validate()));
}

TEST(SystemDescription, AMappingEndsAtOrBelow128TiB) {
    TestSystem s;
    auto& map = s.components[TestSystem::hello].maps[0]; // a 4 KiB region
    map.vaddr = (Word{1} << 47) - 0x1000;
    EXPECT_TRUE(passes(s.validate()));
    map.vaddr = Word{1} << 47;
    EXPECT_TRUE(fails(s.validate(), "[2 MiB, 128 TiB)", "hello"));
    map.vaddr = ~Word{0xfff}; // vaddr + size wraps to 0
    EXPECT_TRUE(fails(s.validate(), "[2 MiB, 128 TiB)", "hello"));
}

TEST(SystemDescription, MappingsOfOneComponentDoNotOverlap) {
    TestSystem s;
    // data is 8 KiB at 0x2001000; the ring mapped at 0x2002000 lands on its second page.
    s.components[TestSystem::producer].maps[0].vaddr = 0x200'2000;
    EXPECT_TRUE(fails(s.validate(), "overlap", "producer"));
    // Directly before it is fine.
    s.components[TestSystem::producer].maps[0].vaddr = 0x200'0000;
    EXPECT_TRUE(passes(s.validate()));
    // The same region twice at one address overlaps too.
    s.components[TestSystem::producer].maps[1] = s.components[TestSystem::producer].maps[0];
    EXPECT_TRUE(fails(s.validate(), "overlap", "producer"));
}

TEST(SystemDescription, DifferentComponentsMayUseTheSameAddresses) {
    TestSystem s;
    s.components[TestSystem::hello].maps.push_back(
        {TestSystem::ring, 0x200'0000, true, true, nullptr});
    EXPECT_TRUE(passes(s.validate()));
}

// ---- channels -----------------------------------------------------------------------------------

TEST(SystemDescription, AChannelJoinsExistingComponents) {
    TestSystem s;
    s.channels[0].b.component = 99;
    EXPECT_TRUE(fails(s.validate(), "component that does not exist", "test-system"));
}

TEST(SystemDescription, ChannelIdsAre0To62) {
    TestSystem s;
    s.channels[0].a.id = 62;
    EXPECT_TRUE(passes(s.validate()));
    s.channels[0].a.id = 63;
    EXPECT_TRUE(fails(s.validate(), "0..62", "hello"));
}

TEST(SystemDescription, AChannelJoinsTwoDifferentComponents) {
    TestSystem s;
    s.channels.push_back({{TestSystem::hello, 5, false}, {TestSystem::hello, 6, false}});
    EXPECT_TRUE(fails(s.validate(), "two different components", "hello"));
}

TEST(SystemDescription, AComponentUsesEachChannelIdOnce) {
    TestSystem s;
    // hello already knows its channel to serial as 0.
    s.channels.push_back({{TestSystem::producer, 7, false}, {TestSystem::hello, 0, false}});
    EXPECT_TRUE(fails(s.validate(), "one channel id twice", "hello"));
    // Id 0 of hello and id 0 of producer are different channels' ids of different components.
    s.channels.back().b.id = 1;
    EXPECT_TRUE(passes(s.validate()));
}

TEST(SystemDescription, AnIrqChannelCollidingWithAChannelIdIsCaught) {
    TestSystem s;
    // serial's IRQ arrives on its channel 0; its channel to hello becomes 0 too.
    s.channels[0].b.id = 0;
    EXPECT_TRUE(fails(s.validate(), "one channel id twice", "serial"));
}

TEST(SystemDescription, IrqChannelsAreFreeIdsInRange) {
    TestSystem s;
    auto& devices = s.components[TestSystem::serial].devices;
    devices.push_back({DeviceId{DeviceKind::pit, 0}, 0}); // the same id as COM1's IRQ
    EXPECT_TRUE(fails(s.validate(), "IRQ channel must be a free id", "serial"));
    devices.back().irq_channel = 63;
    EXPECT_TRUE(fails(s.validate(), "IRQ channel must be a free id", "serial"));
    devices.back().irq_channel = 2;
    EXPECT_TRUE(passes(s.validate()));
}

TEST(SystemDescription, AComponentDrivesAtMostFourDevices) {
    TestSystem s;
    auto& devices = s.components[TestSystem::serial].devices;
    for (unsigned id = 2; devices.size() < 4; ++id) {
        devices.push_back({DeviceId{DeviceKind::serial, static_cast<std::uint8_t>(id)}, id});
    }
    EXPECT_TRUE(passes(s.validate()));
    devices.push_back({DeviceId{DeviceKind::timer, 0}, 10});
    EXPECT_TRUE(fails(s.validate(), "at most 4 devices", "serial"));
}

// Hardening, defect 4: a device goes to one component. Before, a second grant was accepted and
// the root task re-pointed the first driver's IRQ at the second.
TEST(SystemDescription, ADeviceIsGrantedToOneComponentOnly) {
    TestSystem s;
    s.components[TestSystem::hello].devices.push_back({kaal::boards::pc99_x86_64::com1, 3});
    EXPECT_TRUE(fails(s.validate(), "device is granted to two components", "hello"));
    s.components[TestSystem::hello].devices.clear();
    auto& devices = s.components[TestSystem::serial].devices;
    devices.push_back({kaal::boards::pc99_x86_64::com1, 3});
    EXPECT_TRUE(fails(s.validate(), "device is granted to two components", "serial"));
    devices.back().device = kaal::boards::pc99_x86_64::hpet;
    EXPECT_TRUE(passes(s.validate()));
}

// The root task times back-offs with the PIT; the HPET's legacy mode would silence it.
TEST(SystemDescription, ABackOffNeedsThePitAndTheHpetLeftToTheRootTask) {
    TestSystem s;
    s.components[TestSystem::hello].backoff_ns = 10'000'000;
    EXPECT_TRUE(passes(s.validate()));
    auto& devices = s.components[TestSystem::serial].devices;
    devices.push_back({kaal::boards::pc99_x86_64::hpet, 3});
    EXPECT_TRUE(fails(s.validate(), "back-off needs the PIT", "serial"));
    devices.back().device = kaal::boards::pc99_x86_64::pit;
    EXPECT_TRUE(fails(s.validate(), "back-off needs the PIT", "serial"));
    // Without a back-off, either may be granted.
    s.components[TestSystem::hello].backoff_ns = 0;
    EXPECT_TRUE(passes(s.validate()));
}

} // namespace
