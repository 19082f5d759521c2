// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for the FAT library: the input is a disk image, put over the start of an
// otherwise zeroed 4 MiB disk. If it mounts, the tree is walked (bounded in depth and entries),
// every file stat()ed and read, then changed (create and write, mkdir, rename, truncate, unlink,
// rmdir, sync), and the volume mounted again through a two-sector cache and walked again.
// Whatever the image holds, every failure must be an error value. A device request outside the
// volume, a write to the boot sector or the reserved sectors, corrupt_data without a reason, or
// a read or a name larger than can be aborts, which libFuzzer reports; ASan and UBSan watch the
// rest. An input of whole sectors plus one byte also makes the device fail after that many
// requests (times four), for the error paths.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <kaal/services/fs/fat/volume.hpp>

namespace {

using namespace kaal::services::fs::fat;
using kaal::Error;
using kaal::Status;

// 4 MiB: room for a FAT16 volume's 4,085 clusters of one sector.
constexpr std::size_t disk_sectors = 8192;

// The disk lives across runs: a run puts its input at the start and afterwards zeroes that and
// whatever it wrote, far cheaper than a fresh 4 MiB each time.
class FuzzDisk {
public:
    FuzzDisk() : bytes_(disk_sectors * sector_bytes) {}

    void load(const std::uint8_t* data, std::size_t size) {
        loaded_ = std::min(size, bytes_.size());
        std::memcpy(bytes_.data(), data, loaded_);
        limit_ = disk_sectors;
        reserved_ = 1;
        fsinfo_ = 0;
        requests_ = 0;
        fail_after_ = size % sector_bytes == 1 ? 4u * data[size - 1] : ~std::uint64_t{0};
    }

    void reset() {
        std::memset(bytes_.data(), 0, loaded_);
        for (const auto& [lba, count] : written_) {
            std::memset(&bytes_[lba * sector_bytes], 0, count * sector_bytes);
        }
        written_.clear();
    }

    // Once a volume is mounted, every request must lie inside it, and no write may reach the
    // boot sector or the reserved sectors but the FSInfo sector.
    void confine(const Geometry& g) {
        limit_ = g.total_sectors;
        reserved_ = g.reserved_sectors;
        fsinfo_ = g.fsinfo_sector;
    }
    void unconfine() {
        limit_ = disk_sectors;
        reserved_ = 1;
        fsinfo_ = 0;
    }

    [[nodiscard]] std::uint64_t sector_count() const { return disk_sectors; }

    Status read(std::uint64_t lba, std::span<std::uint8_t> out) {
        check(lba, out.size());
        if (++requests_ > fail_after_) {
            return Error::io_error;
        }
        std::memcpy(out.data(), &bytes_[lba * sector_bytes], out.size());
        return {};
    }

    Status write(std::uint64_t lba, std::span<const std::uint8_t> in) {
        check(lba, in.size());
        const std::uint64_t count = in.size() / sector_bytes;
        if (lba < reserved_ && !(count == 1 && lba == fsinfo_ && fsinfo_ != 0)) {
            std::abort(); // the library never writes the boot sector or the reserved ones
        }
        if (++requests_ > fail_after_) {
            return Error::io_error;
        }
        std::memcpy(&bytes_[lba * sector_bytes], in.data(), in.size());
        written_.emplace_back(lba, count);
        return {};
    }

    Status flush() {
        if (++requests_ > fail_after_) {
            return Error::io_error;
        }
        return {};
    }

private:
    void check(std::uint64_t lba, std::size_t size) const {
        if (size % sector_bytes != 0 || lba >= limit_ || size / sector_bytes > limit_ - lba) {
            std::abort(); // outside the volume, or not whole sectors
        }
    }

    std::vector<std::uint8_t> bytes_;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> written_;
    std::size_t loaded_ = 0;
    std::uint64_t limit_ = disk_sectors;
    std::uint64_t reserved_ = 1;
    std::uint64_t fsinfo_ = 0;
    std::uint64_t requests_ = 0;
    std::uint64_t fail_after_ = ~std::uint64_t{0};
};

template <typename V>
void check(const V& v, Error e) {
    if (e == Error::ok || (e == Error::corrupt_data && v.problem()[0] == '\0')) {
        std::abort(); // a failure is an error, and corrupt data says why
    }
}

template <typename V>
void check_close(V& v, typename V::Handle h) {
    if (!v.close(h).ok()) {
        std::abort(); // a handle open() gave closes once
    }
}

std::array<std::uint8_t, 8192> buffer;

// Walks the tree from `path`: at most `depth` levels down and `entries` entries in all; reads
// each file's first `per_file` bytes. Remembers a file and a directory for the changes.
template <typename V>
struct Walker {
    Walker(V& volume, std::size_t max_entries, std::size_t max_per_file)
        : v(volume), entries(max_entries), per_file(max_per_file) {}

    V& v;
    std::size_t entries;
    std::size_t per_file;
    std::string a_file;
    std::string a_dir;
    // Lookups that failed. In a damaged directory each may read all its 65,536 entries (a
    // name readdir gives can still be one no lookup finds: one with a '/', or a lone surrogate
    // shown as '?'), so after a few the walk only lists.
    int misses = 8;

    void read_file(const std::string& path, const Stat& listed) {
        if (misses <= 0) {
            return;
        }
        auto st = v.stat(path);
        if (!st) {
            check(v, st.error());
            --misses;
        }
        auto h = v.open(path, {});
        if (!h) {
            check(v, h.error());
            --misses;
            return;
        }
        auto hs = v.stat(*h);
        if (!hs) {
            check(v, hs.error());
        } else if (st && !hs->directory && hs->size != st->size) {
            std::abort(); // a handle's size is its entry's
        }
        const std::uint64_t size = st ? st->size : listed.size;
        for (std::uint64_t at = 0; at < std::min<std::uint64_t>(size, per_file);) {
            auto n = v.read(*h, at, buffer);
            if (!n) {
                check(v, n.error());
                break;
            }
            if (*n > buffer.size() || (st && at + *n > st->size)) {
                std::abort();
            }
            if (*n == 0) {
                break;
            }
            at += *n;
        }
        // Odd offsets and lengths: partial sectors at both ends.
        if (auto n = v.read(*h, size / 3 + 1, std::span{buffer}.first(777)); !n) {
            check(v, n.error());
        }
        if (auto n = v.read(*h, size, buffer); n && *n != 0) {
            std::abort(); // nothing past the end
        }
        check_close(v, *h);
        if (a_file.empty()) {
            a_file = path;
        }
    }

    void walk(const std::string& path, int depth) {
        if (misses <= 0) {
            return;
        }
        auto h = v.open(path.empty() ? "/" : path, {.directory = true});
        if (!h) {
            check(v, h.error());
            --misses;
            return;
        }
        std::array<std::string, 4> subdirs{};
        std::size_t dirs = 0;
        std::uint32_t cookie = 0;
        DirEntry e{};
        for (int i = 0; i < 64 && entries > 0; ++i) {
            const std::uint32_t before = cookie;
            auto got = v.readdir(*h, cookie, e);
            if (!got) {
                check(v, got.error());
                break;
            }
            if (!*got) {
                break;
            }
            if (cookie <= before || e.name_len > max_name_bytes || e.name[e.name_len] != '\0') {
                std::abort(); // readdir moves on, and names fit
            }
            --entries;
            const std::string_view name{e.name.data(), e.name_len};
            const std::string child = path + "/" + std::string{name};
            if (e.stat.directory) {
                // A name that is empty, holds a '/' or is "." or ".." would walk another path.
                if (dirs < subdirs.size() && !name.empty() && name != "." && name != ".." &&
                    name.find('/') == std::string_view::npos) {
                    subdirs[dirs++] = child;
                }
                if (a_dir.empty()) {
                    a_dir = child;
                }
            } else {
                read_file(child, e.stat);
            }
        }
        check_close(v, *h);
        if (depth > 0) {
            for (std::size_t i = 0; i < dirs; ++i) {
                walk(subdirs[i], depth - 1);
            }
        }
    }
};

template <typename V>
void expect(V& v, Status s) {
    if (!s) {
        check(v, s.error());
    }
}

template <typename V>
void write_some(V& v, std::string_view path, std::uint64_t offset, std::size_t len) {
    auto h = v.open(path, {.create = true});
    if (!h) {
        check(v, h.error());
        return;
    }
    static const std::array<std::uint8_t, 6000> data = [] {
        std::array<std::uint8_t, 6000> d{};
        for (std::size_t i = 0; i < d.size(); ++i) {
            d[i] = static_cast<std::uint8_t>(i * 7 + 1);
        }
        return d;
    }();
    if (auto n = v.write(*h, offset, std::span{data}.first(std::min(len, data.size()))); !n) {
        check(v, n.error());
    }
    check_close(v, *h);
}

// The changes happen in a directory of their own: a damaged root (one whose chain loops, or
// that has no end marker) makes every lookup of a name it lacks read up to 65,536 entries, and
// each change looks names up several times; once is enough to show it ends.
template <typename V>
void change(V& v, const std::string& a_file, const std::string& a_dir) {
    if (auto s = v.mkdir("/FUZZDIR"); !s) {
        check(v, s.error());
        if (s.error() != Error::exists) {
            write_some(v, "/FUZZ.TXT", 0, 5000);
            expect(v, v.sync());
            return;
        }
    }
    write_some(v, "/FUZZDIR/FUZZ.TXT", 0, 5000);
    write_some(v, "/FUZZDIR/FUZZ.TXT", 20000, 100); // a gap, zero-filled
    if (auto h = v.open("/FUZZDIR/FUZZ.TXT", {}); h) {
        expect(v, v.truncate(*h, 3001));
        if (auto n = v.read(*h, 0, buffer); !n) {
            check(v, n.error());
        }
        check_close(v, *h);
    } else {
        check(v, h.error());
    }
    write_some(v, "/FUZZDIR/A rather long name.txt", 0, 700);
    expect(v, v.rename("/FUZZDIR/FUZZ.TXT", "/FUZZDIR/moved.txt"));
    if (!a_file.empty()) {
        expect(v, v.rename(a_file, "/FUZZDIR/renamed.bin"));
        if (auto h = v.open("/FUZZDIR/renamed.bin", {}); h) {
            auto st = v.stat(*h);
            expect(v, v.truncate(*h, st ? st->size / 2 : 0));
            check_close(v, *h);
        } else {
            check(v, h.error());
        }
        write_some(v, "/FUZZDIR/renamed.bin", 1000, 10);
        expect(v, v.unlink("/FUZZDIR/renamed.bin"));
    }
    if (!a_dir.empty()) {
        expect(v, v.rename(a_dir, "/FUZZDIR/sub"));
        expect(v, v.rmdir("/FUZZDIR/sub"));
    }
    if (auto h = v.open("/FUZZDIR/A rather long name.txt", {.truncate = true}); h) {
        check_close(v, *h);
    } else {
        check(v, h.error());
    }
    // statfs reads every FAT entry through the cache: half the time of a run on a volume of
    // 8,000 clusters, and no different on a small one.
    if (v.geometry().cluster_count <= 2048) {
        if (auto s = v.statfs(); !s) {
            check(v, s.error());
        }
    }
    expect(v, v.sync());
}

FuzzDisk disk;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    disk.load(data, size);
    {
        Volume<FuzzDisk> v{disk};
        if (auto s = v.mount(); !s) {
            if (s.error() == Error::corrupt_data || s.error() == Error::not_found ||
                s.error() == Error::unsupported) {
                if (v.problem()[0] == '\0') {
                    std::abort(); // every refusal says why
                }
            }
            disk.reset();
            return 0;
        }
        disk.confine(v.geometry());
        Walker<Volume<FuzzDisk>> w{v, 256, 65536};
        w.walk("", 3);
        change(v, w.a_file, w.a_dir);
    }
    // Again, through a cache of two sectors (a FAT12 entry may straddle them), what the changes
    // left behind.
    disk.unconfine();
    {
        Volume<FuzzDisk, 8, 2> v{disk};
        if (v.mount()) {
            disk.confine(v.geometry());
            Walker<Volume<FuzzDisk, 8, 2>> w{v, 32, 8192};
            w.walk("", 1);
            write_some(v, "/FUZZDIR/again.txt", 0, 1500);
            expect(v, v.sync());
        }
    }
    disk.reset();
    return 0;
}
