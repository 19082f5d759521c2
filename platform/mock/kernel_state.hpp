// SPDX-License-Identifier: BSD-2-Clause
#pragma once

// The mock kernel's internal object model, shared by the files that implement its invocations.
// Not installed: nothing outside platform/mock/ sees these types.

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <kaal/platform/mock/kernel.hpp>

namespace kaal::mock {

struct Object;
struct Slot;

// A capability as seL4 stores it in a slot: the object it names plus the fields the kernel keeps
// in the cap itself (badge, rights, CNode guard, untyped free index, frame mapping).
struct Capability {
    CapType type = CapType::null;
    std::shared_ptr<Object> object;
    Word badge = 0;
    CapRights rights = CapRights::all();
    Word guard = 0; // CNodes
    unsigned guard_bits = 0;
    Word free_offset = 0; // untypeds: bytes used, seL4's capFreeIndex
    bool mapped = false;  // frames and paging structures
    Word mapped_vaddr = 0;
    Word irq = 0; // IRQ handlers
    Word first_port = 0;
    Word last_port = 0; // I/O ports, inclusive
};

// A CNode slot with its place in the capability derivation tree (seL4 manual, "Capability
// Derivation"): revoke deletes `children`, and an untyped with children keeps its free index.
struct Slot {
    Capability cap;
    Slot* parent = nullptr;
    std::vector<Slot*> children;
};

// A message in flight on an endpoint, owned by the blocked sender's stack frame.
struct PendingIpc {
    Word badge = 0;
    Message message;
    bool is_call = false;
    bool received = false;
    bool cancelled = false;
    std::optional<Message> reply;
};

struct Object {
    ObjectType type = ObjectType::untyped;
    Word paddr = 0;
    unsigned size_bits = 0;
    bool device = false;
    bool from_retype = false;
    std::size_t caps = 0; // caps naming this object; the last one's deletion destroys it
    bool destroyed = false;
    // CNodes
    unsigned radix = 0;
    std::vector<Slot> slots;
    // Notifications: seL4's Idle/Active states and the badge word
    bool active = false;
    Word word = 0;
    // Endpoints
    std::deque<PendingIpc*> senders;
};

struct PageEntry {
    Slot* frame_slot = nullptr;
    Word paddr = 0;
    unsigned size_bits = 0;
    CapRights rights;
    bool cached = true;
};

struct IrqState {
    bool active = false; // an IRQHandler cap exists (seL4's IRQSignal state)
    std::weak_ptr<Object> notification;
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

struct Kernel::State {
    MachineConfig machine;
    BootInfo bootinfo;
    mutable std::mutex lock;
    std::condition_variable changed; // any blocking wait re-checks its condition on this

    std::shared_ptr<Object> root_cnode;
    Capability cspace_root; // the initial thread's CSpace root, held by its TCB
    std::shared_ptr<Object> vspace;
    std::map<Word, PageEntry> pages;                           // by virtual address
    std::map<std::pair<unsigned, Word>, const Object*> tables; // (level, vaddr >> region)
    std::vector<IrqState> irqs;
    std::vector<std::pair<Word, Word>> io_ports; // issued ranges, inclusive
    std::vector<Injection> injections;

    // Lookups (seL4 manual, "CSpace Addressing").
    struct Resolved {
        Slot* slot;
        unsigned bits_left;
    };
    Result<Resolved> resolve(const Capability& root, Word cptr, unsigned depth) const;
    Result<Slot*> lookup_invoked(CPtr cptr) const;
    Result<Slot*> lookup_target(CPtr root, CPtr index, std::uint8_t depth) const;
    Slot* root_slot(CPtr index) const;

    std::optional<Error> injected(Invocation what);

    // Capability lifetime.
    void insert(Slot& dest, Capability cap, Slot* parent);
    void delete_slot(Slot& slot);
    void revoke_slot(Slot& slot);
    void finalise(Capability& cap, Slot& slot);
    void destroy(Object& object);
    void unmap_region(unsigned level, Word key);
    void deliver_irq(Word irq);
};

} // namespace kaal::mock
