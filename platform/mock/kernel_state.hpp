// SPDX-License-Identifier: BSD-2-Clause
#pragma once

// The mock kernel's internal object model, shared by the files that implement its invocations.
// Not installed: nothing outside platform/mock/ sees these types.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <kaal/platform/mock/kernel.hpp>

namespace kaal::mock {

struct Object;
struct Slot;

// A capability as seL4 stores it in a slot: the object it names plus the fields the kernel keeps
// in the cap itself (badge, rights, CNode guard, untyped free index, frame mapping). A plain
// struct: the object's lifetime is counted in `Object::caps` by the slot operations, so copying a
// cap on the invocation path touches no reference count.
// The words first and the small fields together, so a cap is 72 bytes to copy, not 104.
struct Capability {
    Object* object = nullptr;
    Word badge = 0;
    Word guard = 0;        // CNodes
    Word free_offset = 0;  // untypeds: bytes used, seL4's capFreeIndex
    Word mapped_vaddr = 0; // frames and paging structures
    Word irq = 0;          // IRQ handlers
    Word first_port = 0;
    Word last_port = 0; // I/O ports, inclusive
    CapType type = CapType::null;
    CapRights rights = CapRights::all();
    bool mapped = false;
    unsigned guard_bits = 0;
};

// A CNode slot with its place in the capability derivation tree (seL4 manual, "Capability
// Derivation"): revoke deletes the children, and an untyped with children keeps its free index.
// The children are an intrusive list in insertion order, linked through the slots themselves as
// seL4 links its MDB nodes, so deriving a cap allocates nothing.
struct Slot {
    Capability cap;
    Slot* parent = nullptr;
    Slot* first_child = nullptr;
    Slot* last_child = nullptr;
    Slot* prev_sibling = nullptr;
    Slot* next_sibling = nullptr;
    std::size_t child_count = 0;

    [[nodiscard]] bool has_children() const { return first_child != nullptr; }
};

// Appends `child` to `parent`'s children, the order revoke and inspection see them in.
inline void link_child(Slot& parent, Slot& child) {
    child.parent = &parent;
    child.prev_sibling = parent.last_child;
    child.next_sibling = nullptr;
    if (parent.last_child != nullptr) {
        parent.last_child->next_sibling = &child;
    } else {
        parent.first_child = &child;
    }
    parent.last_child = &child;
    ++parent.child_count;
}

// A message in flight on an endpoint, owned by the blocked sender's stack frame and queued
// through `next`.
struct PendingIpc {
    Word badge = 0;
    Message message;
    bool is_call = false;
    bool received = false;
    bool cancelled = false;
    std::optional<Message> reply;
    PendingIpc* next = nullptr;
};

struct Object {
    ObjectType type = ObjectType::untyped;
    Word paddr = 0;
    unsigned size_bits = 0;
    bool device = false;
    bool from_retype = false;
    std::size_t caps = 0; // caps naming this object; the last one's deletion destroys it
    // Threads blocked on the object (and the kernel itself for its boot objects): a destroyed
    // object's memory goes back to the pool only when none is left to look at it.
    std::size_t holders = 0;
    bool destroyed = false;
    // CNodes
    unsigned radix = 0;
    std::vector<Slot> slots;
    // Notifications: seL4's Idle/Active states and the badge word
    bool active = false;
    Word word = 0;
    // Endpoints: blocked senders in arrival order
    PendingIpc* senders_head = nullptr;
    PendingIpc* senders_tail = nullptr;
    // The pool's free list, while the object is not in use
    Object* next_free = nullptr;
};

// A map kept as a sorted vector: the VSpace holds a few dozen entries, so a binary search and a
// short memmove are cheaper than a tree node allocation per mapping, and the capacity reserved
// at boot means mapping on the invocation path normally allocates nothing.
template <typename Key, typename Value>
class FlatMap {
public:
    using Entry = std::pair<Key, Value>;
    using iterator = typename std::vector<Entry>::iterator;
    using const_iterator = typename std::vector<Entry>::const_iterator;

    void reserve(std::size_t n) { entries_.reserve(n); }
    iterator begin() { return entries_.begin(); }
    iterator end() { return entries_.end(); }
    [[nodiscard]] const_iterator begin() const { return entries_.begin(); }
    [[nodiscard]] const_iterator end() const { return entries_.end(); }

    // Mappings are mostly made at rising addresses, so a key past the last one is checked first.
    iterator lower_bound(const Key& key) {
        if (entries_.empty() || entries_.back().first < key) {
            return entries_.end();
        }
        return std::lower_bound(entries_.begin(), entries_.end(), key,
                                [](const Entry& e, const Key& k) { return e.first < k; });
    }
    [[nodiscard]] const_iterator lower_bound(const Key& key) const {
        if (entries_.empty() || entries_.back().first < key) {
            return entries_.end();
        }
        return std::lower_bound(entries_.begin(), entries_.end(), key,
                                [](const Entry& e, const Key& k) { return e.first < k; });
    }
    [[nodiscard]] const_iterator upper_bound(const Key& key) const {
        return std::upper_bound(entries_.begin(), entries_.end(), key,
                                [](const Key& k, const Entry& e) { return k < e.first; });
    }
    iterator find(const Key& key) {
        auto it = lower_bound(key);
        return it != entries_.end() && it->first == key ? it : entries_.end();
    }
    [[nodiscard]] const_iterator find(const Key& key) const {
        auto it = lower_bound(key);
        return it != entries_.end() && it->first == key ? it : entries_.end();
    }
    [[nodiscard]] bool contains(const Key& key) const { return find(key) != entries_.end(); }
    void insert_or_assign(const Key& key, Value value) {
        auto it = lower_bound(key);
        if (it != entries_.end() && it->first == key) {
            it->second = std::move(value);
        } else {
            entries_.insert(it, Entry{key, std::move(value)});
        }
    }
    // Inserts before `position`, which must be where lower_bound(key) points.
    void insert_at(iterator position, const Key& key, Value value) {
        entries_.insert(position, Entry{key, std::move(value)});
    }
    iterator erase(iterator it) { return entries_.erase(it); }
    iterator erase(iterator first, iterator last) { return entries_.erase(first, last); }
    template <typename Pred>
    void erase_if(Pred pred) {
        std::erase_if(entries_, pred);
    }

private:
    std::vector<Entry> entries_;
};

// Kernel objects, allocated in chunks that never move (caps, IRQs and blocked threads hold raw
// pointers) and recycled through a free list: a retype takes an object from the pool instead of
// the heap, as seL4 carves objects out of untyped memory instead of allocating them.
class ObjectPool {
public:
    Object* take() {
        if (free_ == nullptr) {
            grow();
        }
        Object* object = free_;
        free_ = object->next_free;
        object->next_free = nullptr;
        return object;
    }
    // `object` must be destroyed with no caps and no holders left.
    void give_back(Object* object) {
        *object = Object{}; // releases a CNode's slots
        object->next_free = free_;
        free_ = object;
    }

private:
    void grow() {
        // Doubling chunks: a kernel that retypes many objects grows its pool in few steps.
        const std::size_t n = next_chunk_;
        next_chunk_ *= 2;
        chunks_.push_back(std::make_unique<Object[]>(n));
        Object* chunk = chunks_.back().get();
        for (std::size_t i = n; i-- > 0;) {
            chunk[i].next_free = free_;
            free_ = &chunk[i];
        }
    }

    std::size_t next_chunk_ = 256;
    std::vector<std::unique_ptr<Object[]>> chunks_;
    Object* free_ = nullptr;
};

struct PageEntry {
    Slot* frame_slot = nullptr;
    Word paddr = 0;
    unsigned size_bits = 0;
    CapRights rights;
    bool cached = true;
};

struct IrqState {
    bool active = false;            // an IRQHandler cap exists (seL4's IRQSignal state)
    std::size_t handler_caps = 0;   // IRQHandler caps for it, in any CNode
    Object* notification = nullptr; // cleared when the notification is destroyed
    Word badge = 0;
    bool masked = false; // delivered and not yet acked
    bool pending = false;
};

struct Injection {
    Invocation what;
    Error error;
    unsigned skip;
};

// The paging levels below the VSpace root: level 1 tables cover 512 GiB, level 2 1 GiB and
// level 3 2 MiB, on both aarch64 (4-level, 48-bit) and x86_64 (PML4, PDPT, PD, PT).
inline constexpr unsigned paging_levels = 3;
constexpr unsigned region_bits(unsigned level) {
    return object_bits::small_page + object_bits::page_table_index * (paging_levels + 1 - level);
}
// The highest user virtual address on both architectures' 48-bit address spaces.
inline constexpr Word user_top = 0x0000'7fff'ffff'ffffULL;

// Where a paging structure is mapped: its level above the index of the region it covers, in one
// word that orders as the pair (level, region) would, so a VSpace walk compares words, not pairs.
// A region index is at most 48 - 12 bits.
using TableKey = Word;
inline constexpr unsigned table_key_level_shift = 60;
constexpr TableKey table_key(unsigned level, Word region) {
    return (Word{level} << table_key_level_shift) | region;
}
constexpr unsigned key_level(TableKey key) {
    return static_cast<unsigned>(key >> table_key_level_shift);
}
constexpr Word key_region(TableKey key) {
    return key & ((Word{1} << table_key_level_shift) - 1);
}

// The kernel's big lock. seL4's own big kernel lock spins (a CLH lock), and so does this one: an
// invocation holds it for a few hundred instructions and a blocked invocation sleeps on
// `changed` without it, so waiting for it is short; it yields to the host scheduler rather than
// burn a shared core. Releasing it is a plain store where a futex mutex needs a second atomic
// read-modify-write, which halves the atomics every invocation pays.
class KernelLock {
public:
    void lock() noexcept {
        while (held_.exchange(true, std::memory_order_acquire)) {
            while (held_.load(std::memory_order_relaxed)) {
                std::this_thread::yield();
            }
        }
    }
    bool try_lock() noexcept {
        return !held_.load(std::memory_order_relaxed) &&
               !held_.exchange(true, std::memory_order_acquire);
    }
    void unlock() noexcept { held_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> held_{false};
};

struct Kernel::State {
    MachineConfig machine;
    BootInfo bootinfo;
    mutable KernelLock lock;
    // Any blocking wait re-checks its condition on this. `sleepers` counts the threads waiting on
    // it (read and written under `lock`), so a change nobody waits for skips the notification.
    std::condition_variable_any changed;
    std::size_t sleepers = 0;
    template <typename Predicate>
    void sleep(std::unique_lock<KernelLock>& guard, Predicate ready) {
        ++sleepers;
        changed.wait(guard, ready);
        --sleepers;
    }
    void wake_all() {
        if (sleepers != 0) {
            changed.notify_all();
        }
    }

    ObjectPool objects; // first, so that it outlives every pointer into it
    Object* root_cnode = nullptr;
    Capability cspace_root;         // the initial thread's CSpace root, held by its TCB
    unsigned root_radix = 0;        // its CNode's radix; its guard has the rest of the word
    FlatMap<Word, PageEntry> pages; // by virtual address
    FlatMap<TableKey, const Object*> tables;
    // The last 2 MiB region a small frame was mapped into, whose three paging structures are
    // therefore present: a driver's DMA pages and a component's image are mapped one page after
    // another in one region, and each map would otherwise search for the same three tables.
    // Forgotten whenever a table is unmapped.
    static constexpr Word no_region = ~Word{0};
    Word walked_region = no_region;
    std::vector<IrqState> irqs;
    // Issued ranges, inclusive, with the number of caps to each, in any CNode.
    struct IoPortRange {
        Word first;
        Word last;
        std::size_t caps;
    };
    std::vector<IoPortRange> io_ports;
    std::vector<Injection> injections;

    // Lookups (seL4 manual, "CSpace Addressing").
    struct Resolved {
        Slot* slot;
        unsigned bits_left;
    };
    Result<Resolved> resolve(const Capability& root, Word cptr, unsigned depth) const;
    // The cap being invoked is looked up with the full word, and a lookup that ends early at a
    // non-CNode cap still finds it (seL4's lookupCapAndSlot). seL4 reports a failed lookup of an
    // invoked cap as a cap fault; the mock returns seL4_InvalidCapability, as for a null cap.
    // The root task's CSpace root is set at boot and never changes; its guard and radix make up
    // the whole word, so resolving 64 bits through it is one level: the guard must match the
    // CPtr's high bits and the low bits index the root CNode. Every invocation makes this lookup,
    // so it is that one level inline rather than resolve()'s loop.
    Result<Slot*> lookup_invoked(CPtr cptr) const {
        if ((cptr >> root_radix) != cspace_root.guard) {
            return Error::invalid_capability; // guard mismatch
        }
        return &root_cnode->slots[cptr & ((Word{1} << root_radix) - 1)];
    }
    // The cap an invocation names, if it has the invoked method: as seL4's decodeInvocation, an
    // empty slot is seL4_InvalidCapability and a cap of another type seL4_IllegalOperation.
    Result<Slot*> invoked_as(CPtr cptr, CapType type) const {
        KAAL_TRY(Slot * slot, lookup_invoked(cptr));
        if (slot->cap.type == CapType::null) {
            return Error::invalid_capability;
        }
        if (slot->cap.type != type) {
            return Error::illegal_operation;
        }
        return slot;
    }
    Result<Slot*> lookup_target(CPtr root, CPtr index, std::uint8_t depth) const;
    Slot* root_slot(CPtr index) const;

    // Inline, so an invocation with no failures queued pays one comparison.
    std::optional<Error> injected(Invocation what) {
        if (injections.empty()) {
            return std::nullopt;
        }
        return take_injection(what);
    }
    std::optional<Error> take_injection(Invocation what);

    // Capability lifetime.
    // Inline, with insert, so that a retype writes each new cap straight into its slot.
    Object* new_object(ObjectType type) {
        Object* object = objects.take();
        object->type = type;
        return object;
    }
    void release(Object& object); // drops one holder
    void insert(Slot& dest, const Capability& cap, Slot* parent) {
        if (cap.object != nullptr && cap.type != CapType::irq_control &&
            cap.type != CapType::asid_control && cap.type != CapType::io_port_control) {
            ++cap.object->caps;
        }
        count_device_cap(cap, +1);
        dest.cap = cap;
        dest.parent = nullptr;
        if (parent != nullptr) {
            link_child(*parent, dest);
        }
    }
    // insert() of a fresh cap to a new object, built in the slot rather than copied into it.
    void insert_object(Slot& dest, CapType type, Object* object, Slot* parent) {
        dest.cap = Capability{};
        dest.cap.type = type;
        dest.cap.object = object;
        ++object->caps;
        dest.parent = nullptr;
        link_child(*parent, dest);
    }
    // IRQHandler and IOPort caps name no object, yet seL4 treats each cap to the same IRQ or
    // port range as a cap to the same object: the last one's deletion, wherever it lives in the
    // derivation tree, frees the IRQ or the ports (seL4's isFinalCapability and finaliseCap).
    // Counting them where caps are made and destroyed models that for caps in any CNode.
    void count_device_cap(const Capability& cap, int delta) {
        if (cap.type == CapType::irq_handler && cap.irq < irqs.size()) {
            irqs[cap.irq].handler_caps =
                static_cast<std::size_t>(static_cast<long>(irqs[cap.irq].handler_caps) + delta);
        } else if (cap.type == CapType::io_port) {
            for (auto& range : io_ports) {
                if (range.first == cap.first_port && range.last == cap.last_port) {
                    range.caps = static_cast<std::size_t>(static_cast<long>(range.caps) + delta);
                }
            }
        }
    }
    void delete_slot(Slot& slot);
    void revoke_slot(Slot& slot);
    void finalise(Capability& cap, Slot& slot);
    void destroy(Object& object);
    void unmap_region(unsigned level, Word key);
    void deliver_irq(Word irq);
};

} // namespace kaal::mock
