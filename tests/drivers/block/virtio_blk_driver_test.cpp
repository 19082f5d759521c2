// SPDX-License-Identifier: BSD-2-Clause
// The virtio-blk driver against a register model of the device (virtio_blk_model.hpp): bring-up
// and feature negotiation, requests in flight, FLUSH sent to the device, and what the driver
// refuses or reports: legacy transports, read-only devices, bad requests, device errors.
#include <array>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

#include <kaal/dddk/mock_bus.hpp>

#include "virtio_blk_driver.hpp"
#include "virtio_blk_model.hpp"

namespace {

using namespace kaal::drivers::block;
using kaal::Error;
using kaal::Word;
using kaal::testing::VirtioBlkModel;
using Bus = kaal::dddk::MockBus<VirtioBlkModel>;
using Driver = VirtioBlkDriver<Bus>;

struct alignas(4096) Dma {
    std::array<std::uint8_t, 0x8000> bytes{};
    [[nodiscard]] kaal::DmaPool pool() {
        const auto at = reinterpret_cast<Word>(bytes.data());
        return {at, at, Driver::dma_bytes};
    }
    [[nodiscard]] Word buffer(Word i) {
        return reinterpret_cast<Word>(bytes.data()) + 0x4000 + i * 512;
    }
    [[nodiscard]] static std::uint8_t* at(Word paddr) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): "physical" addresses are host addresses
        return reinterpret_cast<std::uint8_t*>(paddr);
    }
};

struct Completion {
    Word cookie;
    BlockStatus status;
    friend bool operator==(const Completion&, const Completion&) = default;
};

class VirtioBlkTest : public ::testing::Test {
protected:
    VirtioBlkTest() {
        for (std::size_t i = 0; i < model_.disk.size(); ++i) {
            model_.disk[i] = static_cast<std::uint8_t>(i / 512);
        }
    }
    kaal::Result<Driver> create() { return Driver::create(Bus{model_}, dma_.pool()); }
    std::vector<Completion> irq(Driver& d) {
        std::vector<Completion> done;
        EXPECT_TRUE(d.handle_irq([&](Word c, BlockStatus s) { done.push_back({c, s}); }));
        return done;
    }

    VirtioBlkModel model_{64};
    Dma dma_;
};

TEST_F(VirtioBlkTest, BringsUpAModernDeviceWithFlushAndReadsItsCapacity) {
    auto d = create();
    ASSERT_TRUE(d.ok()) << to_string(d.error());
    using namespace kaal::dddk::virtio::status;
    EXPECT_EQ(model_.status, acknowledge | driver | features_ok | driver_ok);
    EXPECT_EQ(model_.driver_features,
              kaal::dddk::virtio::feature_version_1 | virtio_blk::feature::flush);
    EXPECT_EQ(d->capacity_sectors(), 64U);
    EXPECT_TRUE(d->has_flush());
    EXPECT_FALSE(d->read_only());
}

TEST_F(VirtioBlkTest, RefusesLegacyTransportsOtherDevicesAndDevicesWithoutVersion1) {
    model_.version = 1;
    EXPECT_EQ(create().error(), Error::unsupported);
    model_.version = 2;
    model_.device_id = 1; // a network card
    EXPECT_EQ(create().error(), Error::no_such_device);
    model_.device_id = virtio_blk::device_id;
    model_.features = virtio_blk::feature::flush; // a legacy-only device
    EXPECT_EQ(create().error(), Error::unsupported);
    EXPECT_NE(model_.status & kaal::dddk::virtio::status::failed, 0U);
    EXPECT_EQ(Driver::create(Bus{model_}, kaal::DmaPool{}).error(), Error::no_space);
}

TEST_F(VirtioBlkTest, ManyRequestsInFlightCompleteWithTheirCookiesAndData) {
    auto d = create().value();
    model_.hold = true;
    for (unsigned i = 0; i < 20; ++i) {
        ASSERT_TRUE(d.submit({BlockRequest::Op::read, i, dma_.buffer(i), 512, 100 + i}).ok());
    }
    EXPECT_EQ(d.in_flight(), 20U);
    // 64 descriptors, three per request: the 22nd does not fit.
    ASSERT_TRUE(d.submit({BlockRequest::Op::read, 20, dma_.buffer(20), 512, 120}).ok());
    EXPECT_EQ(d.submit({BlockRequest::Op::read, 21, dma_.buffer(21), 512, 121}).error(),
              Error::queue_full);
    model_.process();
    const auto done = irq(d);
    ASSERT_EQ(done.size(), 21U);
    for (unsigned i = 0; i < 21; ++i) {
        EXPECT_EQ(done[i], (Completion{100 + i, BlockStatus::ok}));
        const auto* data = Dma::at(dma_.buffer(i));
        EXPECT_EQ(data[0], i);
        EXPECT_EQ(data[511], i);
    }
    EXPECT_EQ(d.in_flight(), 0U);
    EXPECT_EQ(model_.interrupt_status, 0U) << "the driver acks the interrupt";
}

TEST_F(VirtioBlkTest, AWriteReachesTheDiskAndAFlushReachesTheDevice) {
    auto d = create().value();
    std::memset(Dma::at(dma_.buffer(0)), 0xab, 1024);
    ASSERT_TRUE(d.submit({BlockRequest::Op::write, 10, dma_.buffer(0), 1024, 1}).ok());
    ASSERT_TRUE(d.submit({BlockRequest::Op::flush, 0, 0, 0, 2}).ok());
    EXPECT_EQ(irq(d), (std::vector<Completion>{{1, BlockStatus::ok}, {2, BlockStatus::ok}}));
    EXPECT_EQ(model_.disk[std::size_t{10} * 512], 0xab);
    EXPECT_EQ(model_.disk[std::size_t{12} * 512 - 1], 0xab);
    EXPECT_EQ(model_.disk[std::size_t{12} * 512], 12);
    EXPECT_EQ(model_.flushes, 1U) << "sDDF #673: the flush must not be answered without the device";
}

TEST_F(VirtioBlkTest, WithoutFlushAFlushCompletesWithoutTheDevice) {
    model_.features = kaal::dddk::virtio::feature_version_1;
    auto d = create().value();
    EXPECT_FALSE(d.has_flush());
    ASSERT_TRUE(d.submit({BlockRequest::Op::flush, 0, 0, 0, 7}).ok());
    EXPECT_EQ(irq(d), (std::vector<Completion>{{7, BlockStatus::ok}}));
    EXPECT_EQ(model_.requests, 0U);
}

TEST_F(VirtioBlkTest, AReadOnlyDeviceIsReportedAndWritesNeverReachIt) {
    model_.features |= virtio_blk::feature::ro;
    auto d = create().value();
    EXPECT_TRUE(d.read_only());
    EXPECT_EQ(d.submit({BlockRequest::Op::write, 0, dma_.buffer(0), 512, 1}).error(),
              Error::not_permitted);
    EXPECT_EQ(model_.requests, 0U);
    EXPECT_EQ(model_.disk[0], 0);
}

TEST_F(VirtioBlkTest, BadRequestsAreRefusedBeforeTheDeviceSeesThem) {
    auto d = create().value();
    EXPECT_EQ(d.submit({BlockRequest::Op::read, 64, dma_.buffer(0), 512, 1}).error(),
              Error::range_error);
    EXPECT_EQ(d.submit({BlockRequest::Op::read, 63, dma_.buffer(0), 1024, 1}).error(),
              Error::range_error);
    EXPECT_EQ(d.submit({BlockRequest::Op::read, ~std::uint64_t{0}, dma_.buffer(0), 512, 1}).error(),
              Error::range_error);
    EXPECT_EQ(d.submit({BlockRequest::Op::read, 0, dma_.buffer(0), 100, 1}).error(),
              Error::invalid_argument);
    EXPECT_EQ(d.submit({BlockRequest::Op::write, 0, dma_.buffer(0), 0, 1}).error(),
              Error::invalid_argument);
    EXPECT_EQ(model_.requests, 0U);
}

TEST_F(VirtioBlkTest, DeviceErrorsAndStatusesTheSpecDoesNotNameAreReportedAsErrors) {
    auto d = create().value();
    model_.fail_next = virtio_blk::status::io_error;
    ASSERT_TRUE(d.submit({BlockRequest::Op::read, 0, dma_.buffer(0), 512, 1}).ok());
    model_.fail_next = virtio_blk::status::unsupported;
    ASSERT_TRUE(d.submit({BlockRequest::Op::read, 0, dma_.buffer(0), 512, 2}).ok());
    model_.fail_next = 77;
    ASSERT_TRUE(d.submit({BlockRequest::Op::read, 0, dma_.buffer(0), 512, 3}).ok());
    EXPECT_EQ(irq(d), (std::vector<Completion>{{1, BlockStatus::io_error},
                                               {2, BlockStatus::unsupported},
                                               {3, BlockStatus::io_error}}));
}

TEST_F(VirtioBlkTest, AUsedEntryNamingNoRequestIsSkippedAndCounted) {
    auto d = create().value();
    model_.report_bogus_used = true;
    ASSERT_TRUE(d.submit({BlockRequest::Op::read, 0, dma_.buffer(0), 512, 1}).ok());
    EXPECT_EQ(irq(d), (std::vector<Completion>{{1, BlockStatus::ok}}));
    EXPECT_EQ(d.bogus_completions(), 1U);
}

} // namespace
