// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/platform/cap.hpp>
#include <kaal/platform/cap_bootinfo.hpp>
#include <kaal/platform/object_type.hpp>

namespace kaal::broker {

// One untyped cap and the broker's copy of the kernel's accounting for it.
struct UntypedRecord {
    Cap<cap::Untyped> cap;
    Word paddr = 0;
    std::uint8_t size_bits = 0;
    bool device = false;
    Word watermark = 0; // bytes used, as the kernel's free index
    Word children = 0;  // objects retyped from it and not yet deleted

    [[nodiscard]] constexpr Word size() const { return Word{1} << size_bits; }
    // Where the next retype starts: from the base again once every child is gone, because
    // seL4 resets an untyped with no children (seL4 manual, "Untyped Memory").
    [[nodiscard]] constexpr Word used() const { return children == 0 ? 0 : watermark; }
    [[nodiscard]] constexpr Word free_bytes() const { return size() - used(); }
};

// RAM untypeds and the kernel's watermark rule for each. Objects can be reclaimed only when
// every object of their untyped is gone, so picking the untyped matters: `reserve` takes the
// best fit, the untyped that is left with the least free space after the aligned allocation,
// which keeps large untypeds whole for large requests.
class UntypedPool {
public:
    static constexpr unsigned capacity = BootInfo::max_untypeds;

    // What a reservation changed, so that a retype the kernel refused can be undone exactly.
    struct Reservation {
        unsigned index = 0;
        Word paddr = 0; // physical address of the first object
        unsigned size_bits = 0;
        Word count = 0;
        Word previous_watermark = 0;
        Word previous_children = 0;
    };

    void clear() {
        count_ = 0;
        ram_count_ = 0;
    }
    Status add(const UntypedRecord& record);

    // Accounts for `count` objects of `type` from the best-fitting RAM untyped; the caller then
    // performs the retype and calls `cancel` if the kernel refuses it.
    Result<Reservation> reserve(Arch arch, ObjectType type, unsigned user_bits, Word count);
    void cancel(const Reservation& reservation);
    // `count` objects retyped from untyped `index` were deleted.
    void release(unsigned index, Word count);

    // The untyped whose range covers [paddr, paddr + size), device or RAM as asked.
    Result<unsigned> find_covering(Word paddr, Word size, bool device) const;

    [[nodiscard]] unsigned size() const { return count_; }
    [[nodiscard]] const UntypedRecord& operator[](unsigned index) const { return records_[index]; }
    [[nodiscard]] Word free_ram_bytes() const;

private:
    UntypedRecord records_[capacity] = {};
    unsigned count_ = 0;
    // The RAM records' indices in ascending order: a best-fit search skips the device untypeds,
    // which are most of a bootinfo's list (65 of 94 on a pc99 QEMU).
    std::uint16_t ram_[capacity] = {};
    unsigned ram_count_ = 0;
};

} // namespace kaal::broker
