// SPDX-License-Identifier: BSD-2-Clause
// The virtio-rng driver against a register model of the device (virtio_rng_model.hpp): bring-up,
// the pool filled on the interrupt and refilled as it is taken, every byte handed out once and in
// order, and what a device can do to it: short buffers, lengths it never wrote, empty answers, a
// reset it needs.
#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <vector>

#include <kaal/dddk/mock_bus.hpp>

#include "virtio_rng_driver.hpp"
#include "virtio_rng_model.hpp"

namespace {

using namespace kaal::drivers::rng;
using kaal::Error;
using kaal::Word;
using kaal::testing::VirtioRngModel;
using Bus = kaal::dddk::MockBus<VirtioRngModel>;
using Driver = VirtioRngDriver<Bus>;

struct alignas(4096) Dma {
    std::array<std::uint8_t, 0x2000> bytes{};
    [[nodiscard]] kaal::DmaPool pool(Word size = Driver::dma_bytes) {
        const auto at = reinterpret_cast<Word>(bytes.data());
        return {at, at, size};
    }
};

class VirtioRngTest : public ::testing::Test {
protected:
    kaal::Result<Driver> create() { return Driver::create(Bus{model_}, dma_.pool()); }
    // Takes `n` bytes and checks they are the device's next ones: none skipped, none twice.
    void expect_next(Driver& d, std::size_t n) {
        std::vector<std::uint8_t> out(n);
        ASSERT_EQ(d.take(out), n);
        for (const std::uint8_t b : out) {
            ASSERT_EQ(b, expected_++);
        }
    }

    VirtioRngModel model_;
    Dma dma_;
    std::uint8_t expected_ = 0;
};

TEST_F(VirtioRngTest, BringsUpAModernDeviceAndHandsItEveryChunkDeviceWritable) {
    model_.hold = true;
    auto d = create();
    ASSERT_TRUE(d.ok()) << to_string(d.error());
    using namespace kaal::dddk::virtio::status;
    EXPECT_EQ(model_.status, acknowledge | driver | features_ok | driver_ok);
    EXPECT_EQ(model_.driver_features, kaal::dddk::virtio::feature_version_1);
    EXPECT_EQ(model_.pending(), Driver::chunk_count);
    EXPECT_EQ(model_.notifies, 1U) << "one doorbell for all of them";
    model_.process();
    EXPECT_EQ(model_.readable_buffers, 0U);
    EXPECT_EQ(d->available(), 0U) << "nothing until the interrupt is collected";
}

TEST_F(VirtioRngTest, RefusesLegacyTransportsOtherDevicesAndASmallDmaPool) {
    model_.version = 1;
    EXPECT_EQ(create().error(), Error::unsupported);
    model_.version = 2;
    model_.device_id = 2; // a disk
    EXPECT_EQ(create().error(), Error::no_such_device);
    model_.device_id = 4;
    model_.features = 0; // no VERSION_1
    EXPECT_EQ(create().error(), Error::unsupported);
    model_.features = kaal::dddk::virtio::feature_version_1;
    EXPECT_EQ(Driver::create(Bus{model_}, dma_.pool(Driver::dma_bytes - 1)).error(),
              Error::no_space);
}

TEST_F(VirtioRngTest, FillsThePoolOnTheInterruptAndHandsOutEachByteOnceInOrder) {
    auto d = create();
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->handle_irq(), Driver::pool_bytes);
    EXPECT_TRUE(d->full());
    EXPECT_EQ(model_.interrupt_status, 0U) << "acknowledged";
    expect_next(*d, 100);
    expect_next(*d, 1000);
    std::vector<std::uint8_t> rest(4096);
    EXPECT_EQ(d->take(rest), Driver::pool_bytes - 1100) << "no more than the pool holds";
    expected_ = static_cast<std::uint8_t>(Driver::pool_bytes); // the refill continues from there
    EXPECT_EQ(d->take(rest), 0U) << "empty until the refill is collected";
    EXPECT_EQ(d->handle_irq(), Driver::pool_bytes);
    expect_next(*d, Driver::pool_bytes);
}

TEST_F(VirtioRngTest, RefillsEachChunkAsSoonAsItIsEmptied) {
    auto d = create();
    ASSERT_TRUE(d.ok());
    ASSERT_EQ(d->handle_irq(), Driver::pool_bytes);
    model_.hold = true;
    expect_next(*d, Driver::chunk_bytes + 44);
    EXPECT_EQ(model_.pending(), 1U) << "the emptied chunk, not the one half taken";
    EXPECT_FALSE(d->full());
    model_.process();
    EXPECT_EQ(d->collect(), Driver::chunk_bytes) << "the recheck finds it without an interrupt";
    EXPECT_TRUE(d->full());
    expect_next(*d, Driver::pool_bytes - Driver::chunk_bytes - 44);
    expected_ = static_cast<std::uint8_t>(Driver::pool_bytes);
    expect_next(*d, Driver::chunk_bytes);
}

TEST_F(VirtioRngTest, UsesOnlyTheBytesTheDeviceSaysItWrote) {
    model_.fill_bytes = 10; // 5.4.6.2: the device may use less than the whole buffer
    auto d = create();
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->handle_irq(), std::size_t{10} * Driver::chunk_count);
    expect_next(*d, std::size_t{10} * Driver::chunk_count);
}

TEST_F(VirtioRngTest, CutsALengthBeyondTheChunkAndPostsAnEmptyAnswerAgain) {
    model_.reported_len = 100'000;
    auto d = create();
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->handle_irq(), Driver::pool_bytes) << "never more than the chunks hold";

    VirtioRngModel empty;
    empty.reported_len = 0;
    Dma dma;
    auto e = Driver::create(Bus{empty}, dma.pool());
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->handle_irq(), 0U);
    EXPECT_EQ(e->available(), 0U);
    EXPECT_EQ(empty.buffers_filled, 2U * Driver::chunk_count) << "each empty chunk went back";
}

TEST_F(VirtioRngTest, AfterTheDeviceAsksForAResetServesThePoolAndPostsNothingMore) {
    auto d = create();
    ASSERT_TRUE(d.ok());
    model_.needs_reset = true;
    EXPECT_EQ(d->handle_irq(), Driver::pool_bytes);
    EXPECT_TRUE(d->failed());
    EXPECT_NE(model_.status & kaal::dddk::virtio::status::failed, 0U);
    const unsigned notifies = model_.notifies;
    expect_next(*d, Driver::pool_bytes);
    EXPECT_EQ(model_.notifies, notifies) << "no chunk goes back to a failed device";
    EXPECT_EQ(d->handle_irq(), 0U);
}

} // namespace
