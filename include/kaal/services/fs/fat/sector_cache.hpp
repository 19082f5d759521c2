// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
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
        KAAL_TRY(Slot * slot, lookup(lba, true));
        return static_cast<const std::uint8_t*>(slot->bytes.data());
    }

    // The sector's bytes, to change: the sector is written back by `write_back` or on eviction.
    Result<std::uint8_t*> modify(std::uint32_t lba) {
        KAAL_TRY(Slot * slot, lookup(lba, true));
        slot->dirty = true;
        return slot->bytes.data();
    }

    // A sector the caller fills entirely: it is not read first, and starts zeroed.
    Result<std::uint8_t*> overwrite(std::uint32_t lba) {
        KAAL_TRY(Slot * slot, lookup(lba, false));
        slot->dirty = true;
        return slot->bytes.data();
    }

    // Writes every changed sector to the device, in sector order: FAT (every copy) before
    // directories by their place on the volume, which is the order the volume's crash safety
    // needs (volume.hpp). Consecutive sectors go in one call.
    Status write_back() {
        std::array<Slot*, Slots> dirty{};
        std::size_t n = 0;
        for (Slot& s : slots_) {
            if (s.valid && s.dirty) {
                dirty[n++] = &s;
            }
        }
        std::sort(dirty.begin(), dirty.begin() + static_cast<std::ptrdiff_t>(n),
                  [](const Slot* a, const Slot* b) { return a->lba < b->lba; });
        for (std::size_t i = 0; i < n;) {
            const std::uint32_t lba = dirty[i]->lba;
            const bool mirrored = mirror_.holds(lba);
            std::size_t run = 0;
            while (i + run < n && run < run_sectors && dirty[i + run]->lba == lba + run &&
                   mirror_.holds(lba + static_cast<std::uint32_t>(run)) == mirrored) {
                copy_bytes(&stage_[run * sector_bytes], dirty[i + run]->bytes.data(), sector_bytes);
                ++run;
            }
            const std::span<const std::uint8_t> bytes{stage_.data(), run * sector_bytes};
            for (std::uint32_t copy = 0; copy < (mirrored ? copies_ : 1); ++copy) {
                KAAL_CHECK(device_->write(lba + copy * mirror_.count, bytes));
            }
            for (std::size_t k = 0; k < run; ++k) {
                dirty[i + k]->dirty = false;
            }
            i += run;
        }
        return {};
    }

    // Sectors [lba, lba + count) are about to be written directly: cached copies are stale.
    void forget(std::uint64_t lba, std::uint64_t count) {
        for (Slot& s : slots_) {
            if (s.valid && s.lba >= lba && s.lba < lba + count) {
                s.valid = false;
                s.dirty = false;
            }
        }
    }

    // Does the cache hold a changed copy of any of [lba, lba + count), newer than the disk's?
    [[nodiscard]] bool changed_in(std::uint64_t lba, std::uint64_t count) const {
        return std::any_of(slots_.begin(), slots_.end(), [&](const Slot& s) {
            return s.valid && s.dirty && s.lba >= lba && s.lba < lba + count;
        });
    }

    // Sectors [lba, lba + count) were just read directly into `data`: a changed sector the
    // cache holds is newer than the disk's.
    void overlay(std::uint64_t lba, std::span<std::uint8_t> data) const {
        const std::uint64_t count = data.size() / sector_bytes;
        for (const Slot& s : slots_) {
            if (s.valid && s.dirty && s.lba >= lba && s.lba < lba + count) {
                copy_bytes(&data[(s.lba - lba) * sector_bytes], s.bytes.data(), sector_bytes);
            }
        }
    }

    // After a device error the cache's contents may no longer match any state of the disk the
    // library can reason about; a remount starts clean.
    void discard() {
        for (Slot& s : slots_) {
            s = Slot{};
        }
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

    struct Slot {
        // Aligned, so that the volume reads and writes a FAT entry with one access.
        alignas(8) std::array<std::uint8_t, sector_bytes> bytes{};
        std::uint32_t lba = 0;
        std::uint32_t used = 0; // the clock value of the last use
        bool valid = false;
        bool dirty = false;
    };

    // The slot to fill next: a free one, else the least recently used; with `clean_only`, none
    // rather than a changed one.
    Slot* victim(bool clean_only) {
        Slot* v = nullptr;
        for (Slot& s : slots_) {
            if (clean_only && s.valid && s.dirty) {
                continue;
            }
            if (!s.valid) {
                return &s;
            }
            v = v == nullptr || s.used < v->used ? &s : v;
        }
        return v;
    }

    // `s` now holds sector `lba` as the disk has it, used just now.
    void install(Slot& s, std::uint32_t lba) const {
        s.lba = lba;
        s.used = clock_;
        s.valid = true;
        s.dirty = false;
    }

    [[nodiscard]] bool holds(std::uint32_t lba) const {
        return std::any_of(slots_.begin(), slots_.end(),
                           [lba](const Slot& s) { return s.valid && s.lba == lba; });
    }

    // Sector `lba`, missed, into `into`; in the read-ahead region the ones after it come too,
    // into clean slots, unless the cache has them already (a changed copy is newer).
    Status fill(Slot& into, std::uint32_t lba) {
        if (!read_ahead_.holds(lba)) {
            return device_->read(lba, std::span<std::uint8_t>{into.bytes});
        }
        const std::uint32_t count = std::min<std::uint32_t>(
            read_ahead_sectors, read_ahead_.first + read_ahead_.count - lba);
        KAAL_CHECK(device_->read(
            lba, std::span<std::uint8_t>{stage_.data(), std::size_t{count} * sector_bytes}));
        copy_bytes(into.bytes.data(), stage_.data(), sector_bytes);
        install(into, lba); // so that it is neither taken below nor read ahead into another slot
        for (std::uint32_t k = 1; k < count; ++k) {
            if (holds(lba + k)) {
                continue;
            }
            Slot* s = victim(true);
            if (s == nullptr || s == &into) {
                break;
            }
            copy_bytes(s->bytes.data(), &stage_[std::size_t{k} * sector_bytes], sector_bytes);
            install(*s, lba + k);
        }
        return {};
    }

    void remember(const Slot& s) {
        recent_[1] = recent_[0];
        recent_[0] = static_cast<std::size_t>(&s - slots_.data());
    }

    Result<Slot*> lookup(std::uint32_t lba, bool fill) {
        ++clock_;
        // The two sectors asked for last are the ones most often asked for next (a FAT entry
        // and its mirror in the second FAT while a file grows, the entries of one directory
        // sector), so they are looked at before the scan, which touches every slot.
        for (const std::size_t i : recent_) {
            if (i < Slots && slots_[i].valid && slots_[i].lba == lba) {
                slots_[i].used = clock_;
                return &slots_[i];
            }
        }
        for (Slot& s : slots_) {
            if (s.valid && s.lba == lba) {
                s.used = clock_;
                remember(s);
                return &s;
            }
        }
        Slot* v = victim(false);
        if (v->valid && v->dirty) {
            // Everything changed goes, in order, rather than this one sector: one round trip
            // per run instead of one per sector, and never a directory sector before the FAT
            // sectors it depends on.
            KAAL_CHECK(write_back());
        }
        v->valid = false;
        if (fill) {
            KAAL_CHECK(this->fill(*v, lba));
        } else {
            v->bytes.fill(0);
        }
        install(*v, lba);
        remember(*v);
        return v;
    }

    Device* device_;
    std::array<Slot, Slots> slots_{};
    Range mirror_{};
    std::uint32_t copies_ = 1;
    Range read_ahead_{};
    // Runs on their way to and from the device.
    alignas(8) std::array<std::uint8_t, run_sectors * sector_bytes> stage_{};
    std::uint32_t clock_ = 0;
    // The slots the scan found or filled last, newest first; Slots: none.
    std::array<std::size_t, 2> recent_{Slots, Slots};
};

} // namespace kaal::services::fs::fat
