// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include <kaal/core/result.hpp>
#include <kaal/services/fs/fat/boot_sector.hpp>
#include <kaal/services/fs/fat/directory_entry.hpp>
#include <kaal/services/fs/fat/sector_cache.hpp>

// A mounted FAT12/16/32 volume: paths, files and directories over a `BlockDevice`. Freestanding
// (no allocation, no exceptions); the same code runs in the filesystem service on seL4 and in the
// host tests that check it against mkfs.fat, mtools and fsck.fat. Section numbers are those of
// Microsoft's FAT32 File System Specification 1.03 (fatgen103).
//
// Untrusted image: every cluster number is checked against the volume before it is followed, a
// chain is followed at most as far as the volume has clusters, a directory at most 65,536
// entries (6: "a directory may not contain more than 65,536 32-byte entries"), and a file's size
// is checked against the data area. What fails gives corrupt_data and `problem()` says why; the
// volume stays mounted, so other files stay usable.
//
// Crash safety, without a journal (FAT has none): metadata goes through a write-back sector
// cache, but
//   * an operation that frees clusters (unlink, rmdir, rename over a file, truncate down) first
//     writes the entries that stop referring to them, then the FAT, then flushes the device, and
//     no freed cluster is handed out again before that flush: a crash can leave lost clusters
//     (fsck.fat reclaims them) but never a live file whose clusters another file overwrote;
//   * growth writes the FAT (lower on the volume, written first by the cache, which writes back
//     in sector order even when it evicts) before the entry that reaches the new clusters;
//   * data sectors of whole sectors go straight to the device (no copy through the cache, for
//     throughput), partial ones through the cache; with Defer::allowed they may still be in
//     flight when the entry is written, so a crash can leave a grown file ending in the old
//     bytes of its new clusters (Linux's FAT driver has the same window).
// `sync` (fsync) writes everything back and flushes the device: once it returns, a kill or a
// power cut leaves what was written.
namespace kaal::services::fs::fat {

struct Stat {
    std::uint32_t size = 0;
    bool directory = false;
    std::uint8_t attributes = 0;
    FatTimestamp modified{};
    FatTimestamp created{};
};

struct DirEntry {
    std::array<char, max_name_bytes + 1> name{}; // UTF-8, NUL-terminated
    std::size_t name_len = 0;
    Stat stat{};
};

struct VolumeStats {
    FatType type = FatType::fat32;
    std::uint32_t cluster_bytes = 0;
    std::uint32_t clusters = 0;
    std::uint32_t free_clusters = 0;
};

struct OpenMode {
    bool create = false;    // O_CREAT
    bool exclusive = false; // O_EXCL, with create
    bool truncate = false;  // O_TRUNC
    bool directory = false; // O_DIRECTORY: refuse a file
};

using Clock = FatTimestamp (*)(void* context);

// Whether a file's data may still be in flight when a read or write returns (Volume::read).
enum class Defer : std::uint8_t { no, allowed };

template <BlockDevice Device, std::size_t MaxOpen = 32, std::size_t CacheSlots = 16>
class Volume {
public:
    using Handle = std::uint32_t;
    static constexpr std::size_t max_open = MaxOpen;

    explicit Volume(Device& device) : device_(&device), cache_(device) {}
    Volume(const Volume&) = delete;
    Volume& operator=(const Volume&) = delete;

    // Reads and checks the boot sector and the FSInfo sector.
    Status mount() {
        cache_.discard();
        nodes_ = {};
        mounted_ = false;
        KAAL_TRY(const std::uint8_t* bs, cache_.read(0));
        const char* why = "";
        auto geometry = parse_boot_sector(std::span<const std::uint8_t, sector_bytes>{bs, 512},
                                          device_->sector_count(), why);
        if (!geometry) {
            problem_ = why;
            return geometry.error();
        }
        g_ = *geometry;
        // The active FAT is the only copy read or changed; the cache writes it to the others
        // when they are in use (BPB_ExtFlags, 3.1), and reads it ahead: a growing file or a
        // chain walk goes through it in order.
        if (g_.mirrored && g_.fat_count > 1) {
            cache_.mirror(g_.reserved_sectors, g_.fat_sectors, g_.fat_count);
        }
        cache_.read_ahead(active_fat_sector(), g_.fat_sectors);
        free_known_ = false;
        next_free_ = 2;
        if (g_.fsinfo_sector != 0) {
            KAAL_TRY(const std::uint8_t* fi, cache_.read(g_.fsinfo_sector));
            // 5: lead, struct and trail signatures; the counts are hints, believed if plausible.
            if (detail::le32(&fi[0]) == 0x41615252 && detail::le32(&fi[484]) == 0x61417272 &&
                detail::le32(&fi[508]) == 0xaa550000) {
                const std::uint32_t free = detail::le32(&fi[488]);
                const std::uint32_t next = detail::le32(&fi[492]);
                if (free <= g_.cluster_count) {
                    free_clusters_ = free;
                    free_known_ = true;
                }
                if (next >= 2 && next <= g_.max_cluster()) {
                    next_free_ = next;
                }
            }
        }
        mounted_ = true;
        problem_ = "";
        return {};
    }

    [[nodiscard]] const Geometry& geometry() const { return g_; }
    // The device below, for a caller that defers transfers and must hear when they are done.
    [[nodiscard]] Device& device() { return *device_; }
    // Why the last corrupt_data (or a refused mount) happened.
    [[nodiscard]] const char* problem() const { return problem_; }
    void set_clock(Clock clock, void* context) {
        clock_ = clock;
        clock_context_ = context;
    }

    Result<Handle> open(std::string_view path, OpenMode mode) {
        KAAL_CHECK(check_mounted());
        std::string_view leaf;
        KAAL_TRY(const Dir parent, walk_to_parent(path, leaf));
        if (leaf.empty()) { // the root directory itself
            if (mode.create && mode.exclusive) {
                return Error::exists;
            }
            return attach(Location{}, true, root_dir().cluster, 0, 0);
        }
        auto found = find(parent, leaf);
        if (!found && found.error() != Error::not_found) {
            return found.error();
        }
        if (!found) {
            if (!mode.create) {
                return Error::not_found;
            }
            if (mode.directory) {
                return Error::invalid_argument;
            }
            const FatTimestamp now = timestamp();
            KAAL_TRY(const Location loc,
                     create_entry(parent, leaf, attr::archive, 0, 0, now, now, nullptr));
            return attach(loc, false, 0, 0, 0);
        }
        if (mode.create && mode.exclusive) {
            return Error::exists;
        }
        const EntryView e{found->entry.data()};
        if (mode.directory && !e.is_directory()) {
            return Error::not_directory;
        }
        KAAL_CHECK(check_entry(e));
        std::uint32_t contiguous = 0;
        if (!e.is_directory() && e.size() > 0) {
            // Walked once here so a read never follows a chain that loops or ends early.
            KAAL_TRY(const std::uint32_t length, chain_length(entry_cluster(e), &contiguous));
            if (length < clusters_for(e.size())) {
                return corrupt("a file's cluster chain is shorter than its size");
            }
            contiguous = std::min(contiguous, clusters_for(e.size()));
        }
        KAAL_TRY(const Handle h, attach(found->loc, e.is_directory(), entry_cluster(e),
                                        e.is_directory() ? 0 : e.size(), contiguous));
        if (mode.truncate && !e.is_directory()) {
            if (auto s = truncate(h, 0); !s) {
                static_cast<void>(close(h));
                return s.error();
            }
        }
        return h;
    }

    Status close(Handle h) {
        KAAL_TRY(Node * n, node(h));
        if (--n->refs == 0) {
            n->used = false;
        }
        return {};
    }

    // With Defer::allowed, whole sectors of the file that lie in one of the device's windows may
    // still be in flight when these return (DeferringBlockDevice): the caller learns from the
    // device when they are done, and must not touch those bytes before. Everything else (the
    // FAT, directories, the partial sectors at either end) is done before they return, so the
    // next call sees the file as if the transfer were complete.
    Result<std::size_t> read(Handle h, std::uint64_t offset, std::span<std::uint8_t> out,
                             Defer defer = Defer::no) {
        KAAL_TRY(Node * n, node(h));
        if (n->directory) {
            return Error::is_directory;
        }
        if (offset >= n->size || out.empty()) {
            return std::size_t{0};
        }
        const auto len =
            static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), n->size - offset));
        KAAL_CHECK(transfer<true>(*n, static_cast<std::uint32_t>(offset), out.data(), len, defer));
        return len;
    }

    Result<std::size_t> write(Handle h, std::uint64_t offset, std::span<const std::uint8_t> in,
                              Defer defer = Defer::no) {
        KAAL_TRY(Node * n, node(h));
        if (n->directory) {
            return Error::is_directory;
        }
        if (in.empty()) {
            return std::size_t{0};
        }
        // Compared without adding: offset + in.size() wraps round 2^64 for an offset near it,
        // and then passed, and the wrapped end went on to zero-fill up to the offset.
        if (offset > max_file_size || in.size() > max_file_size - offset) {
            return Error::range_error; // EFBIG: a FAT file is at most 4 GiB - 1 (6.2)
        }
        const auto start = static_cast<std::uint32_t>(offset);
        const auto end = static_cast<std::uint32_t>(offset + in.size());
        KAAL_CHECK(grow(*n, start, end));
        // transfer<false> writes only: the pointer is never written through
        KAAL_CHECK(
            transfer<false>(*n, start, const_cast<std::uint8_t*>(in.data()), in.size(), defer));
        n->size = std::max(n->size, end);
        KAAL_CHECK(store_entry(*n, true));
        return in.size();
    }

    Status truncate(Handle h, std::uint64_t size) {
        KAAL_TRY(Node * n, node(h));
        if (n->directory) {
            return Error::is_directory;
        }
        if (size > max_file_size) {
            return Error::range_error;
        }
        const auto new_size = static_cast<std::uint32_t>(size);
        if (new_size >= n->size) {
            KAAL_CHECK(grow(*n, new_size, new_size));
            n->size = new_size;
            return store_entry(*n, true);
        }
        const std::uint32_t keep = clusters_for(new_size);
        std::uint32_t release = 0;
        if (keep == 0) {
            // Refuse a damaged chain before changing anything, as for a tail below: otherwise
            // the entry lost its clusters first and the refusal came after.
            KAAL_CHECK(chain_length(n->first));
            release = n->first;
            n->first = 0;
        } else if (n->first != 0) {
            KAAL_TRY(const std::uint32_t last, cluster_at(*n, keep - 1));
            KAAL_TRY(const std::uint32_t after, next_cluster(last));
            if (after != 0) {
                KAAL_CHECK(chain_length(after)); // refuse a damaged tail before changing anything
                KAAL_CHECK(fat_set(last, eoc()));
                release = after;
            }
        }
        n->size = new_size;
        n->cursor = {};
        n->contiguous = std::min(n->contiguous, keep);
        KAAL_CHECK(store_entry(*n, true));
        return release_chain(release);
    }

    Result<Stat> stat(Handle h) {
        KAAL_TRY(Node * n, node(h));
        if (n->entry.sector == 0) {
            return root_stat();
        }
        KAAL_TRY(const std::uint8_t* e, entry_bytes_at(n->entry));
        Stat s = stat_of(EntryView{e});
        s.size = n->directory ? 0 : n->size;
        return s;
    }

    Result<Stat> stat(std::string_view path) {
        KAAL_CHECK(check_mounted());
        std::string_view leaf;
        KAAL_TRY(const Dir parent, walk_to_parent(path, leaf));
        if (leaf.empty()) {
            return root_stat();
        }
        KAAL_TRY(const Found f, find(parent, leaf));
        const EntryView e{f.entry.data()};
        KAAL_CHECK(check_entry(e));
        return stat_of(e);
    }

    // Directory entries one at a time: `cookie` starts at 0 and is advanced past each entry
    // returned; false at the end. "." and ".." and the volume label are not returned.
    Result<bool> readdir(Handle h, std::uint32_t& cookie, DirEntry& out) {
        KAAL_TRY(Node * n, node(h));
        if (!n->directory) {
            return Error::not_directory;
        }
        const Dir d{n->first};
        bool got = false;
        // The handle's cursor carries the walk of the chain from one call to the next: from
        // the first cluster each time, listing a directory of 65,536 entries (or one whose chain
        // loops, cut off there) followed some 2^27 links, seconds to minutes.
        KAAL_CHECK(scan(d, cookie, n->cursor, [&](const Found& f) {
            const EntryView e{f.entry.data()};
            if (e.is_dot()) {
                return false;
            }
            out.name_len = display_name(f, out.name.data());
            out.name[out.name_len] = '\0';
            out.stat = stat_of(e);
            cookie = f.slot + 1;
            got = true;
            return true;
        }));
        return got;
    }

    Status mkdir(std::string_view path) {
        KAAL_CHECK(check_mounted());
        std::string_view leaf;
        KAAL_TRY(const Dir parent, walk_to_parent(path, leaf));
        if (leaf.empty()) {
            return Error::exists;
        }
        KAAL_CHECK(check_absent(parent, leaf));
        KAAL_TRY(const std::uint32_t c, allocate(next_free_));
        const FatTimestamp now = timestamp();
        auto made = [&]() -> Status {
            KAAL_CHECK(zero_cluster(c));
            KAAL_TRY(std::uint8_t * s, cache_.modify(g_.cluster_sector(c)));
            // 6.7: "." names the directory itself, ".." its parent, 0 for the root.
            fill_short_entry(s, dot_name(1), attr::directory, 0, c, now, now);
            fill_short_entry(s + entry_bytes, dot_name(2), attr::directory, 0,
                             parent.cluster == root_dir().cluster ? 0 : parent.cluster, now, now);
            KAAL_TRY(const Location loc,
                     create_entry(parent, leaf, attr::directory, c, 0, now, now, nullptr));
            static_cast<void>(loc);
            return {};
        }();
        if (!made) {
            static_cast<void>(fat_set(c, 0));
            free_clusters_ += free_known_ ? 1 : 0;
            return made;
        }
        return commit();
    }

    Status rmdir(std::string_view path) {
        KAAL_CHECK(check_mounted());
        std::string_view leaf;
        KAAL_TRY(const Dir parent, walk_to_parent(path, leaf));
        if (leaf.empty()) {
            return Error::busy; // the root cannot be removed
        }
        KAAL_TRY(const Found f, find(parent, leaf));
        const EntryView e{f.entry.data()};
        if (!e.is_directory()) {
            return Error::not_directory;
        }
        if (e.is_dot()) {
            return Error::invalid_argument;
        }
        KAAL_CHECK(check_entry(e));
        if (is_open(f.loc)) {
            return Error::busy;
        }
        KAAL_TRY(const bool empty, directory_empty(Dir{entry_cluster(e)}));
        if (!empty) {
            return Error::not_empty;
        }
        // A chain that loops or leaves the volume is refused before the entry goes, not after
        // (release_chain would refuse it only once the entry was erased and written).
        KAAL_CHECK(chain_length(entry_cluster(e)));
        KAAL_CHECK(erase_entries(parent, f));
        KAAL_CHECK(cache_.write_back());
        return release_chain(entry_cluster(e));
    }

    Status unlink(std::string_view path) {
        KAAL_CHECK(check_mounted());
        std::string_view leaf;
        KAAL_TRY(const Dir parent, walk_to_parent(path, leaf));
        if (leaf.empty()) {
            return Error::is_directory;
        }
        KAAL_TRY(const Found f, find(parent, leaf));
        const EntryView e{f.entry.data()};
        if (e.is_directory()) {
            return Error::is_directory;
        }
        KAAL_CHECK(check_entry(e));
        if (is_open(f.loc)) {
            return Error::busy;
        }
        // As in rmdir: a damaged chain is refused while the entry is still there.
        KAAL_CHECK(chain_length(entry_cluster(e)));
        KAAL_CHECK(erase_entries(parent, f));
        KAAL_CHECK(cache_.write_back());
        return release_chain(entry_cluster(e));
    }

    // POSIX rename: an existing target file (or empty directory, for a directory) is replaced.
    Status rename(std::string_view from, std::string_view to) {
        KAAL_CHECK(check_mounted());
        std::string_view from_leaf;
        std::string_view to_leaf;
        KAAL_TRY(const Dir from_parent, walk_to_parent(from, from_leaf));
        KAAL_TRY(const Dir to_parent, walk_to_parent(to, to_leaf));
        if (from_leaf.empty() || to_leaf.empty()) {
            return Error::busy;
        }
        KAAL_TRY(const Found source, find(from_parent, from_leaf));
        const EntryView se{source.entry.data()};
        if (se.is_dot()) {
            return Error::invalid_argument;
        }
        KAAL_CHECK(check_entry(se));
        const bool moving_dir = se.is_directory();
        if (moving_dir) {
            KAAL_TRY(const bool inside, within(to_parent, entry_cluster(se)));
            if (inside) {
                return Error::invalid_argument; // a directory cannot move into itself
            }
        }
        std::uint32_t release = 0;
        auto target = find(to_parent, to_leaf);
        if (!target && target.error() != Error::not_found) {
            return target.error();
        }
        if (target && !(target->loc == source.loc)) {
            const EntryView te{target->entry.data()};
            KAAL_CHECK(check_entry(te));
            if (te.is_directory() != moving_dir) {
                return te.is_directory() ? Error::is_directory : Error::not_directory;
            }
            if (is_open(target->loc)) {
                return Error::busy;
            }
            if (te.is_directory()) {
                KAAL_TRY(const bool empty, directory_empty(Dir{entry_cluster(te)}));
                if (!empty) {
                    return Error::not_empty;
                }
            }
            // As in unlink: the target's chain is checked before anything changes.
            KAAL_CHECK(chain_length(entry_cluster(te)));
            KAAL_CHECK(erase_entries(to_parent, *target));
            release = entry_cluster(te);
        }
        // The new entry first, then the old one goes: the file is never nameless in memory.
        // Its slots may be the target's, just freed.
        std::array<std::uint8_t, entry_bytes> copy = source.entry;
        KAAL_CHECK(erase_entries(from_parent, source));
        auto loc = create_entry(to_parent, to_leaf, se.attributes(), entry_cluster(se), se.size(),
                                {}, {}, copy.data());
        if (!loc) {
            // Put the old name back: its slots were freed just now, so they are still free.
            static_cast<void>(restore_entries(from_parent, source));
            return loc.error();
        }
        if (moving_dir && !(from_parent.cluster == to_parent.cluster)) {
            KAAL_CHECK(set_dotdot(entry_cluster(se), to_parent));
        }
        for (Node& n : nodes_) {
            if (n.used && n.entry == source.loc) {
                n.entry = *loc;
            }
        }
        KAAL_CHECK(cache_.write_back());
        return release_chain(release);
    }

    Result<VolumeStats> statfs() {
        KAAL_CHECK(check_mounted());
        if (!free_known_) {
            std::uint32_t free = 0;
            for (std::uint32_t c = 2; c <= g_.max_cluster(); ++c) {
                KAAL_TRY(const std::uint32_t v, fat_get(c));
                free += v == 0 ? 1 : 0;
            }
            free_clusters_ = free;
            free_known_ = true;
        }
        return VolumeStats{g_.type, g_.cluster_bytes, g_.cluster_count, free_clusters_};
    }

    // fsync: everything written so far reaches stable storage before this returns.
    Status sync() {
        KAAL_CHECK(check_mounted());
        return commit();
    }

private:
    static constexpr std::uint64_t max_file_size = 0xffff'ffffu;
    static constexpr std::uint32_t max_dir_slots = 65536;

    struct Location {
        std::uint32_t sector = 0; // 0: the root directory, which has no entry
        std::uint32_t index = 0;
        friend bool operator==(const Location&, const Location&) = default;
    };
    struct Dir {
        std::uint32_t cluster = 0; // 0: FAT12/16's fixed root region
    };
    // The `index`-th cluster of a chain is `cluster`: where the last walk ended, so sequential
    // access follows each link once.
    struct Cursor {
        std::uint32_t index = 0;
        std::uint32_t cluster = 0; // 0: no position yet
    };
    struct Node {
        bool used = false;
        bool directory = false;
        std::uint16_t refs = 0;
        Location entry{};
        std::uint32_t first = 0;
        std::uint32_t size = 0;
        Cursor cursor{};
        // Its clusters [0, contiguous) are first, first + 1, ...: found when the chain is walked
        // at open and kept as it grows, so a seek or a run within them reads no FAT (a file
        // written in one go on a fresh volume is contiguous throughout).
        std::uint32_t contiguous = 0;
    };
    struct Found {
        std::uint32_t first_slot = 0; // its first long-name entry, or the short entry
        std::uint32_t slot = 0;       // the short entry
        Location loc{};
        std::array<std::uint8_t, entry_bytes> entry{};
        NameUnits long_name{};
        std::size_t long_len = 0; // 0: no (valid) long name
    };

    [[nodiscard]] Status check_mounted() const {
        return mounted_ ? Status{} : Status{Error::illegal_operation};
    }

    Error corrupt(const char* why) {
        problem_ = why;
        return Error::corrupt_data;
    }

    FatTimestamp timestamp() { return clock_ != nullptr ? clock_(clock_context_) : FatTimestamp{}; }

    [[nodiscard]] Dir root_dir() const {
        return Dir{g_.type == FatType::fat32 ? g_.root_cluster : 0};
    }
    [[nodiscard]] std::uint32_t clusters_for(std::uint32_t bytes) const {
        return static_cast<std::uint32_t>((std::uint64_t{bytes} + g_.cluster_bytes - 1) /
                                          g_.cluster_bytes);
    }
    [[nodiscard]] std::uint32_t eoc() const {
        return g_.type == FatType::fat12 ? 0xfff : g_.type == FatType::fat16 ? 0xffff : 0x0fffffff;
    }
    [[nodiscard]] bool is_eoc(std::uint32_t v) const {
        return v >= (g_.type == FatType::fat12   ? 0xff8u
                     : g_.type == FatType::fat16 ? 0xfff8u
                                                 : 0x0ffffff8u);
    }
    [[nodiscard]] bool valid_cluster(std::uint32_t c) const {
        return c >= 2 && c <= g_.max_cluster();
    }
    [[nodiscard]] std::uint32_t entry_cluster(EntryView e) const {
        const std::uint32_t c = e.first_cluster(g_.type);
        // ".." of a directory in the root says 0; on FAT32 the root is a real cluster chain.
        return e.is_directory() && c == 0 ? root_dir().cluster : c;
    }

    // An entry's fields against the volume before they are used.
    Status check_entry(EntryView e) {
        const std::uint32_t c = e.first_cluster(g_.type);
        if (e.is_directory()) {
            if (c == 0 && !e.is_dot()) {
                return corrupt("a directory entry without a cluster");
            }
            if (c != 0 && !valid_cluster(c)) {
                return corrupt("a directory entry whose cluster is outside the volume");
            }
            return {};
        }
        if (e.size() == 0) {
            return c == 0 || valid_cluster(c)
                       ? Status{}
                       : corrupt("a file entry whose cluster is outside the volume");
        }
        if (!valid_cluster(c)) {
            return corrupt("a file entry whose cluster is outside the volume");
        }
        if (clusters_for(e.size()) > g_.cluster_count) {
            return corrupt("a file entry larger than the volume");
        }
        return {};
    }

    // ---- the FAT ----------------------------------------------------------------------------

    [[nodiscard]] std::uint32_t active_fat_sector() const {
        return g_.reserved_sectors + g_.active_fat * g_.fat_sectors;
    }

    Result<std::uint32_t> fat_get(std::uint32_t c) {
        const std::uint32_t first = active_fat_sector();
        if (g_.type == FatType::fat12) {
            // 4: entry n occupies the 12 bits at byte n + n/2, low nibble first when n is odd.
            const std::uint32_t at = c + c / 2;
            KAAL_TRY(const std::uint8_t* a, cache_.read(first + at / sector_bytes));
            const std::uint8_t lo = a[at % sector_bytes];
            KAAL_TRY(const std::uint8_t* b, cache_.read(first + (at + 1) / sector_bytes));
            const std::uint32_t v = lo | std::uint32_t{b[(at + 1) % sector_bytes]} << 8;
            return (c & 1) != 0 ? v >> 4 : v & 0xfff;
        }
        const std::uint32_t at = c * entry_width();
        KAAL_TRY(const std::uint8_t* s, cache_.read(first + at / sector_bytes));
        return get_entry(&s[at % sector_bytes]);
    }

    // FAT16 and FAT32 entries, which never straddle a sector (FAT12's are read above), at `p` in
    // a sector of the cache. The cache's sectors are aligned, so an entry is one load or store:
    // the components are built with -mstrict-align, under which detail::le32 is four of each,
    // and a growing file reads and writes its entries by the hundred.
    [[nodiscard]] std::uint32_t entry_width() const { return g_.type == FatType::fat16 ? 2 : 4; }
    [[nodiscard]] std::uint32_t get_entry(const std::uint8_t* p) const {
        return g_.type == FatType::fat16 ? entry<std::uint16_t>(p) : entry<std::uint32_t>(p);
    }
    void put_entry(std::uint8_t* p, std::uint32_t v) const {
        if (g_.type == FatType::fat16) {
            set_entry<std::uint16_t>(p, v);
        } else {
            set_entry<std::uint32_t>(p, v);
        }
    }
    // An entry of FAT16 (Entry = std::uint16_t) or FAT32 (std::uint32_t). FAT32 entries are 28
    // bits; the top four are reserved and kept as found (4).
    template <typename Entry>
    static std::uint32_t entry(const std::uint8_t* p) {
        if constexpr (sizeof(Entry) == 4) {
            return load<std::uint32_t>(p) & 0x0fffffff;
        }
        return load<Entry>(p);
    }
    template <typename Entry>
    static void set_entry(std::uint8_t* p, std::uint32_t v) {
        if constexpr (sizeof(Entry) == 4) {
            store(p, (load<std::uint32_t>(p) & 0xf0000000) | (v & 0x0fffffff));
        } else {
            store(p, static_cast<Entry>(v));
        }
    }
    static_assert(std::endian::native == std::endian::little, "FAT is little-endian (4)");
    template <typename T>
    static T load(const std::uint8_t* p) {
        T v{};
        // The builtin, which is one load: -ffreestanding makes std::memcpy a call.
        __builtin_memcpy(&v, __builtin_assume_aligned(p, sizeof(T)), sizeof(T));
        return v;
    }
    template <typename T>
    static void store(std::uint8_t* p, T v) {
        __builtin_memcpy(__builtin_assume_aligned(p, sizeof(T)), &v, sizeof(T));
    }

    // Only the active FAT: the cache writes it to the mirrors (mount).
    Status fat_set(std::uint32_t c, std::uint32_t v) {
        const std::uint32_t first = active_fat_sector();
        if (g_.type == FatType::fat12) {
            const std::uint32_t at = c + c / 2;
            KAAL_TRY(std::uint8_t * a, cache_.modify(first + at / sector_bytes));
            std::uint8_t& lo = a[at % sector_bytes];
            lo = (c & 1) != 0 ? static_cast<std::uint8_t>((lo & 0x0f) | (v << 4 & 0xf0))
                              : static_cast<std::uint8_t>(v);
            KAAL_TRY(std::uint8_t * b, cache_.modify(first + (at + 1) / sector_bytes));
            std::uint8_t& hi = b[(at + 1) % sector_bytes];
            hi = (c & 1) != 0 ? static_cast<std::uint8_t>(v >> 4)
                              : static_cast<std::uint8_t>((hi & 0xf0) | (v >> 8 & 0x0f));
            return {};
        }
        const std::uint32_t at = c * entry_width();
        KAAL_TRY(std::uint8_t * s, cache_.modify(first + at / sector_bytes));
        put_entry(&s[at % sector_bytes], v);
        return {};
    }

    // Up to `want` consecutive free clusters from `c` (free itself) made one chain that ends
    // at the last of them, in one pass over the FAT: each sector's entries are tested and
    // linked together, with one cache lookup per sector. A growing file takes clusters by the
    // hundred, so this loop is most of what an allocating write costs the service. Returns how
    // many it took; the run ends at the first cluster in use.
    Result<std::uint32_t> claim_run(std::uint32_t c, std::uint32_t want) {
        switch (g_.type) {
        case FatType::fat16: return claim_run<std::uint16_t>(c, want);
        case FatType::fat32: return claim_run<std::uint32_t>(c, want);
        default: // FAT12's entries straddle bytes and sectors: one at a time, as fat_set does
            KAAL_CHECK(fat_set(c, eoc()));
            return std::uint32_t{1};
        }
    }
    template <typename Entry>
    Result<std::uint32_t> claim_run(std::uint32_t c, std::uint32_t want) {
        constexpr std::uint32_t per_sector = sector_bytes / sizeof(Entry);
        want = std::min(want, g_.max_cluster() - c + 1);
        std::uint32_t run = 0;
        while (run < want) {
            const std::uint32_t e = c + run;
            const std::uint32_t sector = active_fat_sector() + e / per_sector;
            const std::uint32_t at = e % per_sector * sizeof(Entry);
            // Looked at before it is changed: a sector whose first entry is in use ends the
            // run and is not written back for nothing.
            KAAL_TRY(const std::uint8_t* seen, cache_.read(sector));
            if (run != 0 && entry<Entry>(&seen[at]) != 0) {
                break;
            }
            KAAL_TRY(std::uint8_t * s, cache_.modify(sector)); // the same slot, found first
            const std::uint32_t n = std::min(per_sector - e % per_sector, want - run);
            const std::uint32_t linked = link_free<Entry>(&s[at], e, n);
            run += linked;
            if (linked < n) {
                break;
            }
        }
        // The last entry linked names the cluster after the run: it ends the chain instead.
        KAAL_CHECK(fat_set(c + run - 1, eoc()));
        return run;
    }
    // Links entries [e, e + n) at `p` (in one sector), each to the next cluster, up to the first
    // one in use; returns how many. FAT32 entries are tested and linked four at a time with
    // 8-byte accesses where they are 8-byte aligned (the cache's sectors are, so entry e is when
    // e is even), their reserved top bits kept (4).
    template <typename Entry>
    static std::uint32_t link_free(std::uint8_t* p, std::uint32_t e, std::uint32_t n) {
        std::uint32_t k = 0;
        if constexpr (sizeof(Entry) == 4) {
            constexpr std::uint64_t value_bits = 0x0fffffff'0fffffff;
            constexpr std::uint64_t step = 0x2'0000'0002; // both halves of a pair, by 2
            if (e % 2 != 0 && n != 0) {
                if (entry<Entry>(p) != 0) {
                    return 0;
                }
                set_entry<Entry>(p, e + 1);
                k = 1;
            }
            std::uint64_t next = std::uint64_t{e + k + 2} << 32 | (e + k + 1);
            for (std::uint8_t* q = p + k * sizeof(Entry); k + 4 <= n;
                 k += 4, q += 16, next += 2 * step) {
                const std::uint64_t a = load<std::uint64_t>(q);
                const std::uint64_t b = load<std::uint64_t>(q + 8);
                if (((a | b) & value_bits) != 0) {
                    break; // the entries below find which one is in use
                }
                store(q, (a & ~value_bits) | next);
                store(q + 8, (b & ~value_bits) | (next + step));
            }
        }
        for (; k < n; ++k) {
            std::uint8_t* q = p + k * sizeof(Entry);
            if (entry<Entry>(q) != 0) { // free, whatever its top bits
                break;
            }
            set_entry<Entry>(q, e + k + 1);
        }
        return k;
    }

    // The cluster after `c` in its chain; 0 at the end. A link to a free, reserved or bad
    // cluster, or outside the volume, is corrupt.
    Result<std::uint32_t> next_cluster(std::uint32_t c) {
        KAAL_TRY(const std::uint32_t v, fat_get(c));
        if (is_eoc(v)) {
            return std::uint32_t{0};
        }
        if (!valid_cluster(v)) {
            return corrupt(v == 0 ? "a cluster chain runs into a free cluster"
                                  : "a cluster chain points outside the volume");
        }
        return v;
    }

    // The number of clusters in the chain from `first`; a chain longer than the volume loops.
    // `contiguous`: how many of its first clusters are consecutive.
    Result<std::uint32_t> chain_length(std::uint32_t first, std::uint32_t* contiguous = nullptr) {
        std::uint32_t n = 0;
        bool consecutive = true;
        for (std::uint32_t c = first; c != 0;) {
            if (++n > g_.cluster_count) {
                return corrupt("a cluster chain loops");
            }
            consecutive = consecutive && c == first + n - 1;
            if (consecutive && contiguous != nullptr) {
                *contiguous = n;
            }
            KAAL_TRY(c, next_cluster(c));
        }
        return n;
    }

    // The `index`-th cluster of the chain from `first`, from `cursor` when it is not past it;
    // 0 if the chain is shorter.
    Result<std::uint32_t> chain_at(std::uint32_t first, Cursor& cursor, std::uint32_t index) {
        if (cursor.cluster == 0 || cursor.index > index) {
            cursor = {0, first};
        }
        if (index >= g_.cluster_count) {
            return corrupt("a cluster chain longer than the volume");
        }
        while (cursor.index < index) {
            KAAL_TRY(const std::uint32_t next, next_cluster(cursor.cluster));
            if (next == 0) {
                return std::uint32_t{0};
            }
            cursor = {cursor.index + 1, next};
        }
        return cursor.cluster;
    }

    // A file's `index`-th cluster, which its size says must exist.
    Result<std::uint32_t> cluster_at(Node& n, std::uint32_t index) {
        if (n.first == 0) {
            return corrupt("a file with data but no cluster");
        }
        if (index < n.contiguous) {
            n.cursor = {index, n.first + index};
            return n.cursor.cluster;
        }
        KAAL_TRY(const std::uint32_t c, chain_at(n.first, n.cursor, index));
        if (c == 0) {
            return corrupt("a file's cluster chain is shorter than its size");
        }
        return c;
    }

    struct Run {
        std::uint32_t first = 0;
        std::uint32_t count = 0;
    };

    // Up to `want` consecutive free clusters, made one chain that ends there; the search starts
    // at `near` so a growing file stays contiguous, and a run is cut short by the first cluster
    // in use after it (the caller asks again for the rest).
    Result<Run> allocate_run(std::uint32_t near, std::uint32_t want) {
        if (free_known_ && free_clusters_ == 0) {
            return Error::volume_full;
        }
        const std::uint32_t span = g_.cluster_count;
        const std::uint32_t start = valid_cluster(near) ? near : 2;
        for (std::uint32_t i = 0; i < span; ++i) {
            const std::uint32_t c = 2 + (start - 2 + i) % span;
            KAAL_TRY(const std::uint32_t v, fat_get(c));
            if (v == 0) {
                KAAL_TRY(const std::uint32_t count,
                         claim_run(c, free_known_ ? std::min(want, free_clusters_) : want));
                if (free_known_) {
                    free_clusters_ -= count;
                }
                next_free_ = c + count <= g_.max_cluster() ? c + count : 2;
                return Run{c, count};
            }
        }
        free_known_ = true;
        free_clusters_ = 0;
        return Error::volume_full;
    }

    // One free cluster, marked end-of-chain.
    Result<std::uint32_t> allocate(std::uint32_t near) {
        KAAL_TRY(const Run r, allocate_run(near, 1));
        return r.first;
    }

    // Frees a chain: its references are already gone from the directory (see the top), so the
    // FAT is written now and flushed before any of it can be handed out again.
    Status release_chain(std::uint32_t first) {
        if (first == 0) {
            return commit();
        }
        KAAL_TRY(const std::uint32_t length, chain_length(first));
        std::uint32_t c = first;
        for (std::uint32_t i = 0; i < length; ++i) {
            KAAL_TRY(const std::uint32_t next, next_cluster(c));
            KAAL_CHECK(fat_set(c, 0));
            if (free_known_) {
                ++free_clusters_;
            }
            c = next;
        }
        return commit();
    }

    Status zero_cluster(std::uint32_t c) {
        for (std::uint32_t s = 0; s < g_.sectors_per_cluster; ++s) {
            KAAL_TRY(std::uint8_t * p, cache_.overwrite(g_.cluster_sector(c) + s));
            static_cast<void>(p); // overwrite() hands out a zeroed sector
        }
        return {};
    }

    Status commit() {
        if (g_.fsinfo_sector != 0 && free_known_) {
            KAAL_TRY(const std::uint8_t* fi, cache_.read(g_.fsinfo_sector));
            if (detail::le32(&fi[0]) == 0x41615252 && detail::le32(&fi[484]) == 0x61417272) {
                KAAL_TRY(std::uint8_t * w, cache_.modify(g_.fsinfo_sector));
                detail::put32(&w[488], free_clusters_);
                detail::put32(&w[492], next_free_);
            }
        }
        KAAL_CHECK(cache_.write_back());
        return device_->flush();
    }

    // ---- file data --------------------------------------------------------------------------

    // Makes a file's chain cover `end` bytes and zeroes [size, start): a gap a write past the
    // end leaves, and the old bytes of clusters reused. All or nothing: a full volume leaves the
    // file as it was.
    Status grow(Node& n, std::uint32_t start, std::uint32_t end) {
        const std::uint32_t have = clusters_for(n.size);
        const std::uint32_t need = clusters_for(end);
        if (need > have) {
            std::uint32_t tail = 0;
            if (have > 0) {
                KAAL_TRY(tail, cluster_at(n, have - 1));
            }
            const std::uint32_t old_tail = tail;
            std::uint32_t first_new = 0;
            for (std::uint32_t i = have; i < need;) {
                auto c = allocate_run(tail != 0 ? tail + 1 : next_free_, need - i);
                if (!c) {
                    // Give back what this call took; the old tail ends the chain again.
                    n.contiguous = std::min(n.contiguous, have);
                    if (old_tail != 0) {
                        KAAL_CHECK(fat_set(old_tail, eoc()));
                    }
                    if (first_new != 0) {
                        KAAL_CHECK(release_new(first_new));
                    }
                    return c.error();
                }
                if (tail != 0) {
                    KAAL_CHECK(fat_set(tail, c->first));
                }
                if (first_new == 0) {
                    first_new = c->first;
                }
                tail = c->first + c->count - 1;
                // A new run extends the consecutive prefix if it follows on from it.
                const std::uint32_t base = have == 0 ? first_new : n.first;
                if (n.contiguous == i && c->first == base + i) {
                    n.contiguous += c->count;
                }
                i += c->count;
            }
            // A file with no data owns no clusters, even when its entry names one (a size of 0
            // with a start cluster, which fsck.fat reports): the new chain replaces it. Keeping
            // the named cluster wrote into clusters this file never allocated (another file's,
            // or free ones) and left the new chain unreachable.
            if (have == 0) {
                n.first = first_new;
                n.cursor = {};
            }
        }
        if (start > n.size) {
            KAAL_CHECK(transfer<false>(n, n.size, nullptr, start - n.size));
        }
        return {};
    }

    // Frees clusters a failed grow just took: nothing refers to them on disk yet.
    Status release_new(std::uint32_t first) {
        for (std::uint32_t c = first; c != 0;) {
            KAAL_TRY(const std::uint32_t next, next_cluster(c));
            KAAL_CHECK(fat_set(c, 0));
            if (free_known_) {
                ++free_clusters_;
            }
            c = next;
        }
        return {};
    }

    // Moves `len` bytes between `data` and the file from `offset`; a null `data` writes zeroes.
    // Runs of physically contiguous clusters become one device request.
    template <bool Read>
    Status transfer(Node& n, std::uint32_t offset, std::uint8_t* data, std::size_t len,
                    Defer defer = Defer::no) {
        static constexpr std::array<std::uint8_t, 4096> zeroes{};
        while (len > 0) {
            KAAL_TRY(const std::uint32_t c, cluster_at(n, offset / g_.cluster_bytes));
            const std::uint32_t in_cluster = offset % g_.cluster_bytes;
            const std::uint32_t lba = g_.cluster_sector(c) + in_cluster / sector_bytes;
            const std::uint32_t in_sector = offset % sector_bytes;
            std::size_t step = 0;
            if (in_sector != 0 || len < sector_bytes) {
                step = std::min<std::size_t>(len, sector_bytes - in_sector);
                if constexpr (Read) {
                    KAAL_TRY(const std::uint8_t* s, cache_.read(lba));
                    std::memcpy(data, s + in_sector, step);
                } else {
                    KAAL_TRY(std::uint8_t * s, cache_.modify(lba));
                    if (data != nullptr) {
                        std::memcpy(s + in_sector, data, step);
                    } else {
                        std::memset(s + in_sector, 0, step);
                    }
                }
            } else {
                // Whole sectors, as far as the clusters stay contiguous.
                const std::uint32_t wanted = clusters_for(static_cast<std::uint32_t>(
                    std::min<std::uint64_t>(len + in_cluster, max_file_size)));
                const std::uint32_t index = offset / g_.cluster_bytes;
                std::uint32_t run = index + wanted <= n.contiguous ? wanted : 1;
                Cursor probe = n.cursor;
                while (run < wanted) {
                    KAAL_TRY(const std::uint32_t next, next_cluster(probe.cluster));
                    if (next != probe.cluster + 1) {
                        break;
                    }
                    probe = {probe.index + 1, next};
                    ++run;
                }
                const std::size_t room = std::size_t{run} * g_.cluster_bytes -
                                         std::size_t{in_cluster / sector_bytes} * sector_bytes;
                std::size_t whole = std::min(len, room) / sector_bytes * sector_bytes;
                if (data == nullptr) {
                    whole = std::min(whole, zeroes.size());
                }
                step = whole;
                if constexpr (Read) {
                    const std::span<std::uint8_t> out{data, whole};
                    // A changed sector in the cache must be laid over what the disk returns,
                    // which cannot wait for a deferred read.
                    KAAL_TRY(const bool started,
                             start_read(lba, out,
                                        cache_.changed_in(lba, whole / sector_bytes) ? Defer::no
                                                                                     : defer));
                    if (!started) {
                        KAAL_CHECK(device_->read(lba, out));
                        cache_.overlay(lba, out);
                    }
                } else {
                    cache_.forget(lba, whole / sector_bytes);
                    const std::span<const std::uint8_t> in{data != nullptr ? data : zeroes.data(),
                                                           whole};
                    KAAL_TRY(const bool started, start_write(lba, in, defer));
                    if (!started) {
                        KAAL_CHECK(device_->write(lba, in));
                    }
                }
            }
            offset += static_cast<std::uint32_t>(step);
            if (data != nullptr) {
                data += step;
            }
            len -= step;
        }
        return {};
    }

    // Whole sectors left in flight, if `defer` allows and the device can: true if they were.
    Result<bool> start_read(std::uint64_t lba, std::span<std::uint8_t> out, Defer defer) {
        if constexpr (DeferringBlockDevice<Device>) {
            if (defer == Defer::allowed) {
                return device_->start_read(lba, out);
            }
        }
        return false;
    }
    Result<bool> start_write(std::uint64_t lba, std::span<const std::uint8_t> in, Defer defer) {
        if constexpr (DeferringBlockDevice<Device>) {
            if (defer == Defer::allowed) {
                return device_->start_write(lba, in);
            }
        }
        return false;
    }

    // ---- directories ------------------------------------------------------------------------

    // The sector that holds `slot` of a directory; 0 past its end.
    Result<std::uint32_t> slot_sector(Dir d, std::uint32_t slot, Cursor& cursor) {
        if (slot >= max_dir_slots) {
            return std::uint32_t{0};
        }
        if (d.cluster == 0) {
            const std::uint32_t sector = slot / entries_per_sector;
            return sector < g_.root_sectors ? g_.root_first_sector + sector : 0;
        }
        const std::uint32_t per_cluster = entries_per_sector * g_.sectors_per_cluster;
        KAAL_TRY(const std::uint32_t c, chain_at(d.cluster, cursor, slot / per_cluster));
        if (c == 0) {
            return std::uint32_t{0};
        }
        return g_.cluster_sector(c) + (slot % per_cluster) / entries_per_sector;
    }

    Result<const std::uint8_t*> entry_bytes_at(Location loc) {
        KAAL_TRY(const std::uint8_t* s, cache_.read(loc.sector));
        return s + loc.index * entry_bytes;
    }

    // Calls `visit(found)` for each entry from `start` until it returns true or the directory
    // ends. A long name is kept only if its entries are in order and their checksum matches the
    // short entry that follows (7.2); otherwise the short name stands alone.
    template <typename Visit>
    Status scan(Dir d, std::uint32_t start, Visit&& visit) {
        Cursor cursor{};
        return scan(d, start, cursor, visit);
    }

    // The same from where `cursor` (of this directory's chain) stands.
    template <typename Visit>
    Status scan(Dir d, std::uint32_t start, Cursor& cursor, Visit&& visit) {
        Found f{};
        std::uint32_t expect = 0; // the next long entry's ordinal; 0: none in progress
        std::uint8_t checksum = 0;
        for (std::uint32_t slot = start;; ++slot) {
            KAAL_TRY(const std::uint32_t sector, slot_sector(d, slot, cursor));
            if (sector == 0) {
                return {};
            }
            KAAL_TRY(const std::uint8_t* s, cache_.read(sector));
            const std::uint8_t* e = s + (slot % entries_per_sector) * entry_bytes;
            if (e[0] == entry_end) {
                return {};
            }
            if (e[0] == entry_free) {
                expect = 0;
                continue;
            }
            const EntryView v{e};
            if (v.is_long_name()) {
                const std::uint32_t ord = e[0] & 0x3f;
                if ((e[0] & lfn_last) != 0 && ord >= 1 && ord <= 20) {
                    expect = ord;
                    checksum = e[13];
                    f.first_slot = slot;
                    f.long_len = 0;
                    f.long_name.fill(0);
                } else if (expect == 0 || ord != expect || e[13] != checksum) {
                    expect = 0;
                    continue;
                }
                std::array<std::uint16_t, lfn_units_per_entry> units{};
                const std::size_t at = (ord - 1) * lfn_units_per_entry;
                // The 20th entry holds units 247..259, of which a name may have 255 (7.1): an
                // image that fills all 13 would write past `long_name`.
                const std::size_t n =
                    std::min(get_long_entry(e, units.data()), max_name_units - at);
                std::copy_n(units.begin(), n,
                            f.long_name.begin() + static_cast<std::ptrdiff_t>(at));
                if ((e[0] & lfn_last) != 0) {
                    f.long_len = std::min(at + n, max_name_units);
                }
                expect = ord - 1;
                if (expect == 0) {
                    expect = 0xff; // all seen: the short entry comes next
                }
                continue;
            }
            if (v.is_volume_label()) {
                expect = 0;
                continue;
            }
            const bool named = expect == 0xff && lfn_checksum(e) == checksum;
            if (!named) {
                f.first_slot = slot;
                f.long_len = 0;
            }
            expect = 0;
            f.slot = slot;
            f.loc = Location{sector, slot % entries_per_sector};
            std::memcpy(f.entry.data(), e, entry_bytes);
            if (visit(static_cast<const Found&>(f))) {
                return {};
            }
        }
    }

    std::size_t display_name(const Found& f, char* out) const {
        if (f.long_len != 0) {
            return units_to_utf8(f.long_name.data(), f.long_len, out);
        }
        return short_name_text(f.entry.data(), f.entry[12], out);
    }

    static bool same_name(const Found& f, const NameUnits& q, std::size_t qn) {
        if (f.long_len == qn) {
            bool equal = true;
            for (std::size_t i = 0; i < qn && equal; ++i) {
                equal = unit_upper(f.long_name[i]) == unit_upper(q[i]);
            }
            if (equal) {
                return true;
            }
        }
        std::array<char, 13> text{};
        const std::size_t n = short_name_text(f.entry.data(), 0, text.data());
        if (n != qn) {
            return false;
        }
        // Both sides upper-cased: a short entry written with lower-case bytes (6.1 forbids
        // them, images have them) is listed by readdir under those bytes, and must be found by
        // that name, or every lookup of it scanned the whole directory and failed.
        for (std::size_t i = 0; i < n; ++i) {
            if (unit_upper(static_cast<std::uint16_t>(static_cast<unsigned char>(text[i]))) !=
                unit_upper(q[i])) {
                return false;
            }
        }
        return true;
    }

    Result<Found> find(Dir d, std::string_view name) {
        NameUnits q{};
        const std::size_t qn = utf8_to_units(name, q);
        if (qn == 0) {
            return Error::bad_name;
        }
        Found hit{};
        bool got = false;
        KAAL_CHECK(scan(d, 0, [&](const Found& f) {
            if (same_name(f, q, qn)) {
                hit = f;
                got = true;
            }
            return got;
        }));
        if (!got) {
            return Error::not_found;
        }
        return hit;
    }

    Status check_absent(Dir d, std::string_view name) {
        auto f = find(d, name);
        if (f) {
            return Error::exists;
        }
        return f.error() == Error::not_found ? Status{} : Status{f.error()};
    }

    // Walks every component of `path` but the last, which is returned in `leaf` (empty for the
    // root itself); each one walked must be a directory.
    Result<Dir> walk_to_parent(std::string_view path, std::string_view& leaf) {
        Dir d = root_dir();
        leaf = {};
        while (!path.empty()) {
            const std::size_t skip = path.find_first_not_of('/');
            if (skip == std::string_view::npos) {
                break;
            }
            path.remove_prefix(skip);
            const std::size_t end = path.find('/');
            const std::string_view part = slice(path, 0, end);
            path.remove_prefix(end == std::string_view::npos ? path.size() : end);
            if (part.size() > max_name_bytes) {
                return Error::bad_name;
            }
            if (!leaf.empty()) {
                KAAL_TRY(d, descend(d, leaf));
            }
            leaf = part;
        }
        if (leaf == "." || leaf == "..") {
            KAAL_TRY(d, descend(d, leaf));
            leaf = {};
            if (d.cluster != root_dir().cluster) {
                return Error::invalid_argument; // "a/.." names a directory by a path it can't be
            }                                   // created or removed at
        }
        return d;
    }

    Result<Dir> descend(Dir d, std::string_view name) {
        if (d.cluster == root_dir().cluster && (name == "." || name == "..")) {
            return d; // the root has no "." or ".." entries (6.7)
        }
        KAAL_TRY(const Found f, find(d, name));
        const EntryView e{f.entry.data()};
        if (!e.is_directory()) {
            return Error::not_directory;
        }
        KAAL_CHECK(check_entry(e));
        return Dir{entry_cluster(e)};
    }

    // Is directory `d` the directory at `cluster`, or inside it? Follows ".." up to the root.
    Result<bool> within(Dir d, std::uint32_t cluster) {
        for (std::uint32_t depth = 0; depth < g_.cluster_count; ++depth) {
            if (d.cluster == cluster) {
                return true;
            }
            if (d.cluster == root_dir().cluster) {
                return false;
            }
            KAAL_TRY(d, descend(d, ".."));
        }
        return corrupt("the \"..\" entries form a loop");
    }

    Result<bool> directory_empty(Dir d) {
        bool empty = true;
        KAAL_CHECK(scan(d, 0, [&](const Found& f) {
            empty = EntryView{f.entry.data()}.is_dot();
            return !empty;
        }));
        return empty;
    }

    static ShortName dot_name(int dots) {
        ShortName s{};
        s.fill(' ');
        for (int i = 0; i < dots; ++i) {
            s[static_cast<std::size_t>(i)] = '.';
        }
        return s;
    }

    static void fill_short_entry(std::uint8_t* e, const ShortName& name, std::uint8_t attributes,
                                 std::uint8_t case_bits, std::uint32_t cluster,
                                 FatTimestamp created, FatTimestamp modified) {
        std::memset(e, 0, entry_bytes);
        std::memcpy(e, name.data(), name.size());
        e[11] = attributes;
        e[12] = case_bits;
        detail::put16(&e[14], created.time);
        detail::put16(&e[16], created.date);
        detail::put16(&e[18], modified.date); // last access date
        set_first_cluster(e, cluster);
        detail::put16(&e[22], modified.time);
        detail::put16(&e[24], modified.date);
    }

    // A short name for `name` no entry of `d` has.
    Result<ShortName> unique_short_name(Dir d, std::string_view name) {
        for (std::uint32_t n = 1; n < 1'000'000; ++n) {
            const ShortName candidate = short_name_with_tail(name, n);
            bool taken = false;
            KAAL_CHECK(scan(d, 0, [&](const Found& f) {
                taken = std::memcmp(f.entry.data(), candidate.data(), candidate.size()) == 0;
                return taken;
            }));
            if (!taken) {
                return candidate;
            }
        }
        return Error::volume_full;
    }

    // `count` consecutive free slots in `d`, growing it by a zeroed cluster when it has none.
    Result<std::uint32_t> free_slots(Dir d, std::uint32_t count) {
        Cursor cursor{};
        std::uint32_t run = 0;
        std::uint32_t slot = 0;
        for (;; ++slot) {
            KAAL_TRY(const std::uint32_t sector, slot_sector(d, slot, cursor));
            if (sector == 0) {
                break;
            }
            KAAL_TRY(const std::uint8_t* s, cache_.read(sector));
            const std::uint8_t first = s[(slot % entries_per_sector) * entry_bytes];
            if (first == entry_end) {
                // Every later slot is free too (6.1), as far as the directory reaches.
                run += 1;
                if (run == count) {
                    return slot + 1 - count;
                }
                continue;
            }
            run = first == entry_free ? run + 1 : 0;
            if (run == count) {
                return slot + 1 - count;
            }
        }
        if (d.cluster == 0) {
            return Error::volume_full; // FAT12/16's root has a fixed size
        }
        // Grow by zeroed clusters (all "end" entries) until the free run at the end is long
        // enough: one cluster of a single sector holds 16 entries, a long name takes up to 21.
        const std::uint32_t per_cluster = entries_per_sector * g_.sectors_per_cluster;
        const std::uint32_t start = slot - run;
        for (std::uint32_t end = slot; end - start < count; end += per_cluster) {
            if (end + per_cluster > max_dir_slots) {
                return Error::volume_full; // 6: at most 65,536 entries
            }
            KAAL_TRY(const std::uint32_t last,
                     chain_at(d.cluster, cursor, (end - 1) / per_cluster));
            if (last == 0) {
                return corrupt("a directory's cluster chain changed while growing it");
            }
            KAAL_TRY(const std::uint32_t c, allocate(last + 1));
            if (auto z = zero_cluster(c); !z) {
                static_cast<void>(fat_set(c, 0));
                return z.error();
            }
            KAAL_CHECK(fat_set(last, c));
        }
        return start;
    }

    // Writes the entries for `name` in `d`: long-name entries when the short entry cannot hold
    // it, then the short entry, copied from `like` (a rename) or made from the other arguments.
    Result<Location> create_entry(Dir d, std::string_view name, std::uint8_t attributes,
                                  std::uint32_t cluster, std::uint32_t size, FatTimestamp created,
                                  FatTimestamp modified, const std::uint8_t* like) {
        NameUnits units{};
        const std::size_t n = utf8_to_units(name, units);
        if (n == 0 || !valid_long_name(units.data(), n)) {
            return Error::bad_name;
        }
        KAAL_CHECK(check_absent(d, name));
        ShortName short_name{};
        std::uint8_t case_bits = 0;
        const bool short_only = fits_short_name(name, short_name, case_bits);
        if (!short_only) {
            KAAL_TRY(short_name, unique_short_name(d, name));
        }
        const std::uint32_t long_entries =
            short_only
                ? 0
                : static_cast<std::uint32_t>((n + lfn_units_per_entry - 1) / lfn_units_per_entry);
        KAAL_TRY(const std::uint32_t first, free_slots(d, long_entries + 1));
        const std::uint8_t checksum = lfn_checksum(short_name.data());
        Cursor cursor{};
        // Slots past the directory's "end" entry are free whatever they hold (6.1): when the
        // new entries take the end slot, the slot after them becomes the end, or what lies
        // there would appear as entries.
        KAAL_TRY(const std::uint32_t last_sector, slot_sector(d, first + long_entries, cursor));
        KAAL_TRY(const std::uint8_t* ls, cache_.read(last_sector));
        if (ls[((first + long_entries) % entries_per_sector) * entry_bytes] == entry_end) {
            KAAL_TRY(const std::uint32_t next, slot_sector(d, first + long_entries + 1, cursor));
            if (next != 0) {
                KAAL_TRY(std::uint8_t * ns, cache_.modify(next));
                ns[((first + long_entries + 1) % entries_per_sector) * entry_bytes] = entry_end;
            }
        }
        for (std::uint32_t i = 0; i <= long_entries; ++i) {
            KAAL_TRY(const std::uint32_t sector, slot_sector(d, first + i, cursor));
            KAAL_TRY(std::uint8_t * s, cache_.modify(sector));
            std::uint8_t* e = s + ((first + i) % entries_per_sector) * entry_bytes;
            if (i < long_entries) {
                const std::uint32_t ord = long_entries - i;
                put_long_entry(e, units.data(), n, ord, i == 0, checksum);
                continue;
            }
            if (like != nullptr) {
                std::memcpy(e, like, entry_bytes);
                std::memcpy(e, short_name.data(), short_name.size());
                e[12] = case_bits;
            } else {
                fill_short_entry(e, short_name, attributes, case_bits, cluster, created, modified);
                detail::put32(&e[28], size);
            }
            return Location{sector, (first + i) % entries_per_sector};
        }
        return Error::invalid_argument; // not reached: the loop returns at the short entry
    }

    // Marks the entries of `f` free (its long-name entries too).
    Status erase_entries(Dir d, const Found& f) { return mark_entries(d, f, false); }
    Status restore_entries(Dir d, const Found& f) { return mark_entries(d, f, true); }

    Status mark_entries(Dir d, const Found& f, bool restore) {
        Cursor cursor{};
        for (std::uint32_t slot = f.first_slot; slot <= f.slot; ++slot) {
            KAAL_TRY(const std::uint32_t sector, slot_sector(d, slot, cursor));
            if (sector == 0) {
                return corrupt("a directory entry moved while in use");
            }
            KAAL_TRY(std::uint8_t * s, cache_.modify(sector));
            std::uint8_t* e = s + (slot % entries_per_sector) * entry_bytes;
            if (!restore) {
                e[0] = entry_free;
            } else if (slot == f.slot) {
                e[0] = f.entry[0];
            } else {
                // A long entry's first byte is its ordinal: the first one carries the last flag.
                const std::uint32_t ord = f.slot - slot;
                e[0] = static_cast<std::uint8_t>(ord | (slot == f.first_slot ? lfn_last : 0));
            }
        }
        return {};
    }

    Status set_dotdot(std::uint32_t dir_cluster, Dir parent) {
        KAAL_TRY(std::uint8_t * s, cache_.modify(g_.cluster_sector(dir_cluster)));
        std::uint8_t* e = s + entry_bytes;
        if (e[0] != '.' || e[1] != '.') {
            return corrupt("a directory without a \"..\" entry");
        }
        set_first_cluster(e, parent.cluster == root_dir().cluster ? 0 : parent.cluster);
        return {};
    }

    [[nodiscard]] Stat stat_of(EntryView e) const {
        Stat s{};
        s.directory = e.is_directory();
        s.size = s.directory ? 0 : e.size();
        s.attributes = e.attributes();
        s.created = {detail::le16(&e.e[16]), detail::le16(&e.e[14])};
        s.modified = {detail::le16(&e.e[24]), detail::le16(&e.e[22])};
        return s;
    }

    [[nodiscard]] static Stat root_stat() {
        Stat s{};
        s.directory = true;
        s.attributes = attr::directory;
        return s;
    }

    // Writes a file's size and first cluster back into its entry (in the cache).
    Status store_entry(Node& n, bool modified) {
        KAAL_TRY(std::uint8_t * s, cache_.modify(n.entry.sector));
        std::uint8_t* e = s + n.entry.index * entry_bytes;
        set_first_cluster(e, n.first);
        detail::put32(&e[28], n.size);
        if (modified) {
            const FatTimestamp now = timestamp();
            e[11] = static_cast<std::uint8_t>(e[11] | attr::archive);
            detail::put16(&e[22], now.time);
            detail::put16(&e[24], now.date);
            detail::put16(&e[18], now.date);
        }
        return {};
    }

    // ---- open files -------------------------------------------------------------------------

    Result<Handle> attach(Location loc, bool directory, std::uint32_t first, std::uint32_t size,
                          std::uint32_t contiguous) {
        Node* free_node = nullptr;
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            Node& n = nodes_[i];
            if (n.used && n.entry == loc) {
                if (n.refs == 0xffff) {
                    return Error::out_of_slots;
                }
                ++n.refs;
                return static_cast<Handle>(i);
            }
            if (!n.used && free_node == nullptr) {
                free_node = &n;
            }
        }
        if (free_node == nullptr) {
            return Error::out_of_slots;
        }
        *free_node = Node{true, directory, 1, loc, first, size, {}, contiguous};
        return static_cast<Handle>(free_node - nodes_.data());
    }

    Result<Node*> node(Handle h) {
        if (h >= nodes_.size() || !nodes_[h].used) {
            return Error::invalid_argument;
        }
        return &nodes_[h];
    }

    [[nodiscard]] bool is_open(Location loc) const {
        for (const Node& n : nodes_) {
            if (n.used && n.entry == loc) {
                return true;
            }
        }
        return false;
    }

    Device* device_;
    SectorCache<Device, CacheSlots> cache_;
    Geometry g_{};
    std::array<Node, MaxOpen> nodes_{};
    bool mounted_ = false;
    bool free_known_ = false;
    std::uint32_t free_clusters_ = 0;
    std::uint32_t next_free_ = 2;
    const char* problem_ = "";
    Clock clock_ = nullptr;
    void* clock_context_ = nullptr;
};

} // namespace kaal::services::fs::fat
