// SPDX-License-Identifier: BSD-2-Clause
#include <kaal/broker/slot_allocator.hpp>

namespace kaal::broker {

void SlotAllocator::reset(SlotRegion region) {
    base_ = region.start;
    size_ = region.size() < capacity ? static_cast<std::size_t>(region.size()) : capacity;
    for (auto& word : free_) {
        word = 0;
    }
    set_free(0, size_, true);
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

void SlotAllocator::set_free(std::size_t first, std::size_t count, bool free) {
    while (count > 0) {
        const std::size_t bit = first % word_bits;
        const std::size_t n = count < word_bits - bit ? count : word_bits - bit;
        const std::uint64_t mask =
            (n == word_bits ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1) << bit;
        if (free) {
            free_[first / word_bits] |= mask;
        } else {
            free_[first / word_bits] &= ~mask;
        }
        first += n;
        count -= n;
    }
}

// Bits past size_ are never set, so a run cannot reach beyond the region.
std::size_t SlotAllocator::free_run(std::size_t index, std::size_t limit) const {
    std::size_t end = index;
    while (end < size_ && end - index < limit) {
        const std::size_t bit = end % word_bits;
        const std::uint64_t taken = ~free_[end / word_bits] >> bit;
        if (taken != 0) {
            end += static_cast<std::size_t>(__builtin_ctzll(taken));
            break;
        }
        end += word_bits - bit;
    }
    return (end < size_ ? end : size_) - index;
}

Result<CPtr> SlotAllocator::alloc_range(std::size_t count) {
    if (count == 0 || count > available_) {
        return count == 0 ? Error::invalid_argument : Error::out_of_slots;
    }
    // Every slot below hint_ is taken. The search jumps to the next free slot and measures the
    // run there a word at a time, so a mostly full bitmap costs one load per 64 slots, not 64
    // bit tests.
    for (std::size_t i = hint_; i < size_;) {
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
        const std::size_t run = free_run(i, count);
        if (run >= count) {
            set_free(i, count, false);
            available_ -= count;
            return base_ + i;
        }
        i += run; // a taken slot
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
