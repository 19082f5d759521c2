// SPDX-License-Identifier: BSD-2-Clause
// The FAT library against volumes Linux's own tools made and check: mkfs.fat makes FAT12, FAT16
// and FAT32 volumes with several cluster sizes, mcopy puts files on them, the library reads those
// and writes its own, and then mtype, mdir and fsck.fat -n must agree with what it wrote.
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <kaal/services/fs/fat/volume.hpp>

#include "fat_test_support.hpp"

namespace {

using namespace kaal::services::fs::fat;
using kaal::Error;
using kaal::test::bytes_of;
using kaal::test::MemoryDisk;
using kaal::test::pattern;
using kaal::test::read_all;
using kaal::test::run;
using kaal::test::TempFile;
using kaal::test::write_file;

using TestVolume = Volume<MemoryDisk>;

struct Layout {
    const char* name;
    unsigned kib;
    const char* options;
    FatType type;
};

class FatLayouts : public ::testing::TestWithParam<Layout> {};

TEST_P(FatLayouts, ReadsWhatMcopyWroteAndHostToolsReadWhatItWrote) {
    REQUIRE_FAT_TOOLS();
    const Layout& l = GetParam();
    TempFile image;
    TempFile local;
    ASSERT_FALSE(kaal::test::make_volume(image.path(), l.kib, l.options).empty());
    const std::string hello = "hello from Linux\n";
    const std::string big = pattern(100'000, 1);
    kaal::test::save(local.path(), {hello.begin(), hello.end()});
    ASSERT_EQ(run("mmd -i " + image.path() + " ::/docs").status, 0);
    ASSERT_EQ(run("mcopy -i " + image.path() + " " + local.path() + " ::/HELLO.TXT").status, 0);
    kaal::test::save(local.path(), {big.begin(), big.end()});
    ASSERT_EQ(run("mcopy -i " + image.path() + " " + local.path() +
                  " '::/docs/A rather long file name.dat'")
                  .status,
              0);

    MemoryDisk disk{kaal::test::load(image.path())};
    TestVolume v{disk};
    ASSERT_TRUE(v.mount().ok()) << v.problem();
    EXPECT_EQ(v.geometry().type, l.type);
    EXPECT_EQ(read_all(v, "/HELLO.TXT"), hello);
    EXPECT_EQ(read_all(v, "/hello.txt"), hello); // names match without regard to case
    EXPECT_EQ(read_all(v, "/docs/A rather long file name.dat"), big);

    // The library's own writes: a file grown in uneven pieces, a deep tree, a rename across
    // directories, an overwrite in the middle, a delete.
    ASSERT_TRUE(v.mkdir("/logs").ok());
    ASSERT_TRUE(v.mkdir("/logs/2026").ok());
    auto h = v.open("/logs/2026/Boot Log.txt", {.create = true});
    ASSERT_TRUE(h.ok());
    std::string log;
    for (unsigned i = 0; i < 40; ++i) {
        const std::string piece = pattern(97 + i * 131, i + 7);
        auto n =
            v.write(*h, log.size(),
                    std::span{reinterpret_cast<const std::uint8_t*>(piece.data()), piece.size()});
        ASSERT_TRUE(n.ok());
        log += piece;
    }
    const std::string patch = "PATCHED";
    ASSERT_TRUE(
        v.write(*h, 5000,
                std::span{reinterpret_cast<const std::uint8_t*>(patch.data()), patch.size()})
            .ok());
    log.replace(5000, patch.size(), patch);
    ASSERT_TRUE(v.close(*h).ok());
    ASSERT_TRUE(write_file(v, "/notes.md", "# notes\n").ok());
    ASSERT_TRUE(v.rename("/notes.md", "/logs/README.md").ok());
    ASSERT_TRUE(write_file(v, "/tmp.bin", pattern(20'000, 3)).ok());
    ASSERT_TRUE(v.unlink("/tmp.bin").ok());
    ASSERT_TRUE(v.mkdir("/empty").ok());
    ASSERT_TRUE(v.mkdir("/gone").ok());
    ASSERT_TRUE(v.rmdir("/gone").ok());
    ASSERT_TRUE(v.sync().ok());
    EXPECT_GT(disk.flushes, 0u);

    kaal::test::save(image.path(), disk.bytes);
    const auto check = kaal::test::fsck(image.path());
    EXPECT_EQ(check.status, 0) << check.out;
    EXPECT_EQ(run("mtype -i " + image.path() + " '::/logs/2026/Boot Log.txt'").out, log);
    EXPECT_EQ(run("mtype -i " + image.path() + " ::/logs/README.md").out, "# notes\n");
    EXPECT_EQ(run("mtype -i " + image.path() + " ::/HELLO.TXT").out, hello);
    const auto root = run("mdir -i " + image.path() + " -b ::/").out;
    EXPECT_EQ(root, "::/docs/\n::/HELLO.TXT\n::/logs/\n::/empty/\n") << root;
    const auto logs = run("mdir -i " + image.path() + " -b ::/logs").out;
    EXPECT_EQ(logs, "::/logs/2026/\n::/logs/README.md\n") << logs;
}

INSTANTIATE_TEST_SUITE_P(MkfsFat, FatLayouts,
                         ::testing::Values(Layout{"fat12_1k", 2048, "-F 12 -s 2", FatType::fat12},
                                           Layout{"fat12_4k", 8192, "-F 12 -s 8", FatType::fat12},
                                           Layout{"fat16_2k", 16384, "-F 16 -s 4", FatType::fat16},
                                           Layout{"fat16_16k", 65536, "-F 16 -s 32",
                                                  FatType::fat16},
                                           Layout{"fat32_512", 40960, "-F 32 -s 1", FatType::fat32},
                                           Layout{"fat32_1k", 81920, "-F 32 -s 2", FatType::fat32}),
                         [](const auto& param) { return std::string{param.param.name}; });

} // namespace

namespace {

// A FAT12 volume of 1 MiB filled to the last cluster: the write that does not fit fails whole
// with volume_full, the file keeps its old size and bytes, the other files stay readable, fsck
// finds the volume clean, and deleting a file makes room again.
TEST(FatFull, AWriteThatDoesNotFitChangesNothing) {
    REQUIRE_FAT_TOOLS();
    TempFile image;
    MemoryDisk disk{kaal::test::make_volume(image.path(), 1024, "-F 12 -s 1")};
    ASSERT_FALSE(disk.bytes.empty());
    TestVolume v{disk};
    ASSERT_TRUE(v.mount().ok());
    const std::string keep = pattern(3000, 9);
    ASSERT_TRUE(write_file(v, "/keep.txt", keep).ok());
    auto h = v.open("/fill.bin", {.create = true});
    ASSERT_TRUE(h.ok());
    const std::string chunk = pattern(std::size_t{64} * 1024, 10);
    std::uint64_t size = 0;
    kaal::Result<std::size_t> w{std::size_t{0}};
    for (int i = 0; i < 64; ++i) {
        w = v.write(*h, size,
                    std::span{reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size()});
        if (!w) {
            break;
        }
        size += *w;
    }
    ASSERT_FALSE(w.ok()) << "1 MiB never filled";
    EXPECT_EQ(w.error(), Error::volume_full);
    EXPECT_EQ(v.stat(*h)->size, size);
    auto stats = v.statfs();
    ASSERT_TRUE(stats.ok());
    EXPECT_LT(stats->free_clusters * stats->cluster_bytes, chunk.size());
    // Byte by byte until the last cluster is used: a 1-byte write into the last free cluster
    // works, the next that needs a new cluster fails.
    while (true) {
        const std::uint8_t one = 'z';
        auto r = v.write(*h, size, std::span{&one, 1});
        if (!r) {
            EXPECT_EQ(r.error(), Error::volume_full);
            break;
        }
        ++size;
    }
    EXPECT_EQ(v.statfs()->free_clusters, 0u);
    EXPECT_EQ(v.mkdir("/no-room").error(), Error::volume_full);
    ASSERT_TRUE(v.close(*h).ok());
    ASSERT_TRUE(v.sync().ok());
    kaal::test::save(image.path(), disk.bytes);
    const auto full = kaal::test::fsck(image.path());
    EXPECT_EQ(full.status, 0) << full.out;

    TestVolume again{disk};
    ASSERT_TRUE(again.mount().ok());
    EXPECT_EQ(read_all(again, "/keep.txt"), keep);
    EXPECT_EQ(again.stat("/fill.bin")->size, size);
    ASSERT_TRUE(again.unlink("/fill.bin").ok());
    EXPECT_TRUE(again.mkdir("/room-now").ok());
    ASSERT_TRUE(again.sync().ok());
    kaal::test::save(image.path(), disk.bytes);
    const auto freed = kaal::test::fsck(image.path());
    EXPECT_EQ(freed.status, 0) << freed.out;
}

// 8.3 names stay short entries in the case they were given (DIR_NTRes), anything else gets long
// entries; mdir shows each name exactly. Names FAT cannot store are refused.
TEST(FatNames, ShortAndLongNamesAsLinuxSeesThem) {
    REQUIRE_FAT_TOOLS();
    TempFile image;
    MemoryDisk disk{kaal::test::make_volume(image.path(), 16384, "-F 16")};
    ASSERT_FALSE(disk.bytes.empty());
    TestVolume v{disk};
    ASSERT_TRUE(v.mount().ok());
    const std::vector<std::string> good = {"UPPER.TXT", "lower.txt",     "Mixed.Txt",
                                           "no_ext",    "two.dots.here", "spaces in name",
                                           ".dotfile",  "ünïcode.txt",   std::string(255, 'n')};
    for (const auto& name : good) {
        ASSERT_TRUE(write_file(v, "/" + name, name).ok()) << name;
    }
    for (const std::string& bad : std::vector<std::string>{
             "a/b", "star*", "colon:", "q?", "trailing.", "trailing ", std::string(256, 'n')}) {
        auto h = v.open("/" + bad, {.create = true});
        EXPECT_FALSE(h.ok()) << bad;
        if (bad != "a/b") { // a/b is a path through a directory "a" that does not exist
            EXPECT_EQ(h.error(), Error::bad_name) << bad;
        }
    }
    ASSERT_TRUE(v.sync().ok());
    kaal::test::save(image.path(), disk.bytes);
    const auto listed = run("mdir -i " + image.path() + " -b ::/").out;
    for (const auto& name : good) {
        EXPECT_NE(listed.find("::/" + name + "\n"), std::string::npos) << name << "\n" << listed;
        EXPECT_EQ(run("mtype -i " + image.path() + " '::/" + name + "'").out, name);
    }
    const auto check = kaal::test::fsck(image.path());
    EXPECT_EQ(check.status, 0) << check.out;
    // Two long names with the same first six characters get distinct short aliases.
    ASSERT_TRUE(write_file(v, "/longname-one.txt", "1").ok());
    ASSERT_TRUE(write_file(v, "/longname-two.txt", "2").ok());
    EXPECT_EQ(read_all(v, "/LONGNAME-ONE.TXT"), "1");
    EXPECT_EQ(read_all(v, "/longname-two.txt"), "2");
}

// A tree 40 directories deep on FAT32: each level made, a file at the bottom, renamed up to the
// root, the tree removed from the bottom; fsck finds it clean at each step.
TEST(FatDeep, FortyLevels) {
    REQUIRE_FAT_TOOLS();
    TempFile image;
    MemoryDisk disk{kaal::test::make_volume(image.path(), 40960, "-F 32 -s 1")};
    ASSERT_FALSE(disk.bytes.empty());
    TestVolume v{disk};
    ASSERT_TRUE(v.mount().ok());
    std::string path;
    std::vector<std::string> levels;
    for (int i = 0; i < 40; ++i) {
        path += "/level " + std::to_string(i);
        ASSERT_TRUE(v.mkdir(path).ok()) << path;
        levels.push_back(path);
    }
    ASSERT_TRUE(write_file(v, path + "/bottom.txt", "deep").ok());
    EXPECT_EQ(read_all(v, path + "/bottom.txt"), "deep");
    ASSERT_TRUE(v.sync().ok());
    kaal::test::save(image.path(), disk.bytes);
    auto check = kaal::test::fsck(image.path());
    EXPECT_EQ(check.status, 0) << check.out;
    EXPECT_EQ(run("mtype -i " + image.path() + " '::" + path + "/bottom.txt'").out, "deep");
    // A directory cannot move into its own subtree.
    EXPECT_EQ(v.rename(levels[0], levels[5] + "/inside").error(), Error::invalid_argument);
    ASSERT_TRUE(v.rename(path + "/bottom.txt", "/top.txt").ok());
    ASSERT_TRUE(v.rename(levels[20], "/middle").ok()); // a subtree moves up: ".." follows
    EXPECT_EQ(v.rmdir(levels[0]).error(), Error::not_empty);
    for (int i = 39; i >= 21; --i) {
        std::string p = "/middle";
        for (int k = 21; k <= i; ++k) {
            p += "/level " + std::to_string(k);
        }
        ASSERT_TRUE(v.rmdir(p).ok()) << p;
    }
    ASSERT_TRUE(v.rmdir("/middle").ok());
    for (int i = 19; i >= 0; --i) {
        ASSERT_TRUE(v.rmdir(levels[static_cast<std::size_t>(i)]).ok())
            << levels[static_cast<std::size_t>(i)];
    }
    EXPECT_EQ(read_all(v, "/top.txt"), "deep");
    ASSERT_TRUE(v.sync().ok());
    kaal::test::save(image.path(), disk.bytes);
    check = kaal::test::fsck(image.path());
    EXPECT_EQ(check.status, 0) << check.out;
    EXPECT_EQ(run("mdir -i " + image.path() + " -b ::/").out, "::/top.txt\n");
}

} // namespace

namespace {

// A file grown by 16 MiB in 1 MiB writes on FAT32 with 4 KiB clusters (the benchmark's volume,
// docs/performance.md): 4096 clusters, 32 FAT sectors, with the service's 64-sector cache. The
// device is synchronous, so each call is a round trip; the metadata must cost a few calls in
// all, not one or more per FAT sector: the FAT is read ahead in runs, written back in runs, and
// its second copy written from the first rather than changed beside it. Then the host's tools
// must find the file whole and the volume (both FATs alike) clean.
TEST(FatGrowth, MetadataMovesInRuns) {
    REQUIRE_FAT_TOOLS();
    TempFile image;
    ASSERT_FALSE(kaal::test::make_volume(image.path(), 272 * 1024, "-F 32 -s 8").empty());
    MemoryDisk disk{kaal::test::load(image.path())};
    Volume<MemoryDisk, 32, 64> v{disk};
    ASSERT_TRUE(v.mount().ok()) << v.problem();
    auto h = v.open("/big.bin", {.create = true});
    ASSERT_TRUE(h.ok());
    constexpr std::size_t mib = 1 << 20;
    const std::string chunk = pattern(mib, 5);
    const std::uint64_t reads = disk.reads;
    const std::uint64_t writes = disk.writes;
    for (std::size_t i = 0; i < 16; ++i) {
        ASSERT_TRUE(v.write(*h, i * mib, bytes_of(chunk)).ok());
    }
    // Data: one call per MiB, a whole run of clusters. Metadata: the 32 FAT sectors read 16 at
    // a time (a third call where the file's first cluster is not the first of a sector), and
    // nothing written back before the sync.
    EXPECT_EQ(disk.writes - writes, 16u);
    EXPECT_LE(disk.reads - reads, 3u);
    ASSERT_TRUE(v.close(*h).ok());
    const std::uint64_t before_sync = disk.writes;
    ASSERT_TRUE(v.sync().ok());
    // FSInfo; the FAT's changed sectors in runs of 16, each to both copies; the directory.
    EXPECT_LE(disk.writes - before_sync, 8u);

    kaal::test::save(image.path(), disk.bytes);
    const auto check = kaal::test::fsck(image.path());
    EXPECT_EQ(check.status, 0) << check.out;
    std::string expected;
    for (int i = 0; i < 16; ++i) {
        expected += chunk;
    }
    EXPECT_TRUE(run("mtype -i " + image.path() + " ::/big.bin").out == expected);
}

} // namespace
