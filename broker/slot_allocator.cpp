// SPDX-License-Identifier: BSD-2-Clause
#include <kaal/broker/slot_allocator.hpp>

namespace kaal::broker {

void SlotAllocator::reset(SlotRegion region) {
    base_ = region.start;
    size_ = region.size() < capacity ? static_cast<std::size_t>(region.size()) : capacity;
    for (auto& word : free_) {
        word = 0;
    }
    for (std::size_t i = 0; i < size_; ++i) {
        set_free(i, true);
    }
    available_ = size_;
    hint_ = 0;
}

void SlotAllocator::set_free(std::size_t index, bool free) {
    const std::uint64_t bit = std::uint64_t{1} << (index % word_bits);
    if (free) {
        free_[index / word_bits] |= bit;
    } else {
        free_[index / word_bits] &= ~bit;
    }
}

Result<CPtr> SlotAllocator::alloc() {
    // Whole words at a time: the first set bit of the first non-empty word.
    for (std::size_t w = hint_ / word_bits; w < capacity / word_bits; ++w) {
        if (free_[w] == 0) {
            continue;
        }
        const auto index = w * word_bits + static_cast<std::size_t>(__builtin_ctzll(free_[w]));
        if (index >= size_) {
            break;
        }
        set_free(index, false);
        --available_;
        hint_ = index + 1;
        return base_ + index;
    }
    return Error::out_of_slots;
}

Result<CPtr> SlotAllocator::alloc_range(std::size_t count) {
    if (count == 0 || count > available_) {
        return count == 0 ? Error::invalid_argument : Error::out_of_slots;
    }
    // Every slot below hint_ is taken. Between runs the search jumps to the next free slot a
    // word at a time, so a mostly full bitmap costs one load per 64 slots, not 64 bit tests.
    std::size_t run = 0;
    for (std::size_t i = hint_; i < size_;) {
        if (run == 0) {
            const std::size_t w = i / word_bits;
            const std::uint64_t free_from_i = free_[w] & (~std::uint64_t{0} << (i % word_bits));
            if (free_from_i == 0) {
                i = (w + 1) * word_bits;
                continue;
            }
            i = w * word_bits + static_cast<std::size_t>(__builtin_ctzll(free_from_i));
            if (i >= size_) {
                break;
            }
            // The common case, a short run inside one word, is one mask test.
            const std::size_t bit = i % word_bits;
            if (bit + count <= word_bits && i + count <= size_) {
                const std::uint64_t run_mask =
                    (count == word_bits ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1)
                    << bit;
                if ((free_[w] & run_mask) == run_mask) {
                    free_[w] &= ~run_mask;
                    available_ -= count;
                    return base_ + i;
                }
            }
        }
        run = is_free(i) ? run + 1 : 0;
        if (run == count) {
            const std::size_t first = i + 1 - count;
            for (std::size_t j = first; j <= i; ++j) {
                set_free(j, false);
            }
            available_ -= count;
            return base_ + first;
        }
        ++i;
    }
    return Error::out_of_slots; // enough slots, but fragmented
}

bool SlotAllocator::is_allocated(CPtr slot) const {
    return slot >= base_ && slot - base_ < size_ &&
           !is_free(static_cast<std::size_t>(slot - base_));
}

void SlotAllocator::free(CPtr slot) {
    if (!is_allocated(slot)) {
        return;
    }
    const auto index = static_cast<std::size_t>(slot - base_);
    set_free(index, true);
    ++available_;
    if (index < hint_) {
        hint_ = index;
    }
}

void SlotAllocator::free_range(CPtr first, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        free(first + i);
    }
}

} // namespace kaal::broker
