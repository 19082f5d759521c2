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

std::atomic<Kernel*> active_kernel{nullptr};

Capability object_cap(CapType type, std::shared_ptr<Object> object) {
    Capability cap;
    cap.type = type;
    cap.object = std::move(object);
    return cap;
}

} // namespace

// ---- Boot: the root task's CNode holds the initial caps, then one cap per untyped region, and
// the rest is the empty region (seL4 manual, "BootInfo").
Kernel::Kernel(const MachineConfig& machine) : state_(std::make_unique<State>()) {
    auto& s = *state_;
    s.machine = machine;
    s.irqs.resize(machine.max_irq + 1);

    s.root_cnode = std::make_shared<Object>();
    s.root_cnode->type = ObjectType::cnode;
    s.root_cnode->radix = machine.root_cnode_bits;
    s.root_cnode->slots.resize(std::size_t{1} << machine.root_cnode_bits);
    // The root CNode's guard makes a CPtr resolve in exactly one level with depth 64, which is
    // what lets the root task use slot numbers as CPtrs.
    s.cspace_root = object_cap(CapType::cnode, s.root_cnode);
    s.cspace_root.guard_bits = word_bits - machine.root_cnode_bits;
    s.root_cnode->caps = 1;

    s.vspace = std::make_shared<Object>();
    auto tcb = std::make_shared<Object>();
    tcb->type = ObjectType::tcb;
    auto control = std::make_shared<Object>();

    s.insert(s.root_cnode->slots.at(initial_cap::tcb), object_cap(CapType::tcb, tcb), nullptr);
    s.insert(s.root_cnode->slots.at(initial_cap::cnode), s.cspace_root, nullptr);
    s.insert(s.root_cnode->slots.at(initial_cap::vspace), object_cap(CapType::vspace, s.vspace),
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
        auto untyped = std::make_shared<Object>();
        untyped->paddr = desc.paddr;
        untyped->size_bits = desc.size_bits;
        untyped->device = desc.is_device;
        s.insert(s.root_cnode->slots.at(bi.untyped.start + i),
                 object_cap(CapType::untyped, untyped), nullptr);
        bi.untyped_list[i] = desc;
    }
    bi.empty = {bi.untyped.end, CPtr{1} << machine.root_cnode_bits};
}

Kernel::~Kernel() {
    // Break the ownership cycles a CNode holding a cap to itself would leave.
    const std::lock_guard guard{state_->lock};
    for (auto& slot : state_->root_cnode->slots) {
        state_->revoke_slot(slot);
        state_->delete_slot(slot);
    }
}

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

// The cap being invoked is looked up with the full word, and a lookup that ends early at a
// non-CNode cap still finds it (seL4's lookupCapAndSlot). seL4 reports a failed lookup of an
// invoked cap as a cap fault; the mock returns seL4_InvalidCapability, as for a null cap.
Result<Slot*> Kernel::State::lookup_invoked(CPtr cptr) const {
    auto found = resolve(cspace_root, cptr, word_bits);
    if (!found) {
        return Error::invalid_capability;
    }
    return found->slot;
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

std::optional<Error> Kernel::State::injected(Invocation what) {
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
void Kernel::State::insert(Slot& dest, Capability cap, Slot* parent) {
    if (cap.object && cap.type != CapType::irq_control && cap.type != CapType::asid_control &&
        cap.type != CapType::io_port_control) {
        ++cap.object->caps;
    }
    dest.cap = std::move(cap);
    dest.parent = parent;
    if (parent != nullptr) {
        parent->children.push_back(&dest);
    }
}

// Deleting a cap takes it out of the derivation tree; its children move up to its parent, as
// they do when seL4 unlinks a cap from its derivation list.
void Kernel::State::delete_slot(Slot& slot) {
    if (slot.cap.type == CapType::null) {
        return;
    }
    Capability cap = std::move(slot.cap);
    slot.cap = Capability{};
    for (Slot* child : slot.children) {
        child->parent = slot.parent;
        if (slot.parent != nullptr) {
            slot.parent->children.push_back(child);
        }
    }
    slot.children.clear();
    if (slot.parent != nullptr) {
        auto& siblings = slot.parent->children;
        siblings.erase(std::remove(siblings.begin(), siblings.end(), &slot), siblings.end());
        slot.parent = nullptr;
    }
    finalise(cap, slot);
}

void Kernel::State::revoke_slot(Slot& slot) {
    while (!slot.children.empty()) {
        Slot* child = slot.children.back();
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
    if (cap.type == CapType::io_port) {
        bool other = false;
        for (const auto& s : root_cnode->slots) {
            other = other || (s.cap.type == CapType::io_port && s.cap.first_port == cap.first_port);
        }
        if (!other) {
            std::erase(io_ports, std::pair{cap.first_port, cap.last_port});
        }
    }
    if (cap.type == CapType::irq_handler) {
        // Only one handler cap per IRQ is ever issued and copies are its children, which a
        // delete moves up; the IRQ goes inactive when the last one is gone.
        bool other = false;
        for (const auto& s : root_cnode->slots) {
            other = other || (s.cap.type == CapType::irq_handler && s.cap.irq == cap.irq);
        }
        if (!other) {
            irqs[cap.irq] = IrqState{};
        }
    }
    if (!cap.object || cap.type == CapType::irq_control || cap.type == CapType::asid_control ||
        cap.type == CapType::io_port_control) {
        return;
    }
    auto object = cap.object;
    if (--object->caps != 0) {
        return;
    }
    if (cap.type == CapType::paging && cap.mapped) {
        // unmap_region erases from `tables`, so find the entry first and unmap after the loop.
        std::optional<std::pair<unsigned, Word>> where;
        for (const auto& [position, table] : tables) {
            if (table == object.get()) {
                where = position;
                break;
            }
        }
        if (where) {
            unmap_region(where->first, where->second);
        }
    }
    destroy(*object);
}

void Kernel::State::destroy(Object& object) {
    object.destroyed = true;
    if (object.type == ObjectType::notification) {
        for (auto& irq : irqs) {
            if (irq.notification.lock().get() == &object) {
                irq.notification.reset();
            }
        }
    }
    for (PendingIpc* sender : object.senders) {
        sender->cancelled = true;
    }
    object.senders.clear();
    for (auto& inner : object.slots) {
        revoke_slot(inner);
        delete_slot(inner);
    }
    changed.notify_all();
}

// Removes a table and everything reachable only through it from the VSpace.
void Kernel::State::unmap_region(unsigned level, Word key) {
    const unsigned bits = region_bits(level);
    const Word start = key << bits;
    const Word end = start + (Word{1} << bits);
    std::erase_if(tables, [&](const auto& entry) {
        const auto [l, k] = entry.first;
        const Word base = k << region_bits(l);
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
    if (cap.object) {
        info.object = cap.object->type;
        info.paddr = cap.object->paddr;
    }
    info.badge = cap.badge;
    info.rights = cap.rights;
    info.children = slot->children.size();
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
    std::vector<const Object*> cnodes{state_->root_cnode.get()};
    while (!cnodes.empty()) {
        const Object* cnode = cnodes.back();
        cnodes.pop_back();
        for (const auto& s : cnode->slots) {
            const Object* object = s.cap.object.get();
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

ScopedKernel::ScopedKernel(Kernel& kernel) : previous_(active_kernel.exchange(&kernel)) {}
ScopedKernel::~ScopedKernel() {
    active_kernel.store(previous_);
}
Kernel* current_kernel() {
    return active_kernel.load();
}

} // namespace kaal::mock
