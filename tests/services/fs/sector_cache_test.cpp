// SPDX-License-Identifier: BSD-2-Clause
// The FAT library's sector cache on its own, over a disk that logs every call: what it reads
// ahead, what it writes back, in which order and in how many calls, and that neither ever loses
// a sector changed in the cache.
#include <cstdint>
#include <gtest/gtest.h>
#include <vector>

#include <kaal/services/fs/fat/sector_cache.hpp>

#include "fat_test_support.hpp"

namespace {

using kaal::services::fs::fat::SectorCache;

struct Call {
    char op;
    std::uint64_t lba;
    std::size_t sectors;
    bool operator==(const Call&) const = default;
};

struct LoggingDisk : kaal::test::MemoryDisk {
    std::vector<Call> calls;
    kaal::Status read(std::uint64_t lba, std::span<std::uint8_t> out) {
        calls.push_back({'R', lba, out.size() / 512});
        return MemoryDisk::read(lba, out);
    }
    kaal::Status write(std::uint64_t lba, std::span<const std::uint8_t> in) {
        calls.push_back({'W', lba, in.size() / 512});
        return MemoryDisk::write(lba, in);
    }
};

// Every sector of the disk starts filled with its own number's low byte.
LoggingDisk disk_of(std::size_t sectors) {
    LoggingDisk d;
    d.bytes.resize(sectors * 512);
    for (std::size_t i = 0; i < d.bytes.size(); ++i) {
        d.bytes[i] = static_cast<std::uint8_t>(i / 512);
    }
    return d;
}

TEST(SectorCache, ReadAheadNeverReplacesAChangedSector) {
    LoggingDisk disk = disk_of(64);
    SectorCache<LoggingDisk, 16> cache{disk};
    cache.read_ahead(8, 16);
    auto changed = cache.modify(11);
    ASSERT_TRUE(changed.ok());
    (*changed)[0] = 0xee;
    disk.calls.clear();
    // A miss at 10 reads 10..13 (a quarter of 16 slots) in one call; 11 keeps its change.
    auto s10 = cache.read(10);
    ASSERT_TRUE(s10.ok());
    EXPECT_EQ((*s10)[0], 10);
    EXPECT_EQ(disk.calls, (std::vector<Call>{{'R', 10, 4}}));
    auto s11 = cache.read(11);
    ASSERT_TRUE(s11.ok());
    EXPECT_EQ((*s11)[0], 0xee);
    auto s13 = cache.read(13);
    ASSERT_TRUE(s13.ok());
    EXPECT_EQ((*s13)[0], 13);
    EXPECT_EQ(disk.calls.size(), 1u); // 11 and 13 came from the cache
    // Outside the region, a miss reads one sector.
    ASSERT_TRUE(cache.read(40).ok());
    EXPECT_EQ(disk.calls.back(), (Call{'R', 40, 1}));
}

// The sectors read ahead take the least recently used slots, never the ones in use.
TEST(SectorCache, ReadAheadTakesTheLeastRecentlyUsedSlots) {
    LoggingDisk disk = disk_of(64);
    SectorCache<LoggingDisk, 16> cache{disk};
    cache.read_ahead(8, 16);
    for (std::uint32_t lba = 40; lba < 56; ++lba) { // every slot full, 40 the oldest
        ASSERT_TRUE(cache.read(lba).ok());
    }
    for (std::uint32_t lba = 40; lba < 48; ++lba) { // 48..55 now the oldest, 48 first
        ASSERT_TRUE(cache.read(lba).ok());
    }
    disk.calls.clear();
    ASSERT_TRUE(cache.read(10).ok()); // 10 into 48's slot, 11..13 into 49..51's
    EXPECT_EQ(disk.calls, (std::vector<Call>{{'R', 10, 4}}));
    for (const std::uint32_t lba : {11u, 12u, 13u, 40u, 47u, 52u, 55u}) {
        auto s = cache.read(lba);
        ASSERT_TRUE(s.ok());
        EXPECT_EQ((*s)[0], static_cast<std::uint8_t>(lba));
    }
    EXPECT_EQ(disk.calls.size(), 1u) << "a sector in use was pushed out";
    ASSERT_TRUE(cache.read(49).ok());
    EXPECT_EQ(disk.calls.back(), (Call{'R', 49, 1}));
}

TEST(SectorCache, WritesBackInRunsToEveryMirror) {
    LoggingDisk disk = disk_of(64);
    SectorCache<LoggingDisk, 16> cache{disk};
    cache.mirror(4, 8, 2); // sectors 4..11, copied at 12..19
    for (const std::uint32_t lba : {6u, 5u, 7u, 9u, 30u}) {
        auto s = cache.modify(lba);
        ASSERT_TRUE(s.ok());
        (*s)[1] = static_cast<std::uint8_t>(0x80 + lba);
    }
    disk.calls.clear();
    ASSERT_TRUE(cache.write_back().ok());
    // In sector order, consecutive ones together, each mirrored run to both copies.
    EXPECT_EQ(disk.calls, (std::vector<Call>{
                              {'W', 5, 3}, {'W', 13, 3}, {'W', 9, 1}, {'W', 17, 1}, {'W', 30, 1}}));
    for (const std::uint32_t lba : {5u, 6u, 7u, 9u}) {
        EXPECT_EQ(disk.bytes[lba * 512 + 1], 0x80 + lba);
        EXPECT_EQ(disk.bytes[(lba + 8) * 512 + 1], 0x80 + lba) << "mirror of " << lba;
    }
    EXPECT_EQ(disk.bytes[30 * 512 + 1], 0x80 + 30);
    disk.calls.clear();
    ASSERT_TRUE(cache.write_back().ok());
    EXPECT_TRUE(disk.calls.empty()); // nothing changed since
}

// A changed sector that must leave takes every changed sector with it, in sector order: the
// volume's crash safety relies on the FAT (lower) reaching the disk before a directory entry
// that depends on it (higher), whichever of the two was changed first.
TEST(SectorCache, EvictionWritesEverythingChangedInOrder) {
    LoggingDisk disk = disk_of(64);
    SectorCache<LoggingDisk, 2> cache{disk};
    auto dir = cache.modify(50); // the directory entry, changed first...
    ASSERT_TRUE(dir.ok());
    (*dir)[0] = 0xd1;
    auto fat = cache.modify(3); // ...then the FAT
    ASSERT_TRUE(fat.ok());
    (*fat)[0] = 0xfa;
    disk.calls.clear();
    ASSERT_TRUE(cache.read(20).ok()); // evicts 50, the least recently used
    EXPECT_EQ(disk.calls, (std::vector<Call>{{'W', 3, 1}, {'W', 50, 1}, {'R', 20, 1}}));
    EXPECT_EQ(disk.bytes[std::size_t{3} * 512], 0xfa);
    EXPECT_EQ(disk.bytes[std::size_t{50} * 512], 0xd1);
}

// While a clean slot is there, a miss takes it rather than a changed one that is older: no
// write-back on the way, and the changed sector stays changed until it is written back.
TEST(SectorCache, AMissTakesACleanSlotBeforeAnOlderChangedOne) {
    LoggingDisk disk = disk_of(64);
    SectorCache<LoggingDisk, 2> cache{disk};
    auto fat = cache.modify(3); // the least recently used, changed
    ASSERT_TRUE(fat.ok());
    (*fat)[0] = 0xfa;
    ASSERT_TRUE(cache.read(10).ok()); // clean
    disk.calls.clear();
    ASSERT_TRUE(cache.read(20).ok()); // takes 10's slot
    EXPECT_EQ(disk.calls, (std::vector<Call>{{'R', 20, 1}}));
    EXPECT_EQ(disk.bytes[std::size_t{3} * 512], 3); // not written yet
    disk.calls.clear();
    ASSERT_TRUE(cache.write_back().ok());
    EXPECT_EQ(disk.calls, (std::vector<Call>{{'W', 3, 1}}));
    EXPECT_EQ(disk.bytes[std::size_t{3} * 512], 0xfa);
}

} // namespace
