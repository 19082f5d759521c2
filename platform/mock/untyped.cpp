// SPDX-License-Identifier: BSD-2-Clause
// seL4_Untyped_Retype, checked in the order seL4 checks it so a request with several faults gets
// the kernel's error (seL4 manual, "Untyped Memory"; seL4's decodeUntypedInvocation).
#include "kernel_state.hpp"

namespace kaal::mock {

namespace {

// CONFIG_RETYPE_FAN_OUT_LIMIT: the most objects one retype may create.
constexpr Word retype_fan_out_limit = 256;

CapType cap_type_for(ObjectType type) {
    switch (type) {
    case ObjectType::untyped: return CapType::untyped;
    case ObjectType::tcb: return CapType::tcb;
    case ObjectType::endpoint: return CapType::endpoint;
    case ObjectType::notification: return CapType::notification;
    case ObjectType::cnode: return CapType::cnode;
    case ObjectType::small_frame:
    case ObjectType::large_frame: return CapType::frame;
    case ObjectType::page_table:
    case ObjectType::page_directory:
    case ObjectType::pdpt: return CapType::paging;
    case ObjectType::vspace: return CapType::vspace;
    }
    return CapType::null;
}

constexpr Word align_up(Word value, unsigned bits) {
    const Word mask = (Word{1} << bits) - 1;
    return (value + mask) & ~mask;
}

} // namespace

Status Kernel::untyped_retype(CPtr untyped, ObjectType type, unsigned user_bits, CPtr root,
                              CPtr node_index, std::uint8_t node_depth, Word node_offset,
                              Word count) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * source, s.invoked_as(untyped, CapType::untyped));
    if (auto error = s.injected(Invocation::untyped_retype)) {
        return *error;
    }
    KAAL_TRY(const unsigned size_bits, object_size_bits(s.machine.arch, type, user_bits));

    // The destination CNode: depth 0 means the root cap itself.
    Slot* node = nullptr;
    if (node_depth == 0) {
        auto found = s.lookup_invoked(root);
        if (!found) {
            return Error::failed_lookup;
        }
        node = *found;
    } else {
        KAAL_TRY(node, s.lookup_target(root, node_index, node_depth));
    }
    if (node->cap.type != CapType::cnode) {
        return Error::failed_lookup;
    }
    const Word node_size = Word{1} << node->cap.object->radix;
    if (node_offset > node_size - 1) {
        return Error::range_error;
    }
    if (count < 1 || count > retype_fan_out_limit || count > node_size - node_offset) {
        return Error::range_error;
    }
    auto& slots = node->cap.object->slots;
    for (Word i = node_offset; i < node_offset + count; ++i) {
        if (slots[i].cap.type != CapType::null) {
            return Error::delete_first;
        }
    }

    // With no children the untyped starts again from its base (seL4 resets it); otherwise
    // allocation continues from the free index. The size check ignores alignment: the untyped's
    // end is aligned to any smaller object, so anything that fits also fits aligned up.
    auto& ut = source->cap;
    const Object& region = *ut.object;
    const Word used = source->has_children() ? ut.free_offset : 0;
    const Word free_bytes = (Word{1} << region.size_bits) - used;
    if (size_bits >= 64 || (free_bytes >> size_bits) < count) {
        return Error::not_enough_memory;
    }
    if (region.device && !is_frame(type) && type != ObjectType::untyped) {
        return Error::invalid_argument;
    }

    const Word base = align_up(region.paddr + used, size_bits);
    ut.free_offset = base + (count << size_bits) - region.paddr;
    for (Word i = 0; i < count; ++i) {
        Object* object = s.new_object(type);
        object->paddr = base + (i << size_bits);
        object->size_bits = type == ObjectType::untyped ? user_bits : size_bits;
        object->device = region.device;
        object->from_retype = true;
        if (type == ObjectType::cnode) {
            object->radix = user_bits;
            object->slots.resize(std::size_t{1} << user_bits);
        }
        s.insert_object(slots[node_offset + i], cap_type_for(type), object, source);
    }
    return {};
}

} // namespace kaal::mock
