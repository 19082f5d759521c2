// SPDX-License-Identifier: BSD-2-Clause
// The partition table parser against disks partitioned by Debian's own tools (sfdisk for MBR,
// sgdisk for GPT), then against the same disks damaged in the ways the parser must survive or
// refuse.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>
#include <vector>

#include <kaal/services/block/crc32.hpp>
#include <kaal/services/block/partition_table.hpp>

namespace {

using namespace kaal::services::block;
using kaal::Error;

constexpr std::uint64_t disk_sectors = 32768; // 16 MiB

using Disk = std::vector<std::uint8_t>;

// Partitions an empty 16 MiB image with `command` ("%s" is the image's path); empty if the tool
// is missing, which setup.sh installs (fdisk, gdisk).
Disk partitioned(const std::string& command) {
    char path[] = "/tmp/kaal-partition-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) {
        return {};
    }
    static_cast<void>(close(fd));
    std::string line = "truncate -s 16M " + std::string{path} + " && ";
    const std::size_t at = command.find("%s");
    line += command.substr(0, at) + path + command.substr(at + 2) + " >/dev/null 2>&1";
    Disk disk;
    if (std::system(line.c_str()) == 0) {
        std::ifstream in{path, std::ios::binary};
        disk.resize(disk_sectors * sector_bytes);
        in.read(reinterpret_cast<char*>(disk.data()), static_cast<std::streamsize>(disk.size()));
        if (!in) {
            disk.clear();
        }
    }
    std::remove(path);
    return disk;
}

Disk mbr_disk() {
    return partitioned("printf 'label: dos\\nstart=2048, size=4096, type=c\\n"
                       "start=8192, size=8192, type=83\\n' | sfdisk %s");
}
Disk gpt_disk() {
    return partitioned("sgdisk -n 1:2048:6143 -t 1:0700 -n 2:6144:14335 -t 2:8300 %s");
}

kaal::Result<PartitionTable> parse(const Disk& disk, PartitionProblem& problem) {
    return read_partition_table(
        disk.size() / sector_bytes,
        [&disk](std::uint64_t lba, std::span<std::uint8_t, 512> out) {
            if ((lba + 1) * sector_bytes > disk.size()) {
                return kaal::Status{Error::range_error};
            }
            std::copy_n(disk.begin() + static_cast<std::ptrdiff_t>(lba * sector_bytes),
                        sector_bytes, out.begin());
            return kaal::Status{};
        },
        problem);
}

#define REQUIRE_DISK(disk)                                                                         \
    if ((disk).empty()) {                                                                          \
        GTEST_SKIP()                                                                               \
            << "SKIPPED: sfdisk or sgdisk missing (scripts/setup.sh installs fdisk, gdisk)";       \
    }

TEST(Crc32, IsZlibsOnTheCheckString) {
    const std::string check = "123456789";
    EXPECT_EQ(crc32({reinterpret_cast<const std::uint8_t*>(check.data()), check.size()}),
              0xcbf4'3926U);
}

TEST(PartitionTable, ReadsTheMbrSfdiskWrote) {
    const Disk disk = mbr_disk();
    REQUIRE_DISK(disk);
    PartitionProblem problem;
    const auto t = parse(disk, problem);
    ASSERT_TRUE(t.ok()) << problem.why;
    EXPECT_EQ(t->kind, PartitionTable::Kind::mbr);
    ASSERT_EQ(t->count, 2U);
    EXPECT_EQ(t->partitions[0].first_lba, 2048U);
    EXPECT_EQ(t->partitions[0].sectors, 4096U);
    EXPECT_EQ(t->partitions[0].mbr_type, 0x0c);
    EXPECT_EQ(t->partitions[1].first_lba, 8192U);
    EXPECT_EQ(t->partitions[1].sectors, 8192U);
}

TEST(PartitionTable, ReadsTheGptSgdiskWroteAndChecksBothHeaders) {
    const Disk disk = gpt_disk();
    REQUIRE_DISK(disk);
    PartitionProblem problem;
    const auto t = parse(disk, problem);
    ASSERT_TRUE(t.ok()) << problem.why;
    EXPECT_EQ(t->kind, PartitionTable::Kind::gpt);
    EXPECT_STREQ(t->note, "");
    ASSERT_EQ(t->count, 2U);
    EXPECT_EQ(t->partitions[0].first_lba, 2048U);
    EXPECT_EQ(t->partitions[0].sectors, 4096U);
    EXPECT_EQ(t->partitions[1].first_lba, 6144U);
    EXPECT_EQ(t->partitions[1].sectors, 8192U);
    // Microsoft basic data, EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, stored mixed-endian.
    EXPECT_EQ(t->partitions[0].gpt_type[0], 0xa2);
    EXPECT_EQ(t->partitions[0].gpt_type[3], 0xeb);
}

TEST(PartitionTable, ADamagedGptHeaderOrEntryArrayIsSurvivedWithTheOtherCopy) {
    const Disk good = gpt_disk();
    REQUIRE_DISK(good);
    PartitionProblem problem;
    Disk disk = good;
    disk[512 + 40] ^= 1; // the primary header's first usable LBA: its CRC no longer matches
    auto t = parse(disk, problem);
    ASSERT_TRUE(t.ok()) << problem.why;
    EXPECT_STREQ(t->note, "the primary GPT header is damaged: the backup is used");
    EXPECT_EQ(t->count, 2U);

    disk = good;
    disk[2 * 512 + 32] ^= 1; // the primary entry array: its CRC no longer matches
    t = parse(disk, problem);
    ASSERT_TRUE(t.ok()) << problem.why;
    EXPECT_STREQ(t->note, "the primary GPT header is damaged: the backup is used");
    EXPECT_EQ(t->partitions[0].first_lba, 2048U);

    disk = good;
    disk[(disk_sectors - 1) * 512 + 8] ^= 1; // the backup header's revision
    t = parse(disk, problem);
    ASSERT_TRUE(t.ok()) << problem.why;
    EXPECT_STREQ(t->note, "the backup GPT header is damaged: the primary is used");
}

TEST(PartitionTable, BothGptHeadersDamagedIsCorrupt) {
    Disk disk = gpt_disk();
    REQUIRE_DISK(disk);
    disk[512 + 40] ^= 1;
    disk[(disk_sectors - 1) * 512 + 40] ^= 1;
    PartitionProblem problem;
    EXPECT_EQ(parse(disk, problem).error(), Error::corrupt_data);
    EXPECT_STREQ(problem.why, "a GPT header whose CRC32 does not match");
}

// A GPT whose headers and CRCs are all valid but whose entries lie: re-signed after the change.
TEST(PartitionTable, ValidlySignedGptEntriesThatOverlapOrLeaveTheDiskAreRefused) {
    const Disk good = gpt_disk();
    REQUIRE_DISK(good);
    const auto resign = [](Disk& d, std::uint64_t header_lba) {
        std::uint8_t* h = &d[header_lba * 512];
        const std::uint64_t entries = detail::le64(h + 72);
        const std::uint32_t count = detail::le32(h + 80);
        const std::uint32_t size = detail::le32(h + 84);
        const std::uint32_t entries_crc = crc32({&d[entries * 512], std::size_t{count} * size});
        std::memcpy(h + 88, &entries_crc, 4);
        std::memset(h + 16, 0, 4);
        const std::uint32_t header_crc = crc32({h, detail::le32(h + 12)});
        std::memcpy(h + 16, &header_crc, 4);
    };
    const auto set_first_lba = [&](Disk& d, std::uint64_t value) {
        for (const std::uint64_t header : {std::uint64_t{1}, disk_sectors - 1}) {
            const std::uint64_t entries = detail::le64(&d[header * 512 + 72]);
            std::memcpy(&d[entries * 512 + 128 + 32], &value, 8); // the second entry's first LBA
            resign(d, header);
        }
    };
    PartitionProblem problem;
    Disk disk = good;
    set_first_lba(disk, 4096); // into the first partition
    EXPECT_EQ(parse(disk, problem).error(), Error::corrupt_data);
    EXPECT_STREQ(problem.why, "two GPT partitions overlap");
    disk = good;
    set_first_lba(disk, 20000); // after its own last LBA
    EXPECT_EQ(parse(disk, problem).error(), Error::corrupt_data);
    EXPECT_STREQ(problem.why, "a GPT partition outside the disk's usable range");
}

TEST(PartitionTable, MbrEntriesOutsideTheDiskOrOverlappingAreRefused) {
    const Disk good = mbr_disk();
    REQUIRE_DISK(good);
    PartitionProblem problem;
    Disk disk = good;
    const std::uint32_t huge = 0xffff'0000;
    std::memcpy(&disk[446 + 16 + 12], &huge, 4);
    EXPECT_EQ(parse(disk, problem).error(), Error::corrupt_data);
    EXPECT_STREQ(problem.why, "an MBR partition outside the disk");
    disk = good;
    const std::uint32_t inside_first = 3000;
    std::memcpy(&disk[446 + 16 + 8], &inside_first, 4);
    EXPECT_EQ(parse(disk, problem).error(), Error::corrupt_data);
    EXPECT_STREQ(problem.why, "two MBR partitions overlap");
    disk = good;
    disk[446 + 4] = 0x05;
    EXPECT_EQ(parse(disk, problem).error(), Error::unsupported);
    disk = good;
    disk[511] = 0;
    EXPECT_EQ(parse(disk, problem).error(), Error::not_found);
}

TEST(PartitionTable, AShortOrUnreadableDiskIsAnErrorNotACrash) {
    Disk disk = gpt_disk();
    REQUIRE_DISK(disk);
    disk.resize(std::size_t{40} *
                512); // the backup is gone, and the primary's alternate LBA is past the end
    PartitionProblem problem;
    EXPECT_EQ(parse(disk, problem).error(), Error::corrupt_data);
    EXPECT_EQ(parse(Disk(512), problem).error(), Error::not_found);
}

} // namespace
