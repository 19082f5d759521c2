// SPDX-License-Identifier: BSD-2-Clause
// MmioBus on host memory standing in for a mapping, PortIoBus over the mock port ops, and their
// checks of the resources a bundle gives them.
#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <map>

#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/mock_bus.hpp>
#include <kaal/dddk/port_io_bus.hpp>
#include <kaal/dddk/register_block.hpp>

namespace {

using kaal::Error;
using kaal::Word;
using kaal::dddk::MmioBus;
using kaal::dddk::MockPortOps;
using kaal::dddk::PortIoBus;

TEST(MmioBus, AccessesReachTheMappedBytesAtTheirWidth) {
    alignas(8) std::array<std::uint8_t, 64> window{};
    const kaal::MmioRegion region{0x9000000, reinterpret_cast<Word>(window.data()), window.size()};
    const auto bus = MmioBus::create(region, window.size());
    ASSERT_TRUE(bus.ok());
    bus->write<std::uint32_t>(0x10, 0xdeadbeef);
    bus->write<std::uint8_t>(0x20, 0x7f);
    EXPECT_EQ(bus->read<std::uint32_t>(0x10), 0xdeadbeefU);
    EXPECT_EQ(bus->read<std::uint16_t>(0x10), 0xbeefU); // little-endian host and aarch64
    EXPECT_EQ(window[0x20], 0x7fU);
    EXPECT_EQ(window[0x21], 0U);
}

TEST(MmioBus, RejectsAMissingTooSmallOrMisalignedRegion) {
    alignas(8) std::array<std::uint8_t, 64> window{};
    const Word base = reinterpret_cast<Word>(window.data());
    EXPECT_EQ(MmioBus::create({}, 4).error(), Error::invalid_argument);
    EXPECT_EQ(MmioBus::create({0x9000000, 0, 0x1000}, 4).error(), Error::invalid_argument);
    EXPECT_EQ(MmioBus::create({0x9000000, base, 32}, 64).error(), Error::range_error);
    EXPECT_EQ(MmioBus::create({0x9000000, base + 4, 32}, 16).error(), Error::alignment_error);
}

// A 16550-like device at ports 0x3f8-0x3ff, as the port numbers it is accessed at.
struct PortModel {
    std::uint64_t read(Word port, unsigned bytes) {
        last_port = port;
        last_bytes = bytes;
        return ports[port];
    }
    void write(Word port, unsigned bytes, std::uint64_t value) {
        last_port = port;
        last_bytes = bytes;
        ports[port] = value;
    }
    std::map<Word, std::uint64_t> ports;
    Word last_port = 0;
    unsigned last_bytes = 0;
};

TEST(PortIoBus, OffsetsAreCountedFromTheRangesFirstPort) {
    PortModel model;
    kaal::IoPortRange range;
    range.first = 0x3f8;
    range.last = 0x3ff;
    const auto bus = PortIoBus<MockPortOps<PortModel>>::create(range, 8, MockPortOps{model});
    ASSERT_TRUE(bus.ok());
    bus->write<std::uint8_t>(3, 0x83); // LCR of a 16550
    EXPECT_EQ(model.last_port, 0x3fbU);
    EXPECT_EQ(model.last_bytes, 1U);
    model.ports[0x3fd] = 0x60;
    EXPECT_EQ(bus->read<std::uint8_t>(5), 0x60U);
    bus->write<std::uint16_t>(0, 0x1234);
    EXPECT_EQ(model.last_bytes, 2U);
    EXPECT_EQ(bus->read<std::uint32_t>(4), 0U);
    EXPECT_EQ(model.last_bytes, 4U);

    // The same register description works over it.
    struct Lcr : kaal::dddk::Register<3, 8> {
        struct Dlab : Bitfield<7, 1> {};
    };
    const kaal::dddk::RegisterBlock regs{*bus};
    regs.write<Lcr::Dlab>(0);
    EXPECT_EQ(model.ports[0x3fb], 0x03U);
}

TEST(PortIoBus, RejectsADeviceLargerThanItsPortRange) {
    PortModel model;
    kaal::IoPortRange range;
    range.first = 0x3f8;
    range.last = 0x3ff;
    using Bus = PortIoBus<MockPortOps<PortModel>>;
    EXPECT_EQ(Bus::create(range, 9, MockPortOps{model}).error(), Error::range_error);
    EXPECT_EQ(Bus::create({}, 8, MockPortOps{model}).error(), Error::invalid_argument);
    EXPECT_EQ(Bus::create(range, 0, MockPortOps{model}).error(), Error::invalid_argument);
}

} // namespace
