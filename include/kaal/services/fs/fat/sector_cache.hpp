// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <kaal/core/copy_bytes.hpp>
#include <kaal/core/result.hpp>
#include <kaal/services/fs/fat/boot_sector.hpp>

namespace kaal::services::fs::fat {

// What the FAT library needs of a disk: whole 512-byte sectors, read and written synchronously,
// and a flush that returns once everything written before it is on stable storage. On seL4 the
// filesystem service implements it over a block queue to the virtualiser; on the host, over an
// image file or a byte vector. Spans are a whole number of sectors, of any length: the device
// splits them as its transport needs.
template <typename D>
concept BlockDevice = requires(D& d, std::uint64_t lba, std::span<std::uint8_t> in,
                               std::span<const std::uint8_t> out) {
    { d.sector_count() } -> std::convertible_to<std::uint64_t>;
    { d.read(lba, in) } -> std::same_as<Status>;
    { d.write(lba, out) } -> std::same_as<Status>;
    { d.flush() } -> std::same_as<Status>;
};

// A device that can leave a transfer in flight when it returns (the filesystem service's,
// BlockQueueDevice, between its open_batch and close_batch): start_read and start_write say true
// when they did, and the caller must then not touch the bytes until the device says the batch
// has finished; false when the caller must move the bytes itself.
template <typename D>
concept DeferringBlockDevice = BlockDevice<D> &&
    requires(D& d, std::uint64_t lba, std::span<std::uint8_t> in,
             std::span<const std::uint8_t> out) {
    { d.start_read(lba, in) } -> std::same_as<Result<bool>>;
    { d.start_write(lba, out) } -> std::same_as<Result<bool>>;
};

// A write-back cache of `Slots` sectors for metadata (FAT sectors, directory sectors) and for the
// partial sectors at either end of a data transfer; whole data sectors bypass it (see `forget`
// and `overlay`, which keep the two paths coherent). Least recently used goes first.
//
// The device is synchronous, so every call on it is a round trip; a growing file would pay
// several per MiB for its FAT sectors alone. So the cache moves sectors in runs: a miss in the
// read-ahead region (the FAT) reads up to `run_sectors` sectors at once, and writing back (at
// `write_back`, or when a changed sector must leave) writes every changed sector, consecutive
// ones in one call, in sector order. A mirrored region (FAT's copies, fatgen103 3.1) is changed
// and read in its first copy only; each of its runs is written to every copy, as Linux's FAT
// driver does.
//
// A pointer the cache returns is valid until the next call on the cache: a FAT12 entry that
// straddles two sectors is read one byte per call for that reason.
template <BlockDevice Device, std::size_t Slots>
class SectorCache {
    static_assert(Slots >= 2, "a FAT12 entry may straddle two sectors");

public:
    static constexpr std::size_t run_sectors = 16;
    // At most a quarter of the cache: more pushes out the sectors in use (a small cache read
    // ahead 16 and evicted the very sectors it went on to need).
    static constexpr std::uint32_t read_ahead_sectors =
        std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::min(run_sectors, Slots / 4)));

    explicit SectorCache(Device& device) : device_(&device) {}

    // Sectors [first, first + count) are kept in `copies` copies, one after the other; only the
    // first is read or changed through the cache.
    void mirror(std::uint32_t first, std::uint32_t count, std::uint32_t copies) {
        mirror_ = {first, count};
        copies_ = copies;
    }
    // Misses in [first, first + count) read the sectors after the one asked for too.
    void read_ahead(std::uint32_t first, std::uint32_t count) { read_ahead_ = {first, count}; }

    // The sector's bytes, to read.
    Result<const std::uint8_t*> read(std::uint32_t lba) {
        KAAL_TRY(const std::size_t i, lookup(lba, true));
        return static_cast<const std::uint8_t*>(bytes_[i].data());
    }

    // The sector's bytes, to change: the sector is written back by `write_back` or on eviction.
    Result<std::uint8_t*> modify(std::uint32_t lba) {
        KAAL_TRY(const std::size_t i, lookup(lba, true));
        set_dirty(i, true);
        return bytes_[i].data();
    }

    // A sector the caller fills entirely: it is not read first, and starts zeroed.
    Result<std::uint8_t*> overwrite(std::uint32_t lba) {
        KAAL_TRY(const std::size_t i, lookup(lba, false));
        set_dirty(i, true);
        return bytes_[i].data();
    }

    // Writes every changed sector to the device, in sector order: FAT (every copy) before
    // directories by their place on the volume, which is the order the volume's crash safety
    // needs (volume.hpp). Consecutive sectors go in one call.
    Status write_back() {
        std::array<std::size_t, Slots> dirty{};
        std::size_t n = 0;
        for (std::size_t i = 0; i < Slots; ++i) {
            if (dirty_[i]) {
                dirty[n++] = i;
            }
        }
        std::sort(dirty.begin(), dirty.begin() + static_cast<std::ptrdiff_t>(n),
                  [this](std::size_t a, std::size_t b) { return lba_[a] < lba_[b]; });
        for (std::size_t i = 0; i < n;) {
            const std::uint32_t lba = lba_[dirty[i]];
            const bool mirrored = mirror_.holds(lba);
            std::size_t run = 0;
            while (i + run < n && run < run_sectors && lba_[dirty[i + run]] == lba + run &&
                   mirror_.holds(lba + static_cast<std::uint32_t>(run)) == mirrored) {
                copy_bytes(&stage_[run * sector_bytes], bytes_[dirty[i + run]].data(),
                           sector_bytes);
                ++run;
            }
            const std::span<const std::uint8_t> bytes{stage_.data(), run * sector_bytes};
            for (std::uint32_t copy = 0; copy < (mirrored ? copies_ : 1); ++copy) {
                KAAL_CHECK(device_->write(lba + copy * mirror_.count, bytes));
            }
            for (std::size_t k = 0; k < run; ++k) {
                set_dirty(dirty[i + k], false);
            }
            i += run;
        }
        return {};
    }

    // Sectors [lba, lba + count) are about to be written directly: cached copies are stale.
    void forget(std::uint64_t lba, std::uint64_t count) {
        for (std::size_t i = 0; i < Slots; ++i) {
            if (in(i, lba, count)) {
                lba_[i] = no_sector;
                set_dirty(i, false);
            }
        }
    }

    // Does the cache hold a changed copy of any of [lba, lba + count), newer than the disk's?
    [[nodiscard]] bool changed_in(std::uint64_t lba, std::uint64_t count) const {
        for (std::size_t i = 0; dirty_count_ != 0 && i < Slots; ++i) {
            if (dirty_[i] && in(i, lba, count)) {
                return true;
            }
        }
        return false;
    }

    // Sectors [lba, lba + count) were just read directly into `data`: a changed sector the
    // cache holds is newer than the disk's.
    void overlay(std::uint64_t lba, std::span<std::uint8_t> data) const {
        const std::uint64_t count = data.size() / sector_bytes;
        for (std::size_t i = 0; dirty_count_ != 0 && i < Slots; ++i) {
            if (dirty_[i] && in(i, lba, count)) {
                copy_bytes(&data[(lba_[i] - lba) * sector_bytes], bytes_[i].data(), sector_bytes);
            }
        }
    }

    // After a device error the cache's contents may no longer match any state of the disk the
    // library can reason about; a remount starts clean.
    void discard() {
        lba_.fill(no_sector);
        used_.fill(0);
        dirty_.fill(false);
        dirty_count_ = 0;
        recent_ = {Slots, Slots};
        mirror_ = {};
        copies_ = 1;
        read_ahead_ = {};
    }

private:
    struct Range {
        std::uint32_t first = 0;
        std::uint32_t count = 0;
        [[nodiscard]] bool holds(std::uint32_t lba) const {
            return lba >= first && lba - first < count;
        }
    };

    // A slot's sector number, or this for an empty slot: a FAT volume's sector numbers are 32
    // bits, and its last sector is at most 0xfffffffe (its size is a 32-bit count, 3.1).
    static constexpr std::uint32_t no_sector = 0xffff'ffff;

    // A slot's bytes, aligned so that the volume reads and writes a FAT entry with one access.
    struct alignas(8) Sector : std::array<std::uint8_t, sector_bytes> {};

    // Is slot i's sector in [lba, lba + count)? An empty slot's never is.
    [[nodiscard]] bool in(std::size_t i, std::uint64_t lba, std::uint64_t count) const {
        return lba_[i] != no_sector && lba_[i] >= lba && lba_[i] - lba < count;
    }

    // The slot to fill next: an empty one, else the least recently used clean one, else the
    // least recently used. A changed sector leaves only when nothing clean can: taking it costs
    // a write-back of everything changed (lookup), a synchronous round trip on the disk per run
    // and FAT copy, where a clean one costs nothing. A growing file changes the FAT sectors it
    // is still working in, so the least recently used slot is often one of its own.
    [[nodiscard]] std::size_t victim() const {
        std::size_t oldest = 0;
        std::size_t clean = Slots;
        for (std::size_t i = 0; i < Slots; ++i) {
            if (lba_[i] == no_sector) {
                return i;
            }
            oldest = used_[i] < used_[oldest] ? i : oldest;
            if (!dirty_[i] && (clean == Slots || used_[i] < used_[clean])) {
                clean = i;
            }
        }
        return clean != Slots ? clean : oldest;
    }

    // Slot i now holds sector `lba` as the disk has it, used just now.
    void install(std::size_t i, std::uint32_t lba) {
        lba_[i] = lba;
        used_[i] = clock_;
        set_dirty(i, false);
    }

    // Every change of a slot's dirty flag, so that the count of changed slots lets a read with
    // nothing changed in the cache skip the scans (changed_in, overlay).
    void set_dirty(std::size_t i, bool dirty) {
        if (dirty_[i] != dirty) {
            dirty_count_ = dirty ? dirty_count_ + 1 : dirty_count_ - 1;
            dirty_[i] = dirty;
        }
    }

    // Sector `lba`, missed, into slot `into`; in the read-ahead region the ones after it come
    // too, into clean slots (empty ones first, then the least recently used), unless the cache
    // has them already (a changed copy is newer). The slots are chosen in one pass over the
    // cache, not one per sector: a FAT read ahead is 16 sectors, and the cache 64 slots.
    Status fill(std::size_t into, std::uint32_t lba) {
        if (!read_ahead_.holds(lba)) {
            return device_->read(lba, std::span<std::uint8_t>{bytes_[into]});
        }
        const std::uint32_t count = std::min<std::uint32_t>(
            read_ahead_sectors, read_ahead_.first + read_ahead_.count - lba);
        KAAL_CHECK(device_->read(
            lba, std::span<std::uint8_t>{stage_.data(), std::size_t{count} * sector_bytes}));
        copy_bytes(bytes_[into].data(), stage_.data(), sector_bytes);
        install(into, lba); // so that it is neither taken below nor read ahead into another slot
        static_assert(run_sectors <= 32, "the sectors held are a 32-bit mask");
        std::uint32_t held = 0;
        std::array<std::size_t, Slots> clean{};
        std::size_t candidates = 0;
        for (std::size_t i = 0; i < Slots; ++i) {
            if (in(i, lba, count)) {
                held |= 1u << (lba_[i] - lba);
            } else if (!dirty_[i]) {
                clean[candidates++] = i;
            }
        }
        const std::size_t wanted = std::min<std::size_t>(
            candidates, count - 1 - static_cast<std::size_t>(std::popcount(held & ~1u)));
        const auto first = clean.begin();
        std::partial_sort(first, first + static_cast<std::ptrdiff_t>(wanted),
                          first + static_cast<std::ptrdiff_t>(candidates),
                          [this](std::size_t a, std::size_t b) {
                              // Empty slots first, then the least recently used.
                              return (lba_[a] == no_sector) != (lba_[b] == no_sector)
                                         ? lba_[a] == no_sector
                                         : used_[a] < used_[b];
                          });
        std::size_t taken = 0;
        for (std::uint32_t k = 1; k < count && taken < wanted; ++k) {
            if ((held & 1u << k) != 0) {
                continue;
            }
            const std::size_t s = clean[taken++];
            copy_bytes(bytes_[s].data(), &stage_[std::size_t{k} * sector_bytes], sector_bytes);
            install(s, lba + k);
        }
        return {};
    }

    void remember(std::size_t i) {
        recent_[1] = recent_[0];
        recent_[0] = i;
    }

    Result<std::size_t> lookup(std::uint32_t lba, bool fill) {
        if (lba == no_sector) {
            return Error::range_error;
        }
        ++clock_;
        // The two sectors asked for last are the ones most often asked for next (a FAT entry
        // and its mirror in the second FAT while a file grows, the entries of one directory
        // sector), so they are looked at before the scan.
        for (const std::size_t i : recent_) {
            if (i < Slots && lba_[i] == lba) {
                used_[i] = clock_;
                return i;
            }
        }
        // The scan reads only the sector numbers, which lie together.
        if (const auto at = std::find(lba_.begin(), lba_.end(), lba); at != lba_.end()) {
            const auto i = static_cast<std::size_t>(at - lba_.begin());
            used_[i] = clock_;
            remember(i);
            return i;
        }
        const std::size_t v = victim();
        if (dirty_[v]) {
            // Everything changed goes, in order, rather than this one sector: one round trip
            // per run instead of one per sector, and never a directory sector before the FAT
            // sectors it depends on.
            KAAL_CHECK(write_back());
        }
        lba_[v] = no_sector;
        if (fill) {
            KAAL_CHECK(this->fill(v, lba));
        } else {
            bytes_[v].fill(0);
        }
        install(v, lba);
        remember(v);
        return v;
    }

    Device* device_;
    // The slots, as arrays of their parts: a lookup scans only the sector numbers.
    std::array<std::uint32_t, Slots> lba_ = filled(no_sector);
    std::array<std::uint32_t, Slots> used_{}; // the clock value of the last use
    std::array<bool, Slots> dirty_{};
    std::size_t dirty_count_ = 0;
    std::array<Sector, Slots> bytes_{};
    Range mirror_{};
    std::uint32_t copies_ = 1;
    Range read_ahead_{};
    // Runs on their way to and from the device.
    alignas(8) std::array<std::uint8_t, run_sectors * sector_bytes> stage_{};
    std::uint32_t clock_ = 0;
    // The slots the scan found or filled last, newest first; Slots: none.
    std::array<std::size_t, 2> recent_{Slots, Slots};

    static constexpr std::array<std::uint32_t, Slots> filled(std::uint32_t v) {
        std::array<std::uint32_t, Slots> a{};
        a.fill(v);
        return a;
    }
};

} // namespace kaal::services::fs::fat
