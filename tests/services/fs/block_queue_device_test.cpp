// SPDX-License-Identifier: BSD-2-Clause
// The filesystem service's block device over a real block virtualiser and a driver played by
// the test on a disk in memory ("physical" addresses are host addresses): through the bounce
// region, and straight between the disk and a window (a client's data region) with no copy.
#include <array>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

#include <kaal/platform/mock/host_region.hpp>
#include <kaal/services/block/block_virtualiser.hpp>
#include <kaal/services/fs/block_queue_device.hpp>
#include <kaal/services/fs/fat/volume.hpp>
#include <kaal/services/fs/fs_server.hpp>

#include "fat_test_support.hpp"

namespace {

using namespace kaal::services;
using kaal::Error;
using kaal::Word;
using kaal::dddk::BlockQueue;
using kaal::dddk::BlockRequest;
using kaal::dddk::BlockStatus;

constexpr std::size_t disk_sectors = 4096; // 2 MiB
constexpr Word window_offset = 0x10'0000;  // past the bounce region, as the composer lays it

// A disk in memory. By default it does each request as it is submitted; holding, it keeps them
// until `finish`, which does them newest first, as a device may (virtio 1.2 2.7.13): what the
// service must not depend on.
struct MemoryDriver {
    std::vector<std::uint8_t> disk = std::vector<std::uint8_t>(disk_sectors * 512);
    std::vector<BlockRequest> seen;
    std::vector<Word> done;
    std::vector<BlockRequest> held;
    std::vector<BlockRequest> performed; // in the order done
    bool holding = false;
    BlockStatus status = BlockStatus::ok; // what every request finished from now on gets
    kaal::Status submit(const BlockRequest& r) {
        seen.push_back(r);
        if (holding) {
            held.push_back(r);
        } else {
            perform(r);
        }
        return {};
    }
    void finish() {
        for (std::size_t i = held.size(); i-- > 0;) {
            perform(held[i]);
        }
        held.clear();
    }
    void perform(const BlockRequest& r) {
        performed.push_back(r);
        // NOLINTNEXTLINE(performance-no-int-to-ptr): "physical" addresses are host addresses
        auto* at = reinterpret_cast<std::uint8_t*>(r.data_paddr);
        if (r.op == BlockRequest::Op::read) {
            std::memcpy(at, disk.data() + r.sector * 512, r.bytes);
        } else if (r.op == BlockRequest::Op::write) {
            std::memcpy(disk.data() + r.sector * 512, at, r.bytes);
        }
        done.push_back(r.cookie);
    }
    [[nodiscard]] bool can_accept() const { return true; }
    [[nodiscard]] bool read_only() const { return false; }
};

template <std::size_t Bytes>
using Memory = kaal::mock::HostRegion<Bytes>;

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

    // What the device's wait does: the virtualiser takes the requests, and whatever the driver
    // has done is answered. A held request is finished only when the device would otherwise
    // wait for ever.
    kaal::Status play_virtualiser() {
        static_cast<void>(virtualiser_->serve(driver_, [](std::size_t) {}));
        if (driver_.done.empty()) {
            driver_.finish();
        }
        answer();
        return {};
    }
    void answer() {
        for (const Word cookie : driver_.done) {
            virtualiser_->completed(cookie, driver_.status, [](std::size_t) {});
        }
        driver_.done.clear();
    }
    // The virtualiser passes on what was queued, and the driver finishes all it holds.
    void finish_all() {
        static_cast<void>(virtualiser_->serve(driver_, [](std::size_t) {}));
        driver_.finish();
        answer();
    }
    // The batches take_finished reports, with their status.
    std::vector<std::pair<Device::Batch, Error>> finished() {
        std::vector<std::pair<Device::Batch, Error>> out;
        device_->take_finished([&](Device::Batch b, Error e) { out.emplace_back(b, e); });
        return out;
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
    Memory<0x10'0000> window_; // 1 MiB, a client's data region at its largest
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

// ---- deferred transfers ---------------------------------------------------------------------

TEST_F(BlockQueueDeviceTest, ADeferredReadIsInFlightUntilItsBatchFinishes) {
    ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
    driver_.holding = true;
    const auto batch = device_->open_batch();
    ASSERT_TRUE(batch.ok());
    const std::span out{window_.bytes.data(), 0x4'0000}; // two pieces
    EXPECT_EQ(device_->start_read(200, out).value(), true);
    EXPECT_EQ(device_->close_batch(*batch).value(), true);
    EXPECT_TRUE(device_->busy());
    static_cast<void>(virtualiser_->serve(driver_, [](std::size_t) {}));
    EXPECT_EQ(driver_.held.size(), 2U) << "both pieces reached the driver before any finished";
    EXPECT_TRUE(finished().empty());
    finish_all();
    EXPECT_EQ(finished(), (std::vector<std::pair<Device::Batch, Error>>{{*batch, Error::ok}}));
    EXPECT_FALSE(device_->busy());
    EXPECT_EQ(std::memcmp(out.data(), driver_.disk.data() + std::size_t{200} * 512, out.size()), 0);
    EXPECT_TRUE(finished().empty()) << "a finished batch is reported once";
}

TEST_F(BlockQueueDeviceTest, OnlyWholeSectorsInAWindowAreDeferred) {
    ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
    std::array<std::uint8_t, 1024> elsewhere{};
    EXPECT_EQ(device_->start_read(0, elsewhere).value(), false) << "no batch is open";
    const auto batch = device_->open_batch();
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(device_->start_read(0, elsewhere).value(), false);
    EXPECT_EQ(device_->start_read(0, std::span{window_.bytes.data() + 100, 512}).value(), false);
    EXPECT_EQ(device_->close_batch(*batch).value(), false) << "nothing of it in flight";
    EXPECT_EQ(device_->close_batch(*batch).error(), Error::invalid_argument) << "closed already";
    EXPECT_TRUE(driver_.seen.empty());
}

// The driver finishes requests newest first, so anything sent after a write to the same
// sectors would overtake it. A read of sectors a write in flight covers must see the write.
TEST_F(BlockQueueDeviceTest, AReadOfSectorsAWriteInFlightCoversWaitsForIt) {
    ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
    driver_.holding = true;
    std::memset(window_.bytes.data(), 0x5a, 0x2000);
    const auto batch = device_->open_batch();
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(device_->start_write(300, std::span{window_.bytes.data(), 0x2000}).value(), true);
    ASSERT_EQ(device_->close_batch(*batch).value(), true);
    std::array<std::uint8_t, 1024> back{};
    ASSERT_TRUE(device_->read(304, back).ok()); // overlaps the write's last 4 KiB
    EXPECT_TRUE(std::all_of(back.begin(), back.end(), [](std::uint8_t b) { return b == 0x5a; }));
    ASSERT_EQ(driver_.seen.size(), 2U);
    EXPECT_EQ(driver_.seen[0].op, BlockRequest::Op::write);
    EXPECT_EQ(finished(), (std::vector<std::pair<Device::Batch, Error>>{{*batch, Error::ok}}));
}

// And a write must not overtake an earlier read of its sectors, while requests that touch
// other sectors go out at once.
TEST_F(BlockQueueDeviceTest, AWriteWaitsForAReadInFlightOfItsSectorsButNotForOthers) {
    ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
    driver_.holding = true;
    const auto first = device_->open_batch();
    ASSERT_TRUE(first.ok());
    const std::span old_bytes{window_.bytes.data(), 0x1000};
    EXPECT_EQ(device_->start_read(400, old_bytes).value(), true);
    ASSERT_EQ(device_->close_batch(*first).value(), true);
    const auto second = device_->open_batch();
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(device_->start_read(800, std::span{window_.bytes.data() + 0x1000, 0x1000}).value(),
              true);
    ASSERT_EQ(device_->close_batch(*second).value(), true);
    static_cast<void>(virtualiser_->serve(driver_, [](std::size_t) {}));
    EXPECT_EQ(driver_.held.size(), 2U) << "reads of different sectors are in flight together";

    const auto sector_at = [this](std::ptrdiff_t lba) { return driver_.disk.begin() + lba * 512; };
    const std::vector<std::uint8_t> before(sector_at(400), sector_at(408));
    std::memset(window_.bytes.data() + 0x2000, 0x77, 0x1000);
    ASSERT_TRUE(device_->write(402, std::span{window_.bytes.data() + 0x2000, 0x1000}).ok());
    EXPECT_EQ(std::memcmp(old_bytes.data(), before.data(), before.size()), 0)
        << "the read returned the sectors as they were before the write";
    EXPECT_EQ(driver_.disk[std::size_t{402} * 512], 0x77);
    EXPECT_EQ(finished().size(), 2U);
}

TEST_F(BlockQueueDeviceTest, FlushWaitsForEveryWriteInFlight) {
    ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
    driver_.holding = true;
    const auto batch = device_->open_batch();
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(device_->start_write(500, std::span{window_.bytes.data(), 0x1000}).value(), true);
    ASSERT_EQ(device_->close_batch(*batch).value(), true);
    ASSERT_TRUE(device_->flush().ok());
    ASSERT_EQ(driver_.seen.size(), 2U);
    EXPECT_EQ(driver_.seen[0].op, BlockRequest::Op::write);
    EXPECT_EQ(driver_.seen[1].op, BlockRequest::Op::flush) << "sent once the write was done";
    EXPECT_FALSE(device_->busy());
}

TEST_F(BlockQueueDeviceTest, APieceThatFailsFailsItsBatch) {
    ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
    driver_.holding = true;
    const auto batch = device_->open_batch();
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(device_->start_read(0, std::span{window_.bytes.data(), 0x4'0000}).value(), true);
    ASSERT_EQ(device_->close_batch(*batch).value(), true);
    driver_.status = BlockStatus::io_error;
    finish_all();
    EXPECT_EQ(finished(),
              (std::vector<std::pair<Device::Batch, Error>>{{*batch, Error::io_error}}));
}

TEST_F(BlockQueueDeviceTest, BatchesRunOutAndComeBack) {
    ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
    driver_.holding = true;
    for (std::size_t i = 0; i < Device::max_batches; ++i) {
        auto b = device_->open_batch();
        ASSERT_TRUE(b.ok());
        ASSERT_EQ(device_->start_read(i, std::span{window_.bytes.data() + i * 512, 512}).value(),
                  true);
        ASSERT_EQ(device_->close_batch(*b).value(), true);
    }
    EXPECT_EQ(device_->open_batch().error(), Error::out_of_slots);
    finish_all();
    EXPECT_EQ(finished().size(), Device::max_batches);
    EXPECT_TRUE(device_->open_batch().ok()) << "taken, they are free again";
}

// ---- the service over it: commands that overlap --------------------------------------------

// The filesystem service over this device, on a FAT volume mkfs.fat made on the disk, with the
// window as its one client's data region: what fat_fs_pd.cpp runs.
class OverlappingServerTest : public BlockQueueDeviceTest {
protected:
    using TestVolume = fs::fat::Volume<Device, 8, 16>;
    using Server = fs::FsServer<TestVolume, 2>;
    static_assert(Server::batching);

    void SetUp() override {
        if (!kaal::test::fat_tools_present()) {
            GTEST_SKIP() << "SKIPPED: mkfs.fat missing (scripts/setup.sh installs dosfstools)";
        }
        kaal::test::TempFile image;
        const auto bytes = kaal::test::make_volume(image.path(), 2048, "-F 12");
        ASSERT_EQ(bytes.size(), driver_.disk.size());
        driver_.disk = bytes;
        ASSERT_TRUE(device_->add_window(window_.bytes, window_offset).ok());
        ASSERT_TRUE(volume_.mount().ok()) << volume_.problem();
        ASSERT_TRUE(server_.add_client(queue_, window_.bytes).ok());
        // A second client, whose region is a part of the window the first one's tests leave
        // alone (the composer gives each client its own; the server does not care).
        ASSERT_TRUE(
            server_.add_client(other_, std::span{window_.bytes}.subspan(other_at, 0x1'0000)).ok());
        const std::string_view path = "/data.bin";
        std::memcpy(window_.bytes.data() + path_at, path.data(), path.size());
        fs::FsCommand open{};
        open.op = fs::FsOp::open;
        open.flags = fs::open_flag::create;
        open.path = path_at;
        open.path_len = static_cast<std::uint32_t>(path.size());
        send(open);
        serve();
        const auto opened = queue_.completions.pop();
        ASSERT_TRUE(opened.ok());
        ASSERT_EQ(opened->status, Error::ok);
        handle_ = static_cast<std::uint32_t>(opened->value);
    }

    void send(fs::FsCommand cmd) {
        cmd.id = next_id_++;
        ASSERT_TRUE(queue_.commands.push(cmd).ok());
    }
    void send_io(fs::FsOp op, std::uint64_t offset, std::uint64_t data, std::uint32_t length) {
        send(fs::io_command(op, handle_, offset, data, length));
    }
    void serve() {
        server_.serve([](std::size_t) {});
    }
    // The file's first 64 KiB, all `fill`, written from the start of the region and on the disk.
    void put_file(std::uint8_t fill) {
        std::memset(window_.bytes.data(), fill, 0x1'0000);
        send_io(fs::FsOp::write, 0, 0, 0x1'0000);
        serve();
        finish_all();
        serve();
        const auto done = completions();
        ASSERT_EQ(done.size(), 1U);
        ASSERT_EQ(done[0].status, Error::ok);
    }
    std::vector<fs::FsCompletion> completions() {
        std::vector<fs::FsCompletion> out;
        while (auto c = queue_.completions.pop()) {
            out.push_back(*c);
        }
        return out;
    }

    static constexpr std::uint64_t path_at = 0x7'f000;
    static constexpr std::size_t other_at = 0x6'0000;
    Memory<fs::fs_queue_bytes> fs_queue_;
    fs::FsQueue queue_ = fs::FsQueue::attach(fs_queue_.bytes.data()).value();
    Memory<fs::fs_queue_bytes> other_queue_;
    fs::FsQueue other_ = fs::FsQueue::attach(other_queue_.bytes.data()).value();
    TestVolume volume_{*device_};
    Server server_{volume_};
    std::uint32_t handle_ = 0;
    std::uint64_t next_id_ = 1;
};

// Two writes: the first is left in flight because the second waits, the second because the
// first is in flight. Neither is answered before its data is on the disk.
TEST_F(OverlappingServerTest, AWriteIsAnsweredOnlyOnceItsDataIsOnTheDisk) {
    std::memset(window_.bytes.data(), 0x42, 0x2'0000);
    driver_.holding = true;
    send_io(fs::FsOp::write, 0, 0, 0x1'0000);
    send_io(fs::FsOp::write, 0x1'0000, 0x1'0000, 0x1'0000);
    serve();
    EXPECT_TRUE(device_->busy());
    EXPECT_TRUE(completions().empty()) << "answered while its data was still in flight";
    finish_all();
    serve();
    const auto done = completions();
    ASSERT_EQ(done.size(), 2U);
    EXPECT_EQ(done[0].status, Error::ok);
    EXPECT_EQ(done[0].value, 0x1'0000U);
    EXPECT_EQ(done[1].status, Error::ok);
}

// With nothing to overlap it with, a command is not left in flight: it is answered at once.
TEST_F(OverlappingServerTest, ALoneCommandIsDoneBeforeServeReturns) {
    driver_.holding = true;
    send_io(fs::FsOp::write, 0, 0, 0x1'0000);
    serve();
    EXPECT_FALSE(device_->busy());
    const auto done = completions();
    ASSERT_EQ(done.size(), 1U);
    EXPECT_EQ(done[0].status, Error::ok);
}

// A large command is left in flight even alone: a streaming client sends its next one only
// once the service waits (it runs below the service), and that one then goes out beside it
// instead of after it.
TEST_F(OverlappingServerTest, ALargeCommandIsLeftInFlightForTheNextToJoinIt) {
    constexpr std::size_t large = Server::overlap_bytes;
    constexpr std::size_t next = 0x1'0000; // joins it whatever its size: the disk is busy
    std::memset(window_.bytes.data(), 0x5a, large + next);
    send_io(fs::FsOp::write, 0, 0, large + next);
    serve();
    finish_all();
    serve();
    ASSERT_EQ(completions().size(), 1U);
    std::memset(window_.bytes.data(), 0, large + next);
    // Reads, which need no metadata from the disk: a wait for that would finish them too.
    driver_.holding = true;
    const std::size_t performed = driver_.performed.size();
    send_io(fs::FsOp::read, 0, 0, large);
    serve();
    EXPECT_TRUE(device_->busy());
    EXPECT_TRUE(completions().empty()) << "waited for alone";
    send_io(fs::FsOp::read, large, large, next);
    serve();
    // Any wait for the disk would have had the driver finish what it holds.
    EXPECT_EQ(driver_.performed.size(), performed) << "the next command waited for the first";
    EXPECT_TRUE(completions().empty());
    finish_all();
    serve();
    const auto done = completions();
    ASSERT_EQ(done.size(), 2U);
    EXPECT_EQ(done[0].status, Error::ok);
    EXPECT_EQ(done[0].value, large);
    EXPECT_EQ(done[1].status, Error::ok);
    EXPECT_EQ(done[1].value, next);
    EXPECT_TRUE(std::all_of(window_.bytes.begin(),
                            window_.bytes.begin() + static_cast<std::ptrdiff_t>(large + next),
                            [](std::uint8_t b) { return b == 0x5a; }));
}

// Below that size a lone command is waited for: leaving it in flight costs more than it gains
// when the client waits for each answer.
TEST_F(OverlappingServerTest, ACommandBelowTheOverlapSizeIsWaitedForAlone) {
    constexpr std::size_t bytes = Server::overlap_bytes / 2;
    send_io(fs::FsOp::write, 0, 0, bytes);
    driver_.holding = true;
    serve();
    EXPECT_FALSE(device_->busy());
    const auto done = completions();
    ASSERT_EQ(done.size(), 1U);
    EXPECT_EQ(done[0].status, Error::ok);
    EXPECT_EQ(done[0].value, bytes);
}

// A read sent right behind a write of the same bytes, with a driver that finishes the newest
// request first: the read still returns what was written, and the answers come in order.
TEST_F(OverlappingServerTest, AReadBehindAWriteSeesItAndTheAnswersComeInOrder) {
    for (std::size_t i = 0; i < 0x1'0000; ++i) {
        window_.bytes[i] = static_cast<std::uint8_t>(i * 13 + 1);
    }
    driver_.holding = true;
    send_io(fs::FsOp::write, 0, 0, 0x1'0000);
    send_io(fs::FsOp::read, 0, 0x2'0000, 0x1'0000);
    serve();
    finish_all();
    serve();
    const auto done = completions();
    ASSERT_EQ(done.size(), 2U);
    EXPECT_EQ(done[0].id, next_id_ - 2);
    EXPECT_EQ(done[1].id, next_id_ - 1);
    EXPECT_EQ(done[1].status, Error::ok);
    EXPECT_EQ(std::memcmp(window_.bytes.data() + 0x2'0000, window_.bytes.data(), 0x1'0000), 0);
}

// Anything but a read or a write waits until nothing is in flight: here a truncate to nothing,
// which frees the clusters a read in flight is reading.
TEST_F(OverlappingServerTest, ATruncateWaitsForTheReadsInFlight) {
    ASSERT_NO_FATAL_FAILURE(put_file(0x24));
    driver_.holding = true;
    send_io(fs::FsOp::read, 0, 0x4'0000, 0x1'0000);
    fs::FsCommand truncate{};
    truncate.op = fs::FsOp::truncate;
    truncate.handle = handle_;
    truncate.offset = 0;
    send(truncate);
    const std::size_t before = driver_.performed.size();
    serve();
    // The read was done before the truncate sent anything, although the driver would have done
    // a later request first.
    ASSERT_GT(driver_.performed.size(), before + 1);
    EXPECT_EQ(driver_.performed[before].op, BlockRequest::Op::read);
    EXPECT_EQ(driver_.performed[before + 1].op, BlockRequest::Op::write);
    finish_all();
    serve();
    const auto done = completions();
    ASSERT_EQ(done.size(), 2U);
    EXPECT_EQ(done[0].status, Error::ok);
    EXPECT_EQ(done[1].status, Error::ok);
    EXPECT_TRUE(std::all_of(window_.bytes.begin() + 0x4'0000, window_.bytes.begin() + 0x5'0000,
                            [](std::uint8_t b) { return b == 0x24; }));
}

// Waiting for the read in flight answers it; the command that waited is answered only once it
// has run, with its own result.
TEST_F(OverlappingServerTest, ACommandThatWaitedIsAnsweredWithItsOwnResult) {
    ASSERT_NO_FATAL_FAILURE(put_file(0));
    driver_.holding = true;
    send_io(fs::FsOp::read, 0, 0x4'0000, 0x1'0000);
    const std::string_view missing = "/missing.txt";
    std::memcpy(window_.bytes.data() + path_at, missing.data(), missing.size());
    fs::FsCommand open{};
    open.op = fs::FsOp::open;
    open.path = path_at;
    open.path_len = static_cast<std::uint32_t>(missing.size());
    send(open);
    serve();
    finish_all();
    serve();
    const auto done = completions();
    ASSERT_EQ(done.size(), 2U);
    EXPECT_EQ(done[0].status, Error::ok);
    EXPECT_EQ(done[1].status, Error::not_found);
    EXPECT_EQ(done[1].id, next_id_ - 1);
}

// One client's read in flight does not hold up another client's: both reach the driver before
// either is done, and each client gets its own answer.
TEST_F(OverlappingServerTest, AnotherClientsReadGoesOutBesideIt) {
    ASSERT_NO_FATAL_FAILURE(put_file(0x61));
    // The other client opens the same file.
    const std::string_view path = "/data.bin";
    std::memcpy(window_.bytes.data() + other_at + 0x8000, path.data(), path.size());
    fs::FsCommand open{};
    open.id = 1;
    open.op = fs::FsOp::open;
    open.path = 0x8000;
    open.path_len = static_cast<std::uint32_t>(path.size());
    ASSERT_TRUE(other_.commands.push(open).ok());
    serve();
    const auto opened = other_.completions.pop();
    ASSERT_TRUE(opened.ok());
    ASSERT_EQ(opened->status, Error::ok);

    driver_.holding = true;
    send_io(fs::FsOp::read, 0, 0x4'0000, 0x1'0000);
    auto theirs = fs::io_command(fs::FsOp::read, static_cast<std::uint32_t>(opened->value), 0x8000,
                                 0, 0x8000);
    theirs.id = 2;
    ASSERT_TRUE(other_.commands.push(theirs).ok());
    serve();
    static_cast<void>(virtualiser_->serve(driver_, [](std::size_t) {}));
    EXPECT_EQ(driver_.held.size(), 2U) << "both reads in flight at once";
    EXPECT_TRUE(completions().empty());
    EXPECT_FALSE(other_.completions.pop().ok());
    finish_all();
    serve();
    const auto mine = completions();
    ASSERT_EQ(mine.size(), 1U);
    EXPECT_EQ(mine[0].status, Error::ok);
    const auto other_done = other_.completions.pop();
    ASSERT_TRUE(other_done.ok());
    EXPECT_EQ(other_done->id, 2U);
    EXPECT_EQ(other_done->status, Error::ok);
    EXPECT_EQ(other_done->value, 0x8000U);
    EXPECT_TRUE(std::all_of(window_.bytes.begin() + other_at,
                            window_.bytes.begin() + other_at + 0x8000,
                            [](std::uint8_t b) { return b == 0x61; }));
}

} // namespace
