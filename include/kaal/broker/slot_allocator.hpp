// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/platform/cap_bootinfo.hpp>

namespace kaal::broker {

// Hands out the empty slots of the root CNode (the bootinfo's `empty` region) as CPtrs. A bitmap
// of fixed size: the root task cannot allocate before it has a heap, and a bitmap finds the
// contiguous runs that a multi-object retype needs (seL4 puts the objects of one retype in
// consecutive slots).
class SlotAllocator {
public:
    // 2^12 is CONFIG_ROOT_CNODE_SIZE_BITS of the kernels KaaL builds; a larger CNode is used up
    // to this many slots.
    static constexpr std::size_t capacity = 4096;

    // Slots outside `region` or beyond `capacity` are never handed out.
    void reset(SlotRegion region);

    Result<CPtr> alloc();
    // `count` consecutive slots; returns the first.
    Result<CPtr> alloc_range(std::size_t count);
    // Freeing a slot that is not allocated from this allocator is ignored: it cannot corrupt the
    // accounting of slots someone else holds.
    void free(CPtr slot);
    void free_range(CPtr first, std::size_t count);

    [[nodiscard]] std::size_t available() const { return available_; }
    [[nodiscard]] SlotRegion region() const { return {base_, base_ + size_}; }
    [[nodiscard]] bool is_allocated(CPtr slot) const;

private:
    static constexpr std::size_t word_bits = 64;
    [[nodiscard]] bool is_free(std::size_t index) const {
        return ((free_[index / word_bits] >> (index % word_bits)) & 1U) != 0;
    }
    void set_free(std::size_t index, bool free);
    // Marks `count` slots from `first` a word at a time.
    void set_free(std::size_t first, std::size_t count, bool free);
    // How many slots from `index` on are free, counted up to `limit`.
    [[nodiscard]] std::size_t free_run(std::size_t index, std::size_t limit) const;

    std::uint64_t free_[capacity / word_bits] = {}; // bit set: slot free
    CPtr base_ = 0;
    std::size_t size_ = 0;
    std::size_t available_ = 0;
    std::size_t hint_ = 0; // first index that may be free
};

} // namespace kaal::broker
