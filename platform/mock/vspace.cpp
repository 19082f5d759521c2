// SPDX-License-Identifier: BSD-2-Clause
// Frames and paging structures in the root task's VSpace (seL4 manual, "Virtual Address
// Spaces"; seL4's ARM and x86 decodeFrameInvocation / decodePageTableInvocation). A mapping needs
// every paging structure above it, and the kernel never creates one on its own: a missing level
// is seL4_FailedLookup, and the caller maps a table there and tries again.
#include "kernel_state.hpp"

namespace kaal::mock {

namespace {

constexpr Word region_key(Word vaddr, unsigned level) {
    return vaddr >> region_bits(level);
}
constexpr Word align_down(Word value, unsigned bits) {
    return value & ~((Word{1} << bits) - 1);
}

// The level an x86_64 paging structure always sits at; aarch64 tables go wherever one is missing.
unsigned x86_level(ObjectType type) {
    switch (type) {
    case ObjectType::pdpt: return 1;
    case ObjectType::page_directory: return 2;
    default: return 3;
    }
}

// Frame and page-table maps both name the address space they map into; a cap of any other type
// there is an invalid capability (seL4 manual, "Virtual Address Spaces").
bool names_vspace(Kernel::State& s, CPtr vspace) {
    auto space = s.lookup_invoked(vspace);
    return space && (*space)->cap.type == CapType::vspace;
}

} // namespace

Status Kernel::frame_map(CPtr frame, CPtr vspace, Word vaddr, CapRights rights, bool cached) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * slot, s.invoked_as(frame, CapType::frame));
    if (auto error = s.injected(Invocation::frame_map)) {
        return *error;
    }
    if (!names_vspace(s, vspace)) {
        return Error::invalid_capability;
    }
    auto& cap = slot->cap;
    const unsigned size_bits = cap.object->size_bits;
    if (align_down(vaddr, size_bits) != vaddr) {
        return Error::alignment_error;
    }
    // A frame cap maps one page: remapping is only a change of rights at the same address.
    if (cap.mapped && cap.mapped_vaddr != vaddr) {
        return Error::invalid_argument;
    }
    if (vaddr > user_top || user_top - vaddr < (Word{1} << size_bits) - 1) {
        return Error::invalid_argument;
    }
    const unsigned last_level = size_bits == object_bits::small_page ? 3 : 2;
    if (last_level != 3 || region_key(vaddr, 3) != s.walked_region) {
        for (unsigned level = 1; level <= last_level; ++level) {
            if (!s.tables.contains(table_key(level, region_key(vaddr, level)))) {
                return Error::failed_lookup;
            }
        }
        if (last_level == 3) {
            s.walked_region = region_key(vaddr, 3);
        }
    }
    if (last_level == 2 && s.tables.contains(table_key(3, region_key(vaddr, 3)))) {
        // aarch64's walk runs on into the table and finds the wrong level; x86 finds the PD
        // entry taken.
        return s.machine.arch == Arch::aarch64 ? Error::failed_lookup : Error::delete_first;
    }
    const PageEntry entry{slot, cap.object->paddr, size_bits, cap.rights.masked_by(rights), cached};
    auto existing = s.pages.lower_bound(vaddr);
    if (existing != s.pages.end() && existing->first == vaddr) {
        // x86 refuses to overwrite a present entry; aarch64 replaces it, leaving the old frame
        // cap believing it is still mapped.
        if (existing->second.frame_slot != slot && s.machine.arch == Arch::x86_64) {
            return Error::delete_first;
        }
        existing->second = entry;
    } else {
        s.pages.insert_at(existing, vaddr, entry);
    }
    cap.mapped = true;
    cap.mapped_vaddr = vaddr;
    return {};
}

Status Kernel::frame_unmap(CPtr frame) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * slot, s.invoked_as(frame, CapType::frame));
    auto& cap = slot->cap;
    if (cap.mapped) {
        auto it = s.pages.find(cap.mapped_vaddr);
        if (it != s.pages.end() && it->second.frame_slot == slot) {
            s.pages.erase(it);
        }
        cap.mapped = false;
        cap.mapped_vaddr = 0;
    }
    return {};
}

Result<Word> Kernel::frame_paddr(CPtr frame) {
    const std::lock_guard guard{state_->lock};
    KAAL_TRY(Slot * slot, state_->invoked_as(frame, CapType::frame));
    return slot->cap.object->paddr;
}

Status Kernel::paging_map(ObjectType type, CPtr table, CPtr vspace, Word vaddr) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * slot, s.invoked_as(table, CapType::paging));
    if (slot->cap.object->type != type) {
        return Error::illegal_operation;
    }
    if (auto error = s.injected(Invocation::paging_map)) {
        return *error;
    }
    if (!names_vspace(s, vspace)) {
        return Error::invalid_capability;
    }
    auto& cap = slot->cap;
    if (cap.mapped) {
        return Error::invalid_capability;
    }
    if (vaddr > user_top) {
        return Error::invalid_argument;
    }
    const auto large = s.pages.find(align_down(vaddr, object_bits::large_page));
    const bool large_page_here =
        large != s.pages.end() && large->second.size_bits == object_bits::large_page;

    unsigned level = 0;
    if (s.machine.arch == Arch::aarch64) {
        for (unsigned l = 1; l <= paging_levels && level == 0; ++l) {
            if (!s.tables.contains(table_key(l, region_key(vaddr, l)))) {
                level = l;
            }
        }
        if (level == 0 || (level == 3 && large_page_here)) {
            return Error::delete_first;
        }
    } else {
        level = x86_level(type);
        for (unsigned l = 1; l < level; ++l) {
            if (!s.tables.contains(table_key(l, region_key(vaddr, l)))) {
                return Error::failed_lookup;
            }
        }
        if (s.tables.contains(table_key(level, region_key(vaddr, level))) ||
            (level == 3 && large_page_here)) {
            return Error::delete_first;
        }
    }
    s.tables.insert_or_assign(table_key(level, region_key(vaddr, level)), cap.object);
    cap.mapped = true;
    cap.mapped_vaddr = align_down(vaddr, region_bits(level));
    return {};
}

} // namespace kaal::mock
