// SPDX-License-Identifier: BSD-2-Clause
// The FAT library against damaged volumes and against misuse. mkfs.fat makes FAT12, FAT16 and
// FAT32 volumes, the library puts files on them, and then bytes of the image are damaged
// directly, at offsets computed from the geometry the library reports: a boot sector that lies,
// a FAT chain that loops, leaves the volume or ends early, a directory entry that claims too
// much, a directory that never ends. Every one must give a clear error (corrupt_data, with
// `problem()` saying why), never a crash, a hang or an access outside the disk (ASan and UBSan
// watch), and the volume must go on serving the files that are intact.
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
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
using kaal::test::TempFile;
using kaal::test::write_file;

using TestVolume = Volume<MemoryDisk>;

constexpr std::size_t npos = std::string::npos;

struct Layout {
    const char* name;
    unsigned kib;
    const char* options;
    FatType type;
};
void PrintTo(const Layout& l, std::ostream* os) {
    *os << l.name << " (mkfs.fat " << l.options << ")";
}

// The names in a directory, at most `limit` of them; "<error>" last if readdir failed. A
// directory never yields more than 65,536 entries, so `limit` is only a guard against a hang.
template <typename V>
std::vector<std::string> list(V& v, std::string_view path, std::size_t limit = 70'000) {
    std::vector<std::string> names;
    auto h = v.open(path, {.directory = true});
    if (!h) {
        names.emplace_back(std::string{"<open: "} + kaal::to_string(h.error()) + ">");
        return names;
    }
    std::uint32_t cookie = 0;
    DirEntry e{};
    while (names.size() < limit) {
        auto got = v.readdir(*h, cookie, e);
        if (!got) {
            names.emplace_back(std::string{"<readdir: "} + kaal::to_string(got.error()) + ">");
            break;
        }
        if (!*got) {
            break;
        }
        names.emplace_back(e.name.data(), e.name_len);
    }
    EXPECT_TRUE(v.close(*h).ok());
    return names;
}

// The image's bytes, seen through the geometry the library reported: FAT entries and directory
// entries to read and to damage.
struct Raw {
    MemoryDisk* disk = nullptr;
    Geometry g{};

    std::uint8_t& at(std::uint64_t offset) { return disk->bytes.at(offset); }
    [[nodiscard]] std::uint64_t fat_start(std::uint32_t f) const {
        return (std::uint64_t{g.reserved_sectors} + std::uint64_t{f} * g.fat_sectors) *
               sector_bytes;
    }
    [[nodiscard]] std::uint32_t eoc() const {
        return g.type == FatType::fat12 ? 0xfff : g.type == FatType::fat16 ? 0xffff : 0x0fffffff;
    }
    [[nodiscard]] bool is_eoc(std::uint32_t v) const { return v >= (eoc() & ~7u); }

    std::uint32_t fat(std::uint32_t c) {
        const std::uint64_t base = fat_start(g.active_fat);
        if (g.type == FatType::fat12) {
            const std::uint64_t o = base + c + c / 2;
            const std::uint32_t v = at(o) | std::uint32_t{at(o + 1)} << 8;
            return (c & 1) != 0 ? v >> 4 : v & 0xfff;
        }
        if (g.type == FatType::fat16) {
            return detail::le16(&at(base + std::uint64_t{c} * 2));
        }
        return detail::le32(&at(base + std::uint64_t{c} * 4)) & 0x0fffffff;
    }

    // Sets FAT entry `c` in every FAT, so mirroring cannot hide the damage.
    void set_fat(std::uint32_t c, std::uint32_t v) {
        for (std::uint32_t f = 0; f < g.fat_count; ++f) {
            const std::uint64_t base = fat_start(f);
            if (g.type == FatType::fat12) {
                const std::uint64_t o = base + c + c / 2;
                if ((c & 1) != 0) {
                    at(o) = static_cast<std::uint8_t>((at(o) & 0x0f) | (v << 4 & 0xf0));
                    at(o + 1) = static_cast<std::uint8_t>(v >> 4);
                } else {
                    at(o) = static_cast<std::uint8_t>(v);
                    at(o + 1) = static_cast<std::uint8_t>((at(o + 1) & 0xf0) | (v >> 8 & 0x0f));
                }
            } else if (g.type == FatType::fat16) {
                detail::put16(&at(base + std::uint64_t{c} * 2), v);
            } else {
                detail::put32(&at(base + std::uint64_t{c} * 4), v);
            }
        }
    }

    // The clusters of the chain from `first`, at most as many as the volume has.
    std::vector<std::uint32_t> chain(std::uint32_t first) {
        std::vector<std::uint32_t> out;
        for (std::uint32_t c = first;
             c >= 2 && c <= g.max_cluster() && !is_eoc(c) && out.size() < g.cluster_count;
             c = fat(c)) {
            out.push_back(c);
        }
        return out;
    }

    // The sectors of a directory: the root region of FAT12/16 for cluster 0, else its chain.
    std::vector<std::uint64_t> dir_sectors(std::uint32_t cluster) {
        std::vector<std::uint64_t> out;
        if (cluster == 0 && g.type != FatType::fat32) {
            for (std::uint32_t s = 0; s < g.root_sectors; ++s) {
                out.push_back(g.root_first_sector + s);
            }
            return out;
        }
        for (const std::uint32_t c : chain(cluster == 0 ? g.root_cluster : cluster)) {
            for (std::uint32_t s = 0; s < g.sectors_per_cluster; ++s) {
                out.push_back(g.cluster_sector(c) + s);
            }
        }
        return out;
    }

    // The byte offset of the short entry `name11` (11 bytes, space padded) in the directory at
    // `cluster` (0: the root); npos if absent.
    std::size_t entry(std::uint32_t cluster, std::string_view name11) {
        for (const std::uint64_t s : dir_sectors(cluster)) {
            for (std::uint64_t i = 0; i < entries_per_sector; ++i) {
                const std::uint64_t o = s * sector_bytes + i * entry_bytes;
                if (std::string_view{reinterpret_cast<const char*>(&at(o)), 11} == name11) {
                    return static_cast<std::size_t>(o);
                }
            }
        }
        return npos;
    }

    std::uint32_t cluster_of(std::size_t e) { return EntryView{&at(e)}.first_cluster(g.type); }
    void set_cluster(std::size_t e, std::uint32_t c) { set_first_cluster(&at(e), c); }
    void set_size(std::size_t e, std::uint32_t size) { detail::put32(&at(e + 28), size); }
};

class FatCorrupt : public ::testing::TestWithParam<Layout> {
protected:
    void SetUp() override {
        REQUIRE_FAT_TOOLS();
        TempFile image;
        disk_.bytes = kaal::test::make_volume(image.path(), GetParam().kib, GetParam().options);
        ASSERT_FALSE(disk_.bytes.empty());
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok()) << v.problem();
        ASSERT_EQ(v.geometry().type, GetParam().type);
        raw_ = Raw{&disk_, v.geometry()};
        const std::uint32_t cb = raw_.g.cluster_bytes;
        a_ = pattern(5 * cb + 100, 1); // six clusters
        b_ = pattern(3 * cb, 2);
        d_ = pattern(2 * cb + 7, 3);
        ASSERT_TRUE(write_file(v, "/A.TXT", a_).ok());
        ASSERT_TRUE(write_file(v, "/B.TXT", b_).ok());
        ASSERT_TRUE(v.mkdir("/SUB").ok());
        ASSERT_TRUE(write_file(v, "/SUB/D.TXT", d_).ok());
        ASSERT_TRUE(v.sync().ok());
        a_entry_ = raw_.entry(0, "A       TXT");
        b_entry_ = raw_.entry(0, "B       TXT");
        sub_entry_ = raw_.entry(0, "SUB        ");
        ASSERT_NE(a_entry_, npos);
        ASSERT_NE(b_entry_, npos);
        ASSERT_NE(sub_entry_, npos);
        a_chain_ = raw_.chain(raw_.cluster_of(a_entry_));
        ASSERT_EQ(a_chain_.size(), 6u);
        sub_cluster_ = raw_.cluster_of(sub_entry_);
        ASSERT_NE(raw_.entry(sub_cluster_, "D       TXT"), npos);
    }

    // A fresh mount (nothing cached from before the damage) still serves the intact files.
    void expect_others_intact() {
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok()) << v.problem();
        EXPECT_EQ(read_all(v, "/B.TXT"), b_);
        EXPECT_EQ(read_all(v, "/SUB/D.TXT"), d_);
        ASSERT_TRUE(write_file(v, "/NEW.TXT", "still writable").ok());
        EXPECT_EQ(read_all(v, "/NEW.TXT"), "still writable");
        EXPECT_EQ(read_all(v, "/B.TXT"), b_);
    }

    // Opening A gives corrupt_data with a reason, and the rest of the volume works on.
    void expect_a_corrupt() {
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok()) << v.problem();
        auto h = v.open("/A.TXT", {});
        ASSERT_FALSE(h.ok());
        EXPECT_EQ(h.error(), Error::corrupt_data);
        EXPECT_STRNE(v.problem(), "");
        // The same volume, still mounted, serves the others.
        EXPECT_EQ(read_all(v, "/B.TXT"), b_);
        EXPECT_EQ(read_all(v, "/SUB/D.TXT"), d_);
        const auto root = list(v, "/");
        ASSERT_GE(root.size(), 3u);
        EXPECT_EQ(root[0], "A.TXT");
        EXPECT_EQ(root[1], "B.TXT");
        EXPECT_EQ(root[2], "SUB");
        EXPECT_EQ(v.open("/A.TXT", {.truncate = true}).error(), Error::corrupt_data);
        expect_others_intact();
    }

    MemoryDisk disk_;
    Raw raw_;
    std::string a_;
    std::string b_;
    std::string d_;
    std::size_t a_entry_ = npos;
    std::size_t b_entry_ = npos;
    std::size_t sub_entry_ = npos;
    std::vector<std::uint32_t> a_chain_;
    std::uint32_t sub_cluster_ = 0;
};

// ---- the boot sector ------------------------------------------------------------------------

void expect_refused(MemoryDisk& disk, Error expected) {
    TestVolume v{disk};
    const auto s = v.mount();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error(), expected) << v.problem();
    EXPECT_STRNE(v.problem(), "");
    // An unmounted volume refuses everything, without touching the disk it could not read.
    EXPECT_EQ(v.open("/B.TXT", {}).error(), Error::illegal_operation);
    EXPECT_EQ(v.mkdir("/X").error(), Error::illegal_operation);
    EXPECT_EQ(v.statfs().error(), Error::illegal_operation);
    EXPECT_EQ(v.sync().error(), Error::illegal_operation);
    EXPECT_EQ(v.read(0, 0, {}).error(), Error::invalid_argument);
}

TEST_P(FatCorrupt, NoSignatureIsNotAFatVolume) {
    disk_.bytes[511] = 0;
    expect_refused(disk_, Error::not_found);
    disk_.bytes[511] = 0xaa;
    disk_.bytes[0] = 0;
    expect_refused(disk_, Error::not_found);
}

TEST_P(FatCorrupt, AllZeroDiskIsNotAFatVolume) {
    std::fill(disk_.bytes.begin(), disk_.bytes.end(), 0);
    expect_refused(disk_, Error::not_found);
}

TEST_P(FatCorrupt, DiskTooSmallForABootSector) {
    MemoryDisk empty{};
    TestVolume v{empty};
    EXPECT_FALSE(v.mount().ok());
    MemoryDisk one{std::vector<std::uint8_t>(disk_.bytes.begin(), disk_.bytes.begin() + 512)};
    expect_refused(one, Error::corrupt_data); // the boot sector is there, its volume is not
}

TEST_P(FatCorrupt, SectorSizeOtherThan512IsUnsupported) {
    detail::put16(&disk_.bytes[11], 4096);
    expect_refused(disk_, Error::unsupported);
}

TEST_P(FatCorrupt, SectorsPerClusterNotAPowerOfTwo) {
    disk_.bytes[13] = 3;
    expect_refused(disk_, Error::corrupt_data);
    disk_.bytes[13] = 0;
    expect_refused(disk_, Error::corrupt_data);
}

TEST_P(FatCorrupt, TotalSectorsLargerThanTheDevice) {
    const auto device = static_cast<std::uint32_t>(disk_.sector_count());
    if (detail::le16(&disk_.bytes[19]) != 0) {
        detail::put16(&disk_.bytes[19], 0);
    }
    detail::put32(&disk_.bytes[32], device + 1);
    expect_refused(disk_, Error::corrupt_data);
    detail::put32(&disk_.bytes[32], 0xffffffff);
    expect_refused(disk_, Error::corrupt_data);
    // And the other way round: the device shrank under an intact boot sector.
    detail::put32(&disk_.bytes[32], device);
    disk_.bytes.resize(disk_.bytes.size() / 2);
    expect_refused(disk_, Error::corrupt_data);
}

TEST_P(FatCorrupt, FatOfZeroSectors) {
    detail::put16(&disk_.bytes[22], 0);
    detail::put32(&disk_.bytes[36], 0);
    expect_refused(disk_, Error::corrupt_data);
}

TEST_P(FatCorrupt, FatTooSmallOrTooLarge) {
    if (GetParam().type == FatType::fat32) {
        detail::put32(&disk_.bytes[36], 1);
    } else {
        detail::put16(&disk_.bytes[22], 1);
    }
    expect_refused(disk_, Error::corrupt_data);
    if (GetParam().type == FatType::fat32) {
        detail::put32(&disk_.bytes[36], 0x7fffffff);
    } else {
        detail::put16(&disk_.bytes[22], 0xffff);
    }
    expect_refused(disk_, Error::corrupt_data);
}

TEST_P(FatCorrupt, NoFatsOrNoReservedSectors) {
    disk_.bytes[16] = 0;
    expect_refused(disk_, Error::corrupt_data);
    disk_.bytes[16] = 3;
    expect_refused(disk_, Error::corrupt_data);
    disk_.bytes[16] = 2;
    detail::put16(&disk_.bytes[14], 0);
    expect_refused(disk_, Error::corrupt_data);
}

TEST_P(FatCorrupt, RootDirectoryOutsideTheVolume) {
    if (GetParam().type == FatType::fat32) {
        detail::put32(&disk_.bytes[44], raw_.g.max_cluster() + 1);
        expect_refused(disk_, Error::corrupt_data);
        detail::put32(&disk_.bytes[44], 1);
        expect_refused(disk_, Error::corrupt_data);
    } else {
        detail::put16(&disk_.bytes[17], 0);
        expect_refused(disk_, Error::corrupt_data);
    }
}

// ---- FAT chains -----------------------------------------------------------------------------

TEST_P(FatCorrupt, ChainPointingToItself) {
    raw_.set_fat(a_chain_[0], a_chain_[0]);
    expect_a_corrupt();
}

TEST_P(FatCorrupt, ChainLoopingBackToAnEarlierCluster) {
    raw_.set_fat(a_chain_[3], a_chain_[1]);
    expect_a_corrupt();
}

TEST_P(FatCorrupt, ChainLoopingAfterItsLastCluster) {
    // The loop lies past what the size needs: still refused, as the chain has no end.
    raw_.set_fat(a_chain_[5], a_chain_[4]);
    expect_a_corrupt();
}

TEST_P(FatCorrupt, ChainPointingOutsideTheVolume) {
    raw_.set_fat(a_chain_[2], raw_.g.max_cluster() + 1);
    expect_a_corrupt();
}

TEST_P(FatCorrupt, ChainPointingToAReservedCluster) {
    raw_.set_fat(a_chain_[2], 1);
    expect_a_corrupt();
}

TEST_P(FatCorrupt, ChainRunningIntoAFreeCluster) {
    raw_.set_fat(a_chain_[2], 0);
    expect_a_corrupt();
}

TEST_P(FatCorrupt, ChainRunningIntoABadCluster) {
    raw_.set_fat(a_chain_[2], raw_.eoc() - 8); // 0x(F)FF7: bad cluster
    expect_a_corrupt();
}

TEST_P(FatCorrupt, ChainEndingBeforeTheSizeSays) {
    raw_.set_fat(a_chain_[2], raw_.eoc());
    expect_a_corrupt();
}

TEST_P(FatCorrupt, ChainLoopFoundByAFileSizeDoesNotHang) {
    // The size says one cluster, the chain loops past it: open refuses, stat works.
    raw_.set_size(a_entry_, 1);
    raw_.set_fat(a_chain_[1], a_chain_[1]);
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    EXPECT_EQ(v.open("/A.TXT", {}).error(), Error::corrupt_data);
    auto st = v.stat("/A.TXT");
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->size, 1u);
    expect_others_intact();
}

// ---- directory entries ----------------------------------------------------------------------

TEST_P(FatCorrupt, EntryLargerThanTheVolume) {
    for (const std::uint32_t size :
         {0xffffffffu, (raw_.g.cluster_count + 1) * raw_.g.cluster_bytes}) {
        raw_.set_size(a_entry_, size);
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok());
        EXPECT_EQ(v.stat("/A.TXT").error(), Error::corrupt_data);
        EXPECT_STRNE(v.problem(), "");
        expect_a_corrupt();
    }
}

TEST_P(FatCorrupt, EntryLargerThanItsChain) {
    raw_.set_size(a_entry_, static_cast<std::uint32_t>(a_.size() + raw_.g.cluster_bytes));
    expect_a_corrupt();
}

TEST_P(FatCorrupt, EntryWhoseClusterIsOutsideTheVolume) {
    for (const std::uint32_t c : {raw_.g.max_cluster() + 1, 1u, 0u, 0xfff7u}) {
        raw_.set_cluster(a_entry_, c);
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok());
        EXPECT_EQ(v.stat("/A.TXT").error(), Error::corrupt_data) << c;
        expect_a_corrupt();
        EXPECT_EQ(v.unlink("/A.TXT").error(), Error::corrupt_data);
    }
}

TEST_P(FatCorrupt, DirectoryWhoseClusterIsOutsideTheVolume) {
    raw_.set_cluster(sub_entry_, raw_.g.max_cluster() + 1);
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    EXPECT_EQ(v.open("/SUB", {}).error(), Error::corrupt_data);
    EXPECT_EQ(v.open("/SUB/D.TXT", {}).error(), Error::corrupt_data);
    EXPECT_EQ(v.open("/SUB/E.TXT", {.create = true}).error(), Error::corrupt_data);
    EXPECT_EQ(v.rmdir("/SUB").error(), Error::corrupt_data);
    EXPECT_EQ(v.rename("/SUB", "/SUB2").error(), Error::corrupt_data);
    EXPECT_EQ(v.rename("/B.TXT", "/SUB/B.TXT").error(), Error::corrupt_data);
    EXPECT_STRNE(v.problem(), "");
    EXPECT_EQ(read_all(v, "/B.TXT"), b_);
    EXPECT_EQ(read_all(v, "/A.TXT"), a_);
    raw_.set_cluster(sub_entry_, 0); // a directory without a cluster
    TestVolume w{disk_};
    ASSERT_TRUE(w.mount().ok());
    EXPECT_EQ(w.open("/SUB", {}).error(), Error::corrupt_data);
    EXPECT_EQ(read_all(w, "/A.TXT"), a_);
}

// A directory whose cluster chain loops back to its own full first cluster has no end: listing
// it, looking names up in it and adding to it must stop (at the 65,536 entries a directory may
// hold at most) instead of going round for ever.
TEST_P(FatCorrupt, DirectoryWhoseChainLoops) {
    {
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok());
        const std::uint32_t per_cluster = entries_per_sector * raw_.g.sectors_per_cluster;
        for (std::uint32_t i = 0; i < per_cluster; ++i) { // spills into a second cluster
            ASSERT_TRUE(write_file(v, "/SUB/F" + std::to_string(i), "").ok());
        }
        ASSERT_TRUE(v.sync().ok());
    }
    const auto sub_chain = raw_.chain(sub_cluster_);
    ASSERT_EQ(sub_chain.size(), 2u);
    raw_.set_fat(sub_chain[0], sub_chain[0]);

    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    const auto names = list(v, "/SUB");
    EXPECT_LE(names.size(), 65536u);
    EXPECT_EQ(names.front(), "D.TXT");
    EXPECT_EQ(read_all(v, "/SUB/D.TXT"), d_);
    const auto missing = v.open("/SUB/NOPE.TXT", {});
    ASSERT_FALSE(missing.ok());
    EXPECT_TRUE(missing.error() == Error::not_found || missing.error() == Error::corrupt_data);
    // Adding to it ends too, with an error or not, and never by growing it without end.
    static_cast<void>(v.open("/SUB/A long name to add.txt", {.create = true}));
    static_cast<void>(v.mkdir("/SUB/NEWDIR"));
    static_cast<void>(v.rename("/B.TXT", "/SUB/B.TXT"));
    static_cast<void>(v.rmdir("/SUB"));
    EXPECT_EQ(read_all(v, "/A.TXT"), a_);
    ASSERT_TRUE(v.sync().ok());
    TestVolume w{disk_};
    ASSERT_TRUE(w.mount().ok());
    EXPECT_EQ(read_all(w, "/A.TXT"), a_);
    const auto b = read_all(w, "/B.TXT");
    EXPECT_TRUE(b == b_ || read_all(w, "/SUB/B.TXT") == b_);
}

// FAT32 only: FAT12/16 keep the root in a fixed region, with no chain to loop.
class FatCorrupt32 : public FatCorrupt {};

TEST_P(FatCorrupt32, RootDirectoryWhoseChainLoops) {
    {
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok());
        const std::uint32_t per_cluster = entries_per_sector * raw_.g.sectors_per_cluster;
        for (std::uint32_t i = 0; i < per_cluster; ++i) {
            ASSERT_TRUE(write_file(v, "/F" + std::to_string(i), "").ok());
        }
        ASSERT_TRUE(v.sync().ok());
    }
    const auto root_chain = raw_.chain(raw_.g.root_cluster);
    ASSERT_GE(root_chain.size(), 2u);
    raw_.set_fat(root_chain[0], root_chain[0]);
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    EXPECT_LE(list(v, "/").size(), 65536u);
    EXPECT_EQ(read_all(v, "/A.TXT"), a_); // in the first cluster, which is still there
    EXPECT_FALSE(v.open("/NOPE.TXT", {}).ok());
    static_cast<void>(v.open("/Another long name.txt", {.create = true}));
    static_cast<void>(v.sync());
}

TEST_P(FatCorrupt, DotDotEntriesThatLoop) {
    TestVolume v0{disk_};
    ASSERT_TRUE(v0.mount().ok());
    ASSERT_TRUE(v0.mkdir("/SUB/INNER").ok());
    ASSERT_TRUE(v0.sync().ok());
    const std::size_t inner = raw_.entry(sub_cluster_, "INNER      ");
    ASSERT_NE(inner, npos);
    const std::uint32_t inner_cluster = raw_.cluster_of(inner);
    const std::size_t dotdot = raw_.entry(inner_cluster, "..         ");
    ASSERT_NE(dotdot, npos);
    raw_.set_cluster(dotdot, inner_cluster); // INNER's parent is INNER
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    // Moving SUB into INNER asks whether INNER lies inside SUB, following ".." up: a loop.
    EXPECT_EQ(v.rename("/SUB", "/SUB/INNER/X").error(), Error::corrupt_data);
    EXPECT_STRNE(v.problem(), "");
    EXPECT_EQ(read_all(v, "/SUB/D.TXT"), d_);
    EXPECT_EQ(read_all(v, "/SUB/INNER/../D.TXT"), "<open: not found>"); // INNER/.. is INNER
}

// A long name of 20 entries whose last entry fills all 13 of its units says 260 units, more
// than the 255 a name may have: shown cut to 255 units, never written past the name's buffer.
TEST_P(FatCorrupt, LongNameOfMoreThan255Units) {
    const std::string name(255, 'n');
    {
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok());
        ASSERT_TRUE(write_file(v, "/" + name, "x").ok());
        ASSERT_TRUE(v.sync().ok());
    }
    bool patched = false;
    for (std::size_t o = 0; o + entry_bytes <= disk_.bytes.size(); o += entry_bytes) {
        std::uint8_t* e = &disk_.bytes[o];
        if (e[0] == (lfn_last | 20) && e[11] == attr::long_name) {
            for (const int k : {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30}) {
                detail::put16(&e[static_cast<std::size_t>(k)], 'm');
            }
            patched = true;
        }
    }
    ASSERT_TRUE(patched);
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    const auto names = list(v, "/");
    ASSERT_EQ(names.size(), 4u);
    EXPECT_LE(names[3].size(), max_name_units);
    EXPECT_EQ(read_all(v, "/B.TXT"), b_);
}

// Found by fuzz_fat_volume (a timeout): short entries written with lower-case bytes, which 6.1
// forbids, in a root whose chain looped. readdir listed them under those bytes, but lookups
// compared the bytes with the upper-cased name, so none was ever found and every lookup read
// the whole directory, up to 65,536 entries. Every name readdir gives must be found.
TEST_P(FatCorrupt, LowerCaseShortNamesAreFound) {
    std::memcpy(&disk_.bytes[b_entry_], "b       txt", 11);
    std::memcpy(&disk_.bytes[sub_entry_], "sub        ", 11);
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    const auto names = list(v, "/");
    ASSERT_EQ(names.size(), 3u);
    for (const std::string& name : names) {
        EXPECT_TRUE(v.stat("/" + name).ok()) << name;
    }
    EXPECT_EQ(names[1], "b.txt");
    EXPECT_EQ(read_all(v, "/b.txt"), b_);
    EXPECT_EQ(read_all(v, "/B.TXT"), b_);
    EXPECT_EQ(read_all(v, "/sub/D.TXT"), d_);
    EXPECT_EQ(read_all(v, "/SUB/d.txt"), d_);
    EXPECT_EQ(v.open("/B.TXT", {.create = true, .exclusive = true}).error(), Error::exists);
}

// ---- changes to damaged files ---------------------------------------------------------------

TEST_P(FatCorrupt, UnlinkOfALoopingChainChangesNothing) {
    raw_.set_fat(a_chain_[3], a_chain_[1]);
    const std::vector<std::uint8_t> before = disk_.bytes;
    {
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok());
        EXPECT_EQ(v.unlink("/A.TXT").error(), Error::corrupt_data);
        EXPECT_STRNE(v.problem(), "");
        EXPECT_EQ(read_all(v, "/B.TXT"), b_);
        static_cast<void>(v.sync());
    }
    EXPECT_TRUE(disk_.bytes == before); // refused before anything was written
    {
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok());
        EXPECT_TRUE(v.stat("/A.TXT").ok()); // still there, for fsck.fat to repair
    }
    expect_others_intact();
}

TEST_P(FatCorrupt, RmdirOfALoopingDirectoryChangesNothing) {
    TestVolume v0{disk_};
    ASSERT_TRUE(v0.mount().ok());
    ASSERT_TRUE(v0.mkdir("/EMPTY").ok());
    ASSERT_TRUE(v0.sync().ok());
    const std::size_t e = raw_.entry(0, "EMPTY      ");
    ASSERT_NE(e, npos);
    const std::uint32_t c = raw_.cluster_of(e);
    // The empty directory's chain goes on into A's clusters and back round.
    raw_.set_fat(c, a_chain_[0]);
    raw_.set_fat(a_chain_[5], c);
    const std::vector<std::uint8_t> before = disk_.bytes;
    {
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok());
        EXPECT_EQ(v.rmdir("/EMPTY").error(), Error::corrupt_data);
        static_cast<void>(v.sync());
    }
    EXPECT_TRUE(disk_.bytes == before);
    expect_others_intact();
}

TEST_P(FatCorrupt, RenameOverALoopingFileChangesNothing) {
    raw_.set_fat(a_chain_[3], a_chain_[1]);
    const std::vector<std::uint8_t> before = disk_.bytes;
    {
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok());
        EXPECT_EQ(v.rename("/B.TXT", "/A.TXT").error(), Error::corrupt_data);
        EXPECT_EQ(read_all(v, "/B.TXT"), b_);
        static_cast<void>(v.sync());
    }
    EXPECT_TRUE(disk_.bytes == before);
    expect_others_intact();
}

// A chain that goes bad while the file is open (open walked it when it was still sound):
// truncate refuses before it changes anything. A two-sector cache lets the damage through.
TEST_P(FatCorrupt, TruncateOfALoopingChainChangesNothing) {
    for (const std::uint64_t size : {std::uint64_t{0}, std::uint64_t{raw_.g.cluster_bytes}}) {
        SCOPED_TRACE(size);
        MemoryDisk disk{disk_.bytes};
        Raw raw{&disk, raw_.g};
        Volume<MemoryDisk, 8, 2> v{disk};
        ASSERT_TRUE(v.mount().ok());
        auto a = v.open("/A.TXT", {});
        ASSERT_TRUE(a.ok());
        auto b = v.open("/B.TXT", {});
        ASSERT_TRUE(b.ok());
        raw.set_fat(a_chain_[3], a_chain_[1]);
        const std::vector<std::uint8_t> before = disk.bytes;
        // Two other sectors through the cache (B's first data sector, the root directory's)
        // push out the FAT sector it held.
        std::array<std::uint8_t, 3> three{};
        ASSERT_TRUE(v.read(*b, 1, three).ok());
        ASSERT_TRUE(v.stat("/B.TXT").ok());
        EXPECT_EQ(v.truncate(*a, size).error(), Error::corrupt_data);
        EXPECT_STRNE(v.problem(), "");
        auto st = v.stat(*a);
        ASSERT_TRUE(st.ok());
        EXPECT_EQ(st->size, a_.size());
        EXPECT_TRUE(v.close(*a).ok());
        EXPECT_TRUE(v.close(*b).ok());
        static_cast<void>(v.sync());
        EXPECT_TRUE(disk.bytes == before);
        Volume<MemoryDisk, 8, 2> w{disk};
        ASSERT_TRUE(w.mount().ok());
        EXPECT_EQ(read_all(w, "/B.TXT"), b_);
        EXPECT_EQ(read_all(w, "/SUB/D.TXT"), d_);
        EXPECT_EQ(w.stat("/A.TXT")->size, a_.size());
    }
}

// An entry of size 0 that names a cluster anyway (fsck.fat: "has zero size but nonzero start
// cluster"): a write must not go into clusters the file does not own.
TEST_P(FatCorrupt, WriteToAnEmptyFileThatNamesACluster) {
    raw_.set_size(b_entry_, 0);
    raw_.set_cluster(b_entry_, a_chain_[2]); // B now names a cluster of A's chain
    const std::string data = pattern(2 * raw_.g.cluster_bytes + 3, 9);
    {
        TestVolume v{disk_};
        ASSERT_TRUE(v.mount().ok());
        auto h = v.open("/B.TXT", {});
        ASSERT_TRUE(h.ok());
        auto n = v.write(*h, 0, bytes_of(data));
        ASSERT_TRUE(n.ok()) << kaal::to_string(n.error()) << " " << v.problem();
        EXPECT_TRUE(v.close(*h).ok());
        ASSERT_TRUE(v.sync().ok());
        EXPECT_EQ(read_all(v, "/B.TXT"), data);
        EXPECT_EQ(read_all(v, "/A.TXT"), a_); // A's cluster was not written through B
    }
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    EXPECT_EQ(read_all(v, "/B.TXT"), data);
    EXPECT_EQ(read_all(v, "/A.TXT"), a_);
}

INSTANTIATE_TEST_SUITE_P(MkfsFat, FatCorrupt,
                         ::testing::Values(Layout{"fat12", 1024, "-F 12 -s 1", FatType::fat12},
                                           Layout{"fat12_1k", 2048, "-F 12 -s 2", FatType::fat12},
                                           Layout{"fat16", 4096, "-F 16 -s 1", FatType::fat16},
                                           Layout{"fat16_1k", 8192, "-F 16 -s 2", FatType::fat16},
                                           Layout{"fat32", 1024, "-F 32 -s 1", FatType::fat32},
                                           Layout{"fat32_1k", 2048, "-F 32 -s 2", FatType::fat32}),
                         [](const auto& param) { return std::string{param.param.name}; });

INSTANTIATE_TEST_SUITE_P(MkfsFat, FatCorrupt32,
                         ::testing::Values(Layout{"fat32", 1024, "-F 32 -s 1", FatType::fat32},
                                           Layout{"fat32_1k", 2048, "-F 32 -s 2", FatType::fat32}),
                         [](const auto& param) { return std::string{param.param.name}; });

// ---- misuse of the API ----------------------------------------------------------------------

class FatApi : public FatCorrupt {};

TEST_P(FatApi, HandlesNeverOpenedOrAlreadyClosed) {
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    std::array<std::uint8_t, 16> buf{};
    DirEntry e{};
    std::uint32_t cookie = 0;
    for (const TestVolume::Handle h :
         {TestVolume::Handle{0}, TestVolume::Handle{5}, TestVolume::Handle{TestVolume::max_open},
          std::numeric_limits<TestVolume::Handle>::max()}) {
        EXPECT_EQ(v.read(h, 0, buf).error(), Error::invalid_argument);
        EXPECT_EQ(v.write(h, 0, buf).error(), Error::invalid_argument);
        EXPECT_EQ(v.close(h).error(), Error::invalid_argument);
        EXPECT_EQ(v.truncate(h, 0).error(), Error::invalid_argument);
        EXPECT_EQ(v.stat(h).error(), Error::invalid_argument);
        EXPECT_EQ(v.readdir(h, cookie, e).error(), Error::invalid_argument);
    }
    auto h = v.open("/B.TXT", {});
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE(v.close(*h).ok());
    EXPECT_EQ(v.read(*h, 0, buf).error(), Error::invalid_argument);
    EXPECT_EQ(v.write(*h, 0, buf).error(), Error::invalid_argument);
    EXPECT_EQ(v.close(*h).error(), Error::invalid_argument);
    // Two opens of one file share a node: the second close is the last, a third is refused.
    auto x = v.open("/B.TXT", {});
    auto y = v.open("/b.txt", {});
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_TRUE(v.close(*x).ok());
    EXPECT_EQ(read_all(v, "/B.TXT"), b_);
    EXPECT_TRUE(v.close(*y).ok());
    EXPECT_EQ(v.close(*y).error(), Error::invalid_argument);
    // A remount forgets every handle.
    auto z = v.open("/B.TXT", {});
    ASSERT_TRUE(z.ok());
    ASSERT_TRUE(v.mount().ok());
    EXPECT_EQ(v.read(*z, 0, buf).error(), Error::invalid_argument);
    EXPECT_EQ(read_all(v, "/B.TXT"), b_);
}

TEST_P(FatApi, OperationsBeforeMount) {
    TestVolume v{disk_};
    const std::uint64_t writes = disk_.writes;
    std::array<std::uint8_t, 16> buf{};
    EXPECT_EQ(v.open("/B.TXT", {}).error(), Error::illegal_operation);
    EXPECT_EQ(v.stat("/B.TXT").error(), Error::illegal_operation);
    EXPECT_EQ(v.unlink("/B.TXT").error(), Error::illegal_operation);
    EXPECT_EQ(v.rename("/B.TXT", "/C.TXT").error(), Error::illegal_operation);
    EXPECT_EQ(v.rmdir("/SUB").error(), Error::illegal_operation);
    EXPECT_EQ(v.read(0, 0, buf).error(), Error::invalid_argument);
    EXPECT_EQ(disk_.writes, writes);
}

TEST_P(FatApi, WritesBeyondTheLargestFile) {
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    auto h = v.open("/B.TXT", {});
    ASSERT_TRUE(h.ok());
    const std::array<std::uint8_t, 2> two{1, 2};
    const std::uint64_t max = 0xffffffffu;
    EXPECT_EQ(v.write(*h, max, two).error(), Error::range_error);
    EXPECT_EQ(v.write(*h, max - 1, two).error(), Error::range_error);
    EXPECT_EQ(v.write(*h, std::uint64_t{1} << 32, two).error(), Error::range_error);
    // offset + size wraps round 2^64: still beyond 4 GiB - 1
    EXPECT_EQ(v.write(*h, std::numeric_limits<std::uint64_t>::max(), two).error(),
              Error::range_error);
    EXPECT_EQ(v.write(*h, std::numeric_limits<std::uint64_t>::max() - 1, two).error(),
              Error::range_error);
    EXPECT_EQ(v.truncate(*h, max + 1).error(), Error::range_error);
    EXPECT_EQ(v.truncate(*h, std::numeric_limits<std::uint64_t>::max()).error(),
              Error::range_error);
    const auto free_before = v.statfs()->free_clusters;
    // The last byte a file may have is legal, but does not fit this volume: all or nothing.
    EXPECT_EQ(v.write(*h, max - 1, std::span{two}.first(1)).error(), Error::volume_full);
    EXPECT_EQ(v.truncate(*h, max).error(), Error::volume_full);
    EXPECT_EQ(v.statfs()->free_clusters, free_before);
    std::array<std::uint8_t, 4> buf{};
    EXPECT_EQ(v.read(*h, max, buf).value_or(99), 0u); // reads past the end read nothing
    EXPECT_EQ(v.read(*h, std::numeric_limits<std::uint64_t>::max(), buf).value_or(99), 0u);
    EXPECT_TRUE(v.close(*h).ok());
    EXPECT_EQ(read_all(v, "/B.TXT"), b_);
    ASSERT_TRUE(v.sync().ok());
    expect_others_intact();
}

TEST_P(FatApi, DirectoryHandlesAreNotFiles) {
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    std::array<std::uint8_t, 16> buf{};
    EXPECT_EQ(v.open("/SUB/.", {}).error(), Error::invalid_argument);
    for (const char* path : {"/SUB", "/", "/SUB/.."}) {
        SCOPED_TRACE(path);
        auto h = v.open(path, {});
        ASSERT_TRUE(h.ok());
        EXPECT_EQ(v.read(*h, 0, buf).error(), Error::is_directory);
        EXPECT_EQ(v.write(*h, 0, buf).error(), Error::is_directory);
        EXPECT_EQ(v.truncate(*h, 0).error(), Error::is_directory);
        EXPECT_TRUE(v.stat(*h)->directory);
        EXPECT_TRUE(v.close(*h).ok());
    }
    auto f = v.open("/B.TXT", {});
    ASSERT_TRUE(f.ok());
    std::uint32_t cookie = 0;
    DirEntry e{};
    EXPECT_EQ(v.readdir(*f, cookie, e).error(), Error::not_directory);
    EXPECT_TRUE(v.close(*f).ok());
    EXPECT_EQ(v.open("/B.TXT", {.directory = true}).error(), Error::not_directory);
    EXPECT_EQ(v.open("/B.TXT/X", {.create = true}).error(), Error::not_directory);
    EXPECT_EQ(v.open("/NEW", {.create = true, .directory = true}).error(), Error::invalid_argument);
    EXPECT_EQ(v.unlink("/SUB").error(), Error::is_directory);
    EXPECT_EQ(v.rmdir("/B.TXT").error(), Error::not_directory);
    EXPECT_EQ(v.rmdir("/SUB").error(), Error::not_empty);
    EXPECT_EQ(v.rmdir("/").error(), Error::busy);
    // A cookie from nowhere ends the listing or is refused; it never reads outside the disk.
    auto d = v.open("/SUB", {});
    ASSERT_TRUE(d.ok());
    for (const std::uint32_t c : {1000u, 65535u, 65536u, 0xffffffffu}) {
        cookie = c;
        auto got = v.readdir(*d, cookie, e);
        EXPECT_TRUE(!got.ok() || !*got) << c;
    }
    EXPECT_TRUE(v.close(*d).ok());
}

TEST_P(FatApi, NamesAFatVolumeCannotHold) {
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    const std::string too_long(256, 'x');
    for (const std::string& name :
         {std::string{"a*b.txt"}, std::string{"a:b"}, std::string{"a?b"}, std::string{"a<b>"},
          std::string{"a\\b"}, std::string{"a|b"}, std::string{"a\"b"}, std::string{"tab\tx"},
          std::string{"dot."}, std::string{"space "}, std::string{"\xff\xfe"},
          std::string{"\xf0\x9f\x98\x80"}, too_long, std::string(800, 'y')}) {
        SCOPED_TRACE(name);
        const std::string path = "/" + name;
        EXPECT_EQ(v.open(path, {.create = true}).error(), Error::bad_name);
        EXPECT_EQ(v.mkdir(path).error(), Error::bad_name);
        EXPECT_EQ(v.rename("/B.TXT", path).error(), Error::bad_name);
        EXPECT_EQ(v.open("/SUB" + path, {.create = true}).error(), Error::bad_name);
    }
    // '/' separates names, so it can never be part of one: "B.TXT/x" asks for x inside a file.
    EXPECT_EQ(v.open("/B.TXT/x", {.create = true}).error(), Error::not_directory);
    EXPECT_EQ(v.open("/NODIR/x", {.create = true}).error(), Error::not_found);
    EXPECT_EQ(v.mkdir("/NODIR/x").error(), Error::not_found);
    // 255 units is the longest name.
    const std::string longest(255, 'z');
    EXPECT_TRUE(write_file(v, "/" + longest, "ok").ok());
    EXPECT_EQ(read_all(v, "/" + longest), "ok");
    EXPECT_EQ(read_all(v, "/B.TXT"), b_);
    ASSERT_TRUE(v.sync().ok());
    expect_others_intact();
}

TEST_P(FatApi, ReadOnlyDiskRefusesWritesAndKeepsReading) {
    TestVolume v{disk_};
    ASSERT_TRUE(v.mount().ok());
    disk_.read_only = true;
    const std::string big = pattern(8 * 512, 4);
    // Small changes stay in the cache until sync; whole sectors go to the disk at once. Either
    // way an error comes back, by the write or by the sync, and nothing reaches the disk.
    const std::uint64_t writes = disk_.writes;
    auto h = v.open("/RO.TXT", {.create = true});
    if (h.ok()) {
        EXPECT_FALSE(v.write(*h, 0, bytes_of(big)).ok());
        static_cast<void>(v.write(*h, 0, bytes_of(std::string{"small"})));
        static_cast<void>(v.close(*h));
    }
    if (auto b = v.open("/B.TXT", {}); b.ok()) {
        EXPECT_FALSE(v.write(*b, 0, bytes_of(big)).ok());
        static_cast<void>(v.close(*b));
    }
    static_cast<void>(v.mkdir("/RODIR"));
    static_cast<void>(v.unlink("/A.TXT"));
    EXPECT_FALSE(v.sync().ok());
    EXPECT_EQ(disk_.writes, writes);
    // A read gives the file or an error (the cache may have to write a changed sector back to
    // make room, and cannot). Once the disk is writable again, a fresh mount finds the volume as
    // it was.
    const std::string d = read_all(v, "/SUB/D.TXT");
    EXPECT_TRUE(d == d_ || d.starts_with("<")) << d.substr(0, 40);
    disk_.read_only = false;
    TestVolume w{disk_};
    ASSERT_TRUE(w.mount().ok());
    EXPECT_EQ(read_all(w, "/A.TXT"), a_);
    EXPECT_EQ(read_all(w, "/B.TXT"), b_);
    EXPECT_EQ(w.stat("/RO.TXT").error(), Error::not_found);
    expect_others_intact();
}

INSTANTIATE_TEST_SUITE_P(MkfsFat, FatApi,
                         ::testing::Values(Layout{"fat12", 1024, "-F 12 -s 1", FatType::fat12},
                                           Layout{"fat16", 4096, "-F 16 -s 1", FatType::fat16},
                                           Layout{"fat32", 1024, "-F 32 -s 1", FatType::fat32}),
                         [](const auto& param) { return std::string{param.param.name}; });

} // namespace
