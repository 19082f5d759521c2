// SPDX-License-Identifier: BSD-2-Clause
// CNode methods: copy, mint, delete and revoke (seL4 manual, "CNode Methods" and "Capability
// Derivation"; seL4's decodeCNodeInvocation, deriveCap and updateCapData).
#include "kernel_state.hpp"

namespace kaal::mock {

namespace {

constexpr unsigned word_bits = 64;
constexpr Word cnode_guard_size_bits = 6; // seL4_CNode_CapData: guard size in the low 6 bits

// The cap a copy or mint puts in the destination, or why there is none.
Result<Capability> derive(const Slot& source) {
    const auto& cap = source.cap;
    switch (cap.type) {
    case CapType::untyped:
        // A copy of an untyped with children would let two caps hand out the same memory.
        if (source.has_children()) {
            return Error::revoke_first;
        }
        break;
    case CapType::irq_control:
    case CapType::io_port_control:
    case CapType::asid_control: return Error::illegal_operation; // these never have copies
    case CapType::paging:
        if (!cap.mapped) {
            return Error::illegal_operation;
        }
        break;
    default: break;
    }
    Capability derived = cap;
    if (derived.type == CapType::frame) {
        derived.mapped = false; // a frame cap's mapping stays with the cap that made it
        derived.mapped_vaddr = 0;
    }
    return derived;
}

struct SlotAddress {
    CPtr root;
    CPtr index;
    std::uint8_t depth;
};

struct Derivation {
    Slot* dest;
    Slot* source;
    Capability cap; // derived from the source, rights already masked
};

// The part copy and mint share, in seL4's order of checks: the destination is looked up and
// must be empty, then the source must hold a cap that may be derived. A test's injected failure
// for the invocation comes after the destination lookup, where the kernel's own errors would.
Result<Derivation> derive_into(Kernel::State& s, Invocation invocation, SlotAddress to,
                               SlotAddress from, CapRights rights) {
    KAAL_TRY(Slot * dest, s.lookup_target(to.root, to.index, to.depth));
    if (auto error = s.injected(invocation)) {
        return *error;
    }
    if (dest->cap.type != CapType::null) {
        return Error::delete_first;
    }
    KAAL_TRY(Slot * source, s.lookup_target(from.root, from.index, from.depth));
    if (source->cap.type == CapType::null) {
        return Error::failed_lookup;
    }
    KAAL_TRY(Capability cap, derive(*source));
    cap.rights = cap.rights.masked_by(rights);
    return Derivation{dest, source, std::move(cap)};
}

} // namespace

Status Kernel::cnode_copy(CPtr dest_root, CPtr dest_index, std::uint8_t dest_depth, CPtr src_root,
                          CPtr src_index, std::uint8_t src_depth, CapRights rights) {
    const std::lock_guard guard{state_->lock};
    KAAL_TRY(Derivation copy,
             derive_into(*state_, Invocation::cnode_copy, {dest_root, dest_index, dest_depth},
                         {src_root, src_index, src_depth}, rights));
    state_->insert(*copy.dest, std::move(copy.cap), copy.source);
    return {};
}

Status Kernel::cnode_mint(CPtr dest_root, CPtr dest_index, std::uint8_t dest_depth, CPtr src_root,
                          CPtr src_index, std::uint8_t src_depth, CapRights rights, Word badge) {
    const std::lock_guard guard{state_->lock};
    KAAL_TRY(Derivation derivation,
             derive_into(*state_, Invocation::cnode_mint, {dest_root, dest_index, dest_depth},
                         {src_root, src_index, src_depth}, rights));
    Capability& minted = derivation.cap;
    switch (minted.type) {
    case CapType::endpoint:
    case CapType::notification:
        // A badge is set once: minting from a badged cap would forge another sender's identity.
        if (minted.badge != 0) {
            return Error::illegal_operation;
        }
        minted.badge = badge;
        break;
    case CapType::cnode: {
        // The badge word is the new guard (seL4_CNode_CapData): it must still fit in a CPtr.
        const auto guard_bits = static_cast<unsigned>(badge & ((1U << cnode_guard_size_bits) - 1));
        if (guard_bits + minted.object->radix > word_bits) {
            return Error::illegal_operation;
        }
        const Word guard_value = badge >> cnode_guard_size_bits;
        minted.guard_bits = guard_bits;
        minted.guard =
            guard_bits >= word_bits ? guard_value : guard_value & ((Word{1} << guard_bits) - 1);
        break;
    }
    default: break; // other caps ignore the badge word
    }
    state_->insert(*derivation.dest, std::move(minted), derivation.source);
    return {};
}

Status Kernel::cnode_delete(CPtr root, CPtr index, std::uint8_t depth) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * slot, s.lookup_target(root, index, depth));
    if (auto error = s.injected(Invocation::cnode_delete)) {
        return *error;
    }
    s.delete_slot(*slot);
    return {};
}

Status Kernel::cnode_revoke(CPtr root, CPtr index, std::uint8_t depth) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * slot, s.lookup_target(root, index, depth));
    if (auto error = s.injected(Invocation::cnode_revoke)) {
        return *error;
    }
    s.revoke_slot(*slot);
    return {};
}

} // namespace kaal::mock
