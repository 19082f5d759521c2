// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

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

// A write-back cache of `Slots` sectors for metadata (FAT sectors, directory sectors) and for the
// partial sectors at either end of a data transfer; whole data sectors bypass it (see `forget`
// and `overlay`, which keep the two paths coherent). Least recently used goes first.
//
// A pointer the cache returns is valid until the next call on the cache: a FAT12 entry that
// straddles two sectors is read one byte per call for that reason.
template <BlockDevice Device, std::size_t Slots>
class SectorCache {
    static_assert(Slots >= 2, "a FAT12 entry may straddle two sectors");

public:
    explicit SectorCache(Device& device) : device_(&device) {}

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

    // Writes every changed sector to the device, in sector order (metadata sectors written
    // together, FAT before directory by their place on the volume).
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
        for (std::size_t i = 0; i < n; ++i) {
            KAAL_CHECK(store(*dirty[i]));
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

    // Sectors [lba, lba + count) were just read directly into `data`: a changed sector the
    // cache holds is newer than the disk's.
    void overlay(std::uint64_t lba, std::span<std::uint8_t> data) const {
        const std::uint64_t count = data.size() / sector_bytes;
        for (const Slot& s : slots_) {
            if (s.valid && s.dirty && s.lba >= lba && s.lba < lba + count) {
                std::memcpy(&data[(s.lba - lba) * sector_bytes], s.bytes.data(), sector_bytes);
            }
        }
    }

    // After a device error the cache's contents may no longer match any state of the disk the
    // library can reason about; a remount starts clean.
    void discard() {
        for (Slot& s : slots_) {
            s = Slot{};
        }
    }

private:
    struct Slot {
        std::array<std::uint8_t, sector_bytes> bytes{};
        std::uint32_t lba = 0;
        std::uint32_t used = 0; // the clock value of the last use
        bool valid = false;
        bool dirty = false;
    };

    Status store(Slot& s) {
        KAAL_CHECK(device_->write(s.lba, std::span<const std::uint8_t>{s.bytes}));
        s.dirty = false;
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
        Slot* victim = &slots_[0];
        for (Slot& s : slots_) {
            if (s.valid && s.lba == lba) {
                s.used = clock_;
                remember(s);
                return &s;
            }
            if (!s.valid || (victim->valid && s.used < victim->used)) {
                victim = &s;
            }
        }
        if (victim->valid && victim->dirty) {
            KAAL_CHECK(store(*victim));
        }
        victim->valid = false;
        if (fill) {
            KAAL_CHECK(device_->read(lba, std::span<std::uint8_t>{victim->bytes}));
        } else {
            victim->bytes.fill(0);
        }
        victim->lba = lba;
        victim->used = clock_;
        victim->valid = true;
        victim->dirty = false;
        remember(*victim);
        return victim;
    }

    Device* device_;
    std::array<Slot, Slots> slots_{};
    std::uint32_t clock_ = 0;
    // The slots the scan found or filled last, newest first; Slots: none.
    std::array<std::size_t, 2> recent_{Slots, Slots};
};

} // namespace kaal::services::fs::fat
