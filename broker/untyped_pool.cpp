// SPDX-License-Identifier: BSD-2-Clause
#include <kaal/broker/untyped_pool.hpp>

namespace kaal::broker {

namespace {
constexpr Word align_up(Word value, unsigned bits) {
    const Word mask = (Word{1} << bits) - 1;
    return (value + mask) & ~mask;
}
} // namespace

Status UntypedPool::add(const UntypedRecord& record) {
    if (count_ == capacity) {
        return Error::no_space;
    }
    // The kernel cuts untypeds at size-aligned *kernel virtual* addresses (seL4's
    // create_untypeds_for_region works on the kernel window), and the window's base is aligned
    // to 2^39 only. So on x86_64 the device untypeds above 512 GiB are not aligned to their size
    // physically, and what the kernel guarantees is alignment to min(size, 2^39).
    constexpr unsigned window_align_bits = 39;
    const unsigned align_bits =
        record.size_bits < window_align_bits ? record.size_bits : window_align_bits;
    if (record.size_bits < object_bits::min_untyped ||
        record.size_bits > object_bits::max_untyped ||
        (record.paddr & ((Word{1} << align_bits) - 1)) != 0) {
        return Error::invalid_argument; // not what a kernel would describe
    }
    if (!record.device) {
        ram_[ram_count_++] = static_cast<std::uint16_t>(count_);
    }
    records_[count_++] = record;
    return {};
}

Result<UntypedPool::Reservation> UntypedPool::reserve(Arch arch, ObjectType type,
                                                      unsigned user_bits, Word count) {
    KAAL_TRY(const unsigned bits, object_size_bits(arch, type, user_bits));
    if (count == 0) {
        return Error::invalid_argument;
    }
    unsigned best = capacity;
    Word best_left = 0;
    for (unsigned k = 0; k < ram_count_; ++k) {
        const unsigned i = ram_[k];
        const auto& r = records_[i];
        if (bits > r.size_bits || count > (r.size() >> bits)) {
            continue;
        }
        const Word start = align_up(r.paddr + r.used(), bits);
        const Word end = r.paddr + r.size();
        if (start > end || (end - start) >> bits < count) {
            continue;
        }
        const Word left = end - start - (count << bits);
        if (best == capacity || left < best_left) {
            best = i;
            best_left = left;
        }
    }
    if (best == capacity) {
        return Error::not_enough_memory;
    }
    auto& r = records_[best];
    Reservation reservation{best,      align_up(r.paddr + r.used(), bits), bits, count, r.watermark,
                            r.children};
    r.watermark = reservation.paddr + (count << bits) - r.paddr;
    r.children += count;
    return reservation;
}

void UntypedPool::cancel(const Reservation& reservation) {
    auto& r = records_[reservation.index];
    r.watermark = reservation.previous_watermark;
    r.children = reservation.previous_children;
}

void UntypedPool::release(unsigned index, Word count) {
    if (index >= count_) {
        return;
    }
    auto& r = records_[index];
    r.children = count > r.children ? 0 : r.children - count;
}

Result<unsigned> UntypedPool::find_covering(Word paddr, Word size, bool device) const {
    for (unsigned i = 0; i < count_; ++i) {
        const auto& r = records_[i];
        if (r.device == device && paddr >= r.paddr && paddr - r.paddr < r.size() &&
            size <= r.size() - (paddr - r.paddr)) {
            return i;
        }
    }
    return device ? Error::no_device_memory : Error::not_enough_memory;
}

Word UntypedPool::free_ram_bytes() const {
    Word total = 0;
    for (unsigned k = 0; k < ram_count_; ++k) {
        total += records_[ram_[k]].free_bytes();
    }
    return total;
}

} // namespace kaal::broker
