// SPDX-License-Identifier: BSD-2-Clause
// The filesystem service's block device over a real block virtualiser and a driver played by
// the test on a disk in memory ("physical" addresses are host addresses): through the bounce
// region, and straight between the disk and a window (a client's data region) with no copy.
#include <array>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

#include <kaal/services/block/block_virtualiser.hpp>
#include <kaal/services/fs/block_queue_device.hpp>

namespace {

using namespace kaal::services;
using kaal::Error;
using kaal::Word;
using kaal::dddk::BlockQueue;
using kaal::dddk::BlockRequest;
using kaal::dddk::BlockStatus;

constexpr std::size_t disk_sectors = 4096; // 2 MiB
constexpr Word window_offset = 0x10'0000;  // past the bounce region, as the composer lays it

struct MemoryDriver {
    std::vector<std::uint8_t> disk = std::vector<std::uint8_t>(disk_sectors * 512);
    std::vector<BlockRequest> seen;
    std::vector<Word> done;
    kaal::Status submit(const BlockRequest& r) {
        seen.push_back(r);
        // NOLINTNEXTLINE(performance-no-int-to-ptr): "physical" addresses are host addresses
        auto* at = reinterpret_cast<std::uint8_t*>(r.data_paddr);
        if (r.op == BlockRequest::Op::read) {
            std::memcpy(at, disk.data() + r.sector * 512, r.bytes);
        } else if (r.op == BlockRequest::Op::write) {
            std::memcpy(disk.data() + r.sector * 512, at, r.bytes);
        }
        done.push_back(r.cookie);
        return {};
    }
    [[nodiscard]] bool can_accept() const { return true; }
    [[nodiscard]] bool read_only() const { return false; }
};

template <std::size_t Bytes>
struct alignas(4096) Memory {
    std::array<std::uint8_t, Bytes> bytes{};
    [[nodiscard]] Word address() { return reinterpret_cast<Word>(bytes.data()); }
};

class BlockQueueDeviceTest : public ::testing::Test {
protected:
    using Virtualiser = block::BlockVirtualiser<1>;
    struct Wait {
        BlockQueueDeviceTest* test;
        kaal::Status operator()() const { return test->play_virtualiser(); }
    };
    struct Notify {
        void operator()() const {}
    };
    using Device = fs::BlockQueueDevice<Wait, Notify>;

    BlockQueueDeviceTest() {
        for (std::size_t i = 0; i < driver_.disk.size(); ++i) {
            driver_.disk[i] = static_cast<std::uint8_t>(i * 7 / 512 + i);
        }
        bounce_.bytes.fill(0xee);
        table_.partitions[0] = {0, disk_sectors, 0, {}};
        table_.count = 1;
        windows_[0] = {window_offset, window_.address(), window_.bytes.size()};
        const std::array configs{
            block::BlockClientConfig{0, bounce_.address(), bounce_.bytes.size(), windows_}};
        const std::array queues{BlockQueue::attach(queue_.bytes.data()).value()};
        virtualiser_.emplace(Virtualiser::create(queues, configs, table_).value());
        virtualiser_->publish_info(false);
        device_.emplace(BlockQueue::attach(queue_.bytes.data()).value(), std::span{bounce_.bytes},
                        Wait{this}, Notify{});
        EXPECT_TRUE(device_->start().ok());
    }

    kaal::Status play_virtualiser() {
        static_cast<void>(virtualiser_->serve(driver_, [](std::size_t) {}));
        for (const Word cookie : driver_.done) {
            virtualiser_->completed(cookie, BlockStatus::ok, [](std::size_t) {});
        }
        driver_.done.clear();
        return {};
    }
    [[nodiscard]] bool bounce_untouched() const {
        return std::all_of(bounce_.bytes.begin(), bounce_.bytes.end(),
                           [](std::uint8_t b) { return b == 0xee; });
    }
    [[nodiscard]] bool in_window(const BlockRequest& r) {
        return r.data_paddr >= window_.address() &&
               r.data_paddr + r.bytes <= window_.address() + window_.bytes.size();
    }

    Memory<0x1000> queue_;
    Memory<0x1'0000> bounce_;
    Memory<0x8'0000> window_;
    std::array<block::BlockWindow, 1> windows_{};
    block::PartitionTable table_{};
    MemoryDriver driver_;
    std::optional<Virtualiser> virtualiser_;
    std::optional<Device> device_;
};

TEST_F(BlockQueueDeviceTest, SectorsReadIntoAWindowComeStraightFromTheDisk) {
    ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
    const std::span out{window_.bytes.data() + 0x1000, 0x6'0000}; // 384 KiB: three pieces
    ASSERT_TRUE(device_->read(100, out).ok());
    EXPECT_EQ(std::memcmp(out.data(), driver_.disk.data() + std::size_t{100} * 512, out.size()), 0);
    EXPECT_TRUE(bounce_untouched()) << "no copy through the bounce region";
    ASSERT_EQ(driver_.seen.size(), 3U);
    for (const auto& r : driver_.seen) {
        EXPECT_TRUE(in_window(r));
    }
    EXPECT_EQ(driver_.seen[0].data_paddr, window_.address() + 0x1000);
}

TEST_F(BlockQueueDeviceTest, SectorsWrittenFromAWindowLandOnTheDisk) {
    ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
    std::memset(window_.bytes.data(), 0x3c, 0x2000);
    ASSERT_TRUE(device_->write(8, std::span{window_.bytes.data(), 0x2000}).ok());
    EXPECT_EQ(driver_.disk[std::size_t{8} * 512], 0x3c);
    EXPECT_EQ(driver_.disk[std::size_t{8} * 512 + 0x1fff], 0x3c);
    EXPECT_NE(driver_.disk[std::size_t{8} * 512 + 0x2000], 0x3c);
    EXPECT_TRUE(bounce_untouched());
    ASSERT_EQ(driver_.seen.size(), 1U);
    EXPECT_TRUE(in_window(driver_.seen[0]));
}

TEST_F(BlockQueueDeviceTest, BytesNotSectorAlignedInTheWindowOrOutsideItGoThroughTheBounce) {
    ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
    const std::span unaligned{window_.bytes.data() + 100, 1024};
    ASSERT_TRUE(device_->read(3, unaligned).ok());
    EXPECT_EQ(std::memcmp(unaligned.data(), driver_.disk.data() + std::size_t{3} * 512, 1024), 0);
    std::array<std::uint8_t, 1024> elsewhere{};
    ASSERT_TRUE(device_->read(5, elsewhere).ok());
    EXPECT_EQ(std::memcmp(elsewhere.data(), driver_.disk.data() + std::size_t{5} * 512, 1024), 0);
    // Across the window's end.
    const std::span across{window_.bytes.data() + window_.bytes.size() - 512, 512};
    ASSERT_TRUE(device_->read(7, std::span{across.data(), 512}).ok());
    ASSERT_EQ(driver_.seen.size(), 3U);
    EXPECT_FALSE(in_window(driver_.seen[0]));
    EXPECT_FALSE(in_window(driver_.seen[1]));
    EXPECT_TRUE(in_window(driver_.seen[2])) << "the window's last sector is still in it";
}

TEST_F(BlockQueueDeviceTest, WithoutTheWindowTheSameReadIsBounced) {
    const std::span out{window_.bytes.data(), 0x4000};
    ASSERT_TRUE(device_->read(100, out).ok());
    EXPECT_EQ(std::memcmp(out.data(), driver_.disk.data() + std::size_t{100} * 512, out.size()), 0);
    EXPECT_FALSE(bounce_untouched());
    for (const auto& r : driver_.seen) {
        EXPECT_FALSE(in_window(r));
    }
}

TEST_F(BlockQueueDeviceTest, WindowsThatOverlapOrAreMisalignedAreRefused) {
    EXPECT_EQ(device_->add_window(bounce_.bytes, window_offset).error(), Error::invalid_argument);
    EXPECT_EQ(device_->add_window(window_.bytes, window_offset + 100).error(),
              Error::invalid_argument);
    EXPECT_EQ(device_->add_window({}, window_offset).error(), Error::invalid_argument);
    ASSERT_TRUE(device_->add_window(std::span{window_.bytes}.first(0x1000), window_offset).ok());
    EXPECT_EQ(
        device_->add_window(std::span{window_.bytes}.subspan(0x800, 0x1000), 0x20'0000).error(),
        Error::invalid_argument);
    for (std::size_t i = 1; i < Device::max_windows; ++i) {
        ASSERT_TRUE(device_
                        ->add_window(std::span{window_.bytes}.subspan(i * 0x1000, 0x1000),
                                     window_offset + i * 0x1000)
                        .ok());
    }
    EXPECT_EQ(
        device_->add_window(std::span{window_.bytes}.subspan(0x4'0000, 0x1000), 0x30'0000).error(),
        Error::no_space);
}

TEST_F(BlockQueueDeviceTest, TheVirtualiserStillRefusesADeviceOffsetPastTheWindow) {
    // A window the service believes in but the virtualiser was not told of: refused, not
    // reached (the service's offsets are its word, and the virtualiser checks them).
    Memory<0x1000> stray;
    ASSERT_TRUE(device_->add_window(stray.bytes, 0x20'0000).ok());
    EXPECT_EQ(device_->read(0, std::span{stray.bytes.data(), 512}).error(), Error::range_error);
    EXPECT_TRUE(driver_.seen.empty());
}

} // namespace
