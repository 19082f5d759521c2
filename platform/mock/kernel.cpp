// SPDX-License-Identifier: BSD-2-Clause
// Boot, CSpace lookup and capability lifetime of the mock kernel.
#include <algorithm>
#include <atomic>
#include <set>

#include "kernel_state.hpp"

namespace kaal::mock {

namespace {

constexpr unsigned word_bits = 64;

constexpr Word low_bits(Word value, unsigned bits) {
    return bits >= word_bits ? value : value & ((Word{1} << bits) - 1);
}
constexpr Word shift_right(Word value, unsigned bits) {
    return bits >= word_bits ? 0 : value >> bits;
}

Capability object_cap(CapType type, Object* object) {
    Capability cap;
    cap.type = type;
    cap.object = object;
    return cap;
}

} // namespace

// ---- Boot: the root task's CNode holds the initial caps, then one cap per untyped region, and
// the rest is the empty region (seL4 manual, "BootInfo").
Kernel::Kernel(const MachineConfig& machine) : state_(std::make_unique<State>()) {
    auto& s = *state_;
    s.machine = machine;
    s.irqs.resize(machine.max_irq + 1);
    // Room for a few hundred mappings before the VSpace's maps reallocate.
    s.pages.reserve(256);
    s.tables.reserve(64);

    // The kernel holds its boot objects itself: deleting the last cap to one destroys it, but its
    // memory stays out of the pool, since the kernel's state still points at it.
    s.root_cnode = s.new_object(ObjectType::cnode);
    s.root_cnode->holders = 1;
    s.root_cnode->radix = machine.root_cnode_bits;
    s.root_cnode->slots.resize(std::size_t{1} << machine.root_cnode_bits);
    // The root CNode's guard makes a CPtr resolve in exactly one level with depth 64, which is
    // what lets the root task use slot numbers as CPtrs.
    s.cspace_root = object_cap(CapType::cnode, s.root_cnode);
    s.cspace_root.guard_bits = word_bits - machine.root_cnode_bits;
    s.root_radix = machine.root_cnode_bits;
    s.root_cnode->caps = 1;

    Object* vspace = s.new_object(ObjectType::untyped);
    Object* tcb = s.new_object(ObjectType::tcb);
    Object* control = s.new_object(ObjectType::untyped);
    vspace->holders = tcb->holders = control->holders = 1;

    s.insert(s.root_cnode->slots.at(initial_cap::tcb), object_cap(CapType::tcb, tcb), nullptr);
    s.insert(s.root_cnode->slots.at(initial_cap::cnode), s.cspace_root, nullptr);
    s.insert(s.root_cnode->slots.at(initial_cap::vspace), object_cap(CapType::vspace, vspace),
             nullptr);
    s.insert(s.root_cnode->slots.at(initial_cap::irq_control),
             object_cap(CapType::irq_control, control), nullptr);
    s.insert(s.root_cnode->slots.at(initial_cap::asid_control),
             object_cap(CapType::asid_control, control), nullptr);
    if (machine.arch == Arch::x86_64) {
        s.insert(s.root_cnode->slots.at(initial_cap::io_port_control),
                 object_cap(CapType::io_port_control, control), nullptr);
    }

    auto& bi = s.bootinfo;
    bi.arch = machine.arch;
    bi.init_cnode_size_bits = machine.root_cnode_bits;
    const auto count = std::min<std::size_t>(machine.memory.size(), BootInfo::max_untypeds);
    bi.untyped = {initial_cap::count, initial_cap::count + count};
    for (std::size_t i = 0; i < count; ++i) {
        const auto& desc = machine.memory[i];
        Object* untyped = s.new_object(ObjectType::untyped);
        untyped->holders = 1;
        untyped->paddr = desc.paddr;
        untyped->size_bits = desc.size_bits;
        untyped->device = desc.is_device;
        s.insert(s.root_cnode->slots.at(bi.untyped.start + i),
                 object_cap(CapType::untyped, untyped), nullptr);
        bi.untyped_list[i] = desc;
    }
    bi.empty = {bi.untyped.end, CPtr{1} << machine.root_cnode_bits};
}

// Every object lives in the pool, which goes with the state: there is nothing to delete first.
Kernel::~Kernel() = default;

const BootInfo& Kernel::bootinfo() const {
    return state_->bootinfo;
}
Arch Kernel::arch() const {
    return state_->machine.arch;
}

// ---- Lookup: seL4's resolveAddressBits. Each CNode consumes its guard and then radix bits of
// the CPtr; the walk continues through CNode caps until `depth` bits are used.
Result<Kernel::State::Resolved> Kernel::State::resolve(const Capability& root, Word cptr,
                                                       unsigned depth) const {
    // One CNode whose guard and radix consume the whole depth, as the root task's CSpace does for
    // every CPtr: the loop's first iteration, whose depth check passes and which ends there.
    if (root.type == CapType::cnode && root.guard_bits + root.object->radix == depth) {
        const unsigned radix = root.object->radix;
        if (low_bits(shift_right(cptr, radix), root.guard_bits) != root.guard) {
            return Error::failed_lookup; // guard mismatch
        }
        return Resolved{&root.object->slots[low_bits(cptr, radix)], 0};
    }
    const Capability* node = &root;
    unsigned left = depth;
    for (;;) {
        if (node->type != CapType::cnode) {
            return Error::failed_lookup;
        }
        const unsigned radix = node->object->radix;
        const unsigned level = radix + node->guard_bits;
        if (node->guard_bits > left ||
            low_bits(shift_right(cptr, left - node->guard_bits), node->guard_bits) != node->guard) {
            return Error::failed_lookup; // guard mismatch
        }
        if (level > left) {
            return Error::failed_lookup; // depth mismatch
        }
        const Word index = low_bits(shift_right(cptr, left - level), radix);
        Slot* slot = &node->object->slots[index];
        left -= level;
        if (left == 0 || slot->cap.type != CapType::cnode) {
            return Resolved{slot, left};
        }
        node = &slot->cap;
    }
}

// A slot named by (root, index, depth) for a CNode operation: depth must be 1..64 and must
// be consumed exactly (seL4's lookupTargetSlot).
Result<Slot*> Kernel::State::lookup_target(CPtr root, CPtr index, std::uint8_t depth) const {
    auto root_slot = lookup_invoked(root);
    if (!root_slot || (*root_slot)->cap.type != CapType::cnode) {
        return Error::failed_lookup;
    }
    if (depth < 1 || depth > word_bits) {
        return Error::range_error;
    }
    auto found = resolve((*root_slot)->cap, index, depth);
    if (!found || found->bits_left != 0) {
        return Error::failed_lookup;
    }
    return found->slot;
}

Slot* Kernel::State::root_slot(CPtr index) const {
    return index < root_cnode->slots.size() ? &root_cnode->slots[index] : nullptr;
}

std::optional<Error> Kernel::State::take_injection(Invocation what) {
    for (auto it = injections.begin(); it != injections.end(); ++it) {
        if (it->what != what) {
            continue;
        }
        if (it->skip > 0) {
            --it->skip;
            return std::nullopt;
        }
        const Error error = it->error;
        injections.erase(it);
        return error;
    }
    return std::nullopt;
}

// ---- Capability lifetime
void Kernel::State::release(Object& object) {
    if (--object.holders == 0 && object.destroyed) {
        objects.give_back(&object);
    }
}

namespace {
void unlink_child(Slot& child) {
    Slot& parent = *child.parent;
    (child.prev_sibling != nullptr ? child.prev_sibling->next_sibling : parent.first_child) =
        child.next_sibling;
    (child.next_sibling != nullptr ? child.next_sibling->prev_sibling : parent.last_child) =
        child.prev_sibling;
    child.parent = child.prev_sibling = child.next_sibling = nullptr;
    --parent.child_count;
}
} // namespace

// Deleting a cap takes it out of the derivation tree; its children move up to its parent, in
// their order and after the parent's other children, as they do when seL4 unlinks a cap from its
// derivation list.
void Kernel::State::delete_slot(Slot& slot) {
    if (slot.cap.type == CapType::null) {
        return;
    }
    Capability cap = slot.cap;
    slot.cap = Capability{};
    while (slot.first_child != nullptr) {
        Slot& child = *slot.first_child;
        unlink_child(child);
        if (slot.parent != nullptr) {
            link_child(*slot.parent, child);
        }
    }
    if (slot.parent != nullptr) {
        unlink_child(slot);
    }
    finalise(cap, slot);
}

void Kernel::State::revoke_slot(Slot& slot) {
    while (slot.last_child != nullptr) {
        Slot* child = slot.last_child;
        revoke_slot(*child);
        delete_slot(*child);
    }
}

// What deleting a cap does to its object (seL4's finaliseCap): a frame cap's own mapping goes
// with it; the last cap to an object destroys it.
void Kernel::State::finalise(Capability& cap, Slot& slot) {
    if (cap.type == CapType::frame && cap.mapped) {
        auto it = pages.find(cap.mapped_vaddr);
        if (it != pages.end() && it->second.frame_slot == &slot) {
            pages.erase(it);
        }
    }
    count_device_cap(cap, -1);
    if (cap.type == CapType::io_port) {
        std::erase_if(io_ports, [&](const IoPortRange& r) {
            return r.first == cap.first_port && r.last == cap.last_port && r.caps == 0;
        });
    }
    if (cap.type == CapType::irq_handler && irqs[cap.irq].handler_caps == 0) {
        // Only one handler cap per IRQ is ever issued and copies are its children, which a
        // delete moves up; the IRQ goes inactive when the last one is gone.
        irqs[cap.irq] = IrqState{};
    }
    if (cap.object == nullptr || cap.type == CapType::irq_control ||
        cap.type == CapType::asid_control || cap.type == CapType::io_port_control) {
        return;
    }
    Object* object = cap.object;
    if (--object->caps != 0) {
        return;
    }
    if (cap.type == CapType::paging && cap.mapped) {
        // unmap_region erases from `tables`, so find the entry first and unmap after the loop.
        std::optional<TableKey> where;
        for (const auto& [position, table] : tables) {
            if (table == object) {
                where = position;
                break;
            }
        }
        if (where) {
            unmap_region(key_level(*where), key_region(*where));
        }
    }
    destroy(*object);
    if (object->holders == 0) {
        objects.give_back(object);
    }
}

void Kernel::State::destroy(Object& object) {
    object.destroyed = true;
    if (object.type == ObjectType::notification) {
        for (auto& irq : irqs) {
            if (irq.notification == &object) {
                irq.notification = nullptr;
            }
        }
    }
    for (PendingIpc* sender = object.senders_head; sender != nullptr; sender = sender->next) {
        sender->cancelled = true;
    }
    object.senders_head = object.senders_tail = nullptr;
    for (auto& inner : object.slots) {
        revoke_slot(inner);
        delete_slot(inner);
    }
    wake_all();
}

// Removes a table and everything reachable only through it from the VSpace.
void Kernel::State::unmap_region(unsigned level, Word key) {
    const unsigned bits = region_bits(level);
    const Word start = key << bits;
    const Word end = start + (Word{1} << bits);
    walked_region = no_region;
    tables.erase_if([&](const auto& entry) {
        const unsigned l = key_level(entry.first);
        const Word base = key_region(entry.first) << region_bits(l);
        return l >= level && base >= start && base < end;
    });
    pages.erase(pages.lower_bound(start), pages.lower_bound(end));
}

// ---- Inspection
SlotInfo Kernel::slot(CPtr index) const {
    const std::lock_guard guard{state_->lock};
    const Slot* slot = state_->root_slot(index);
    SlotInfo info;
    if (slot == nullptr) {
        return info;
    }
    const auto& cap = slot->cap;
    info.type = cap.type;
    if (cap.object != nullptr) {
        info.object = cap.object->type;
        info.paddr = cap.object->paddr;
    }
    info.badge = cap.badge;
    info.rights = cap.rights;
    info.children = slot->child_count;
    info.mapped = cap.mapped;
    info.mapped_vaddr = cap.mapped_vaddr;
    return info;
}

std::size_t Kernel::occupied_slots() const {
    const std::lock_guard guard{state_->lock};
    return static_cast<std::size_t>(
        std::count_if(state_->root_cnode->slots.begin(), state_->root_cnode->slots.end(),
                      [](const Slot& s) { return s.cap.type != CapType::null; }));
}

std::size_t Kernel::live_objects() const {
    const std::lock_guard guard{state_->lock};
    std::set<const Object*> seen;
    std::vector<const Object*> cnodes{state_->root_cnode};
    while (!cnodes.empty()) {
        const Object* cnode = cnodes.back();
        cnodes.pop_back();
        for (const auto& s : cnode->slots) {
            const Object* object = s.cap.object;
            if (object == nullptr || !object->from_retype || !seen.insert(object).second) {
                continue;
            }
            if (s.cap.type == CapType::cnode) {
                cnodes.push_back(object);
            }
        }
    }
    return seen.size();
}

Result<Word> Kernel::untyped_watermark(CPtr untyped) const {
    const std::lock_guard guard{state_->lock};
    const Slot* slot = state_->root_slot(untyped);
    if (slot == nullptr || slot->cap.type != CapType::untyped) {
        return Error::invalid_capability;
    }
    return slot->cap.free_offset;
}

std::optional<Mapping> Kernel::mapping_at(Word vaddr) const {
    const std::lock_guard guard{state_->lock};
    auto it = state_->pages.upper_bound(vaddr);
    if (it == state_->pages.begin()) {
        return std::nullopt;
    }
    --it;
    const auto& page = it->second;
    if (vaddr - it->first >= (Word{1} << page.size_bits)) {
        return std::nullopt;
    }
    return Mapping{page.paddr + (vaddr - it->first), page.size_bits, page.rights, page.cached};
}

bool Kernel::irq_active(Word irq) const {
    const std::lock_guard guard{state_->lock};
    return irq < state_->irqs.size() && state_->irqs[irq].active;
}

void Kernel::inject_failure(Invocation what, Error error, unsigned skip) {
    const std::lock_guard guard{state_->lock};
    state_->injections.push_back({what, error, skip});
}

ScopedKernel::ScopedKernel(Kernel& kernel) : previous_(detail::active_kernel.exchange(&kernel)) {}
ScopedKernel::~ScopedKernel() {
    detail::active_kernel.store(previous_);
}

} // namespace kaal::mock
