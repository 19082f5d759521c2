// SPDX-License-Identifier: BSD-2-Clause
#include <bit>

#include <kaal/broker/capability_broker.hpp>
#include <kaal/platform/cap_ops.hpp>

namespace kaal::broker {

namespace {

constexpr unsigned page_bits = object_bits::small_page;
constexpr Word page_size = Word{1} << page_bits;

// Retypes name the root CNode itself (depth 0) and put objects at an offset in it.
constexpr SlotPath root_node() {
    return {root_task::cnode, 0, 0};
}

constexpr Word align_down(Word value) {
    return value & ~(page_size - 1);
}
constexpr Word align_up(Word value) {
    return align_down(value + page_size - 1);
}

constexpr bool overlaps(Word a, Word a_size, Word b, Word b_size) {
    return a_size != 0 && b_size != 0 && a < b + b_size && b < a + a_size;
}

} // namespace

Result<CapabilityBroker> CapabilityBroker::from_bootinfo(const BootInfo& bootinfo,
                                                         DeviceTable devices, BrokerConfig config) {
    if (bootinfo.arch != devices.arch() || bootinfo.untyped_count() > BootInfo::max_untypeds ||
        (config.device_window_base & (page_size - 1)) != 0) {
        return Error::invalid_argument;
    }
    CapabilityBroker broker;
    broker.devices_ = devices;
    broker.config_ = config;
    broker.slots_.reset(bootinfo.empty);
    for (unsigned i = 0; i < bootinfo.untyped_count(); ++i) {
        const auto& desc = bootinfo.untyped_list[i];
        KAAL_CHECK(broker.pool_.add({Cap<cap::Untyped>{bootinfo.untyped.start + i}, desc.paddr,
                                     desc.size_bits, desc.is_device, 0, 0}));
    }
    for (auto& origin : broker.origin_) {
        origin = none;
    }
    broker.next_vaddr_ = config.device_window_base;
    if (config.prepare_window) {
        KAAL_CHECK(broker.prepare_window());
    }
    if (config.prepare_devices) {
        KAAL_CHECK(broker.prepare_devices());
    }
    return broker;
}

// The paging structures of the device window's first 2 MiB (one page table's reach on both
// architectures) made at boot, so that a device request does not pay for them: the
// kernel never makes a missing level itself (seL4 manual, "Virtual Address Spaces"). A probe
// frame mapped at the window's base makes every level through map_frame, then goes again.
Status CapabilityBroker::prepare_window() {
    KAAL_TRY(const CPtr probe, create_object(ObjectType::small_frame, 0));
    const Status mapped =
        map_frame(probe, config_.device_window_base, CapRights::read_write(), false);
    if (mapped) {
        KAAL_CHECK(kernel::frame_unmap(Cap<cap::SmallFrame>{probe}));
    }
    KAAL_CHECK(destroy_object(probe));
    return mapped;
}

// The same splits a first request would make, walked for every register page of every device a
// component may claim. A device that no device untyped covers, or whose registers are more than
// a bundle maps, is left for its request to report.
Status CapabilityBroker::prepare_devices() {
    for (std::size_t i = 0; i < devices_.size(); ++i) {
        const DeviceDesc& desc = devices_[i];
        const Word first = align_down(desc.mmio_paddr);
        const Word end = align_up(desc.mmio_paddr + desc.mmio_size);
        if (desc.kernel_owned || desc.mmio_size == 0 || end - first > max_mmio_bytes) {
            continue;
        }
        for (Word page = first; page < end; page += page_size) {
            if (auto node = device_page(page); !node && node.error() != Error::no_device_memory) {
                return node.error();
            }
        }
    }
    return {};
}

// ---- Objects from RAM

Result<CPtr> CapabilityBroker::create_object(ObjectType type, unsigned user_bits) {
    KAAL_TRY(const CPtr slot, slots_.alloc());
    auto reserved = pool_.reserve(arch(), type, user_bits, 1);
    if (!reserved) {
        slots_.free(slot);
        return reserved.error();
    }
    const auto& untyped = pool_[reserved->index];
    if (auto done = kernel::untyped_retype(untyped.cap, type, user_bits, root_node(), slot, 1);
        !done) {
        pool_.cancel(*reserved);
        slots_.free(slot);
        return done.error();
    }
    origin_[slot - slots_.region().start] = static_cast<std::uint16_t>(reserved->index);
    if (journaling_) {
        if (auto logged = journal(slot, Undo::ram_object, origin_[slot - slots_.region().start]);
            !logged) {
            (void)destroy_object(slot);
            return logged.error();
        }
    }
    return slot;
}

// Revoke, then delete: copies of the cap made since (by the broker, or in a component's CNode
// by the system builder) are its children in the derivation tree, and while any lives the object
// lives, and its untyped keeps its watermark (seL4 manual, "Capability Derivation" and "Untyped
// Memory": an untyped is reset only when it has no children). Deleting the original alone would
// leave the pool's accounts saying "empty" while the kernel retypes above the old object.
Status CapabilityBroker::destroy_object(CPtr slot) {
    if (!slots_.is_allocated(slot) || origin_[slot - slots_.region().start] == none) {
        return Error::invalid_argument; // not an object this broker created
    }
    KAAL_CHECK(kernel::cnode_revoke(root_task::slot(slot)));
    KAAL_CHECK(kernel::cnode_delete(root_task::slot(slot)));
    auto& origin = origin_[slot - slots_.region().start];
    pool_.release(origin, 1);
    origin = none;
    slots_.free(slot);
    return {};
}

// ---- The journal: everything a device request creates, so a failure can undo it.

Status CapabilityBroker::journal(CPtr slot, Undo undo, std::uint16_t index) {
    if (journal_size_ == max_journal) {
        return Error::no_space;
    }
    journal_[journal_size_++] = {slot, undo, index};
    return {};
}

void CapabilityBroker::roll_back() {
    // Deleting a cap this request created cannot fail for a reason the broker could act on; the
    // slot is freed either way so the allocator never hands out a slot twice.
    const auto drop = [this](CPtr slot) {
        (void)kernel::cnode_delete(root_task::slot(slot));
        slots_.free(slot);
    };
    while (journal_size_ > 0) {
        const auto entry = journal_[--journal_size_];
        switch (entry.undo) {
        case Undo::delete_cap: drop(entry.slot); break;
        case Undo::delete_caps:
            for (std::uint16_t i = 0; i < entry.index; ++i) {
                drop(entry.slot + i);
            }
            break;
        case Undo::ram_object:
            drop(entry.slot);
            pool_.release(entry.index, 1);
            origin_[entry.slot - slots_.region().start] = none;
            break;
        case Undo::device_frame:
            drop(entry.slot);
            nodes_[entry.index].used = false;
            break;
        case Undo::device_split: {
            drop(entry.slot);
            const auto parent = nodes_[entry.index].parent;
            if (parent != none) {
                nodes_[parent].first_child = none;
            }
            break;
        }
        case Undo::piece_taken: pieces_[entry.index].in_use = false; break;
        case Undo::piece_made: {
            // Deleting the piece returns its memory only if it is its untyped's one object, which
            // then resets. Otherwise the memory would be lost until that untyped empties, so the
            // piece stays, a spare for the next pool.
            auto& piece = pieces_[entry.index];
            piece.in_use = false;
            if (pool_[piece.untyped].children == 1) {
                drop(entry.slot);
                pool_.release(piece.untyped, 1);
                piece.present = false;
            }
            break;
        }
        case Undo::spare_notification_taken:
            spare_notifications_[spare_notification_count_++] = entry.slot;
            break;
        case Undo::vaddr_reused: give_back_vaddr(entry.slot, Word{entry.index} << page_bits); break;
        }
    }
}

std::size_t CapabilityBroker::spare_caps() const {
    std::size_t spares = spare_notification_count_;
    for (const auto& piece : pieces_) {
        spares += piece.present && !piece.in_use ? 1 : 0;
    }
    return spares;
}

// ---- Devices

Result<const DeviceBundle*> CapabilityBroker::request_device(DeviceId id) {
    for (std::size_t i = 0; i < bundle_end_; ++i) {
        if (bundle_desc_[i] != nullptr && bundles_[i].id == id) {
            return &bundles_[i];
        }
    }
    const DeviceDesc* desc = devices_.find(id);
    if (desc == nullptr) {
        return Error::no_such_device;
    }
    if (desc->kernel_owned || claimed_by_other(*desc)) {
        return Error::already_claimed;
    }
    if (bundle_count_ == max_bundles) {
        return Error::no_space;
    }
    const std::size_t nodes_before = node_count_;
    const std::size_t pages_before = mmio_page_count_;
    const Word vaddr_before = next_vaddr_;
    journal_size_ = 0;
    journaling_ = true;
    DeviceBundle bundle{};
    bundle.id = id;
    BundleCaps caps{};
    const Status built = build_bundle(*desc, bundle, caps);
    journaling_ = false;
    if (!built) {
        roll_back();
        node_count_ = nodes_before;
        while (root_count_ > 0 && roots_[root_count_ - 1] >= nodes_before) {
            --root_count_;
        }
        mmio_page_count_ = pages_before;
        next_vaddr_ = vaddr_before;
        return built.error();
    }
    journal_size_ = 0;
    count_mmio_users(bundle.mmio, +1);
    // A bundle keeps its slot until it is released, so a pointer handed out for it never comes
    // to name another device; the first free slot is reused.
    std::size_t slot = 0;
    while (bundle_desc_[slot] != nullptr) {
        ++slot; // bundle_count_ < max_bundles: one is free
    }
    bundle_desc_[slot] = desc;
    bundles_[slot] = bundle;
    bundle_caps_[slot] = caps;
    ++bundle_count_;
    bundle_end_ = slot + 1 > bundle_end_ ? slot + 1 : bundle_end_;
    return &bundles_[slot];
}

// Users are counted only once a request succeeded, so a rolled-back request never changes them.
void CapabilityBroker::count_mmio_users(const MmioRegion& mmio, int delta) {
    if (!mmio.present()) {
        return;
    }
    const Word first = align_down(mmio.paddr);
    const Word end = align_up(mmio.paddr + mmio.size);
    for (std::size_t i = 0; i < mmio_page_count_; ++i) {
        if (mmio_pages_[i].paddr >= first && mmio_pages_[i].paddr < end) {
            mmio_pages_[i].users = static_cast<std::uint16_t>(mmio_pages_[i].users + delta);
        }
    }
}

// Deleting a frame cap unmaps it (seL4 manual, "Virtual Address Spaces"); the page's device
// untyped can then be retyped again.
Status CapabilityBroker::release_mmio(const MmioRegion& mmio) {
    count_mmio_users(mmio, -1);
    for (std::size_t i = 0; i < mmio_page_count_;) {
        if (mmio_pages_[i].users != 0) {
            ++i;
            continue;
        }
        KAAL_CHECK(release_slot(mmio_pages_[i].frame));
        give_back_vaddr(mmio_pages_[i].vaddr, page_size);
        nodes_[mmio_pages_[i].node].used = false;
        mmio_pages_[i] = mmio_pages_[--mmio_page_count_];
    }
    return {};
}

Status CapabilityBroker::release_device(DeviceId id) {
    std::size_t index = 0;
    while (index < bundle_end_ && (bundle_desc_[index] == nullptr || bundles_[index].id != id)) {
        ++index;
    }
    if (index == bundle_end_) {
        return Error::no_such_device;
    }
    const DeviceBundle& bundle = bundles_[index];
    const BundleCaps& caps = bundle_caps_[index];
    // The handler first, so the IRQ cannot signal a notification that is going away. Every cap
    // goes with its derived copies (release_slot revokes), so a component that was granted the
    // device keeps neither its IRQ nor its ports, and the IRQ can be issued again.
    if (bundle.irq.present()) {
        KAAL_CHECK(kernel::irq_handler_clear(bundle.irq.handler));
        KAAL_CHECK(release_slot(bundle.irq.handler.cptr()));
        KAAL_CHECK(release_slot(caps.badged_notification));
        KAAL_CHECK(give_back_notification(bundle.irq.notification.cptr()));
    }
    if (bundle.io_ports.present()) {
        KAAL_CHECK(release_slot(bundle.io_ports.cap.cptr()));
    }
    for (Word i = 0; i < caps.dma_pages; ++i) {
        KAAL_CHECK(release_slot(caps.dma_first + i));
    }
    if (caps.dma_pages != 0) {
        pieces_[caps.dma_piece].in_use = false;
        give_back_vaddr(bundle.dma.vaddr, bundle.dma.size);
    }
    KAAL_CHECK(release_mmio(bundle.mmio));
    bundle_desc_[index] = nullptr;
    bundles_[index] = {};
    bundle_caps_[index] = {};
    --bundle_count_;
    while (bundle_end_ > 0 && bundle_desc_[bundle_end_ - 1] == nullptr) {
        --bundle_end_;
    }
    return {};
}

bool CapabilityBroker::claimed_by_other(const DeviceDesc& desc) const {
    for (std::size_t i = 0; i < bundle_end_; ++i) {
        if (bundle_desc_[i] == nullptr) {
            continue;
        }
        const auto& other = *bundle_desc_[i];
        const bool ports = desc.has_io_ports() && other.has_io_ports() &&
                           desc.io_port_first <= other.io_port_last &&
                           other.io_port_first <= desc.io_port_last;
        if (overlaps(desc.mmio_paddr, desc.mmio_size, other.mmio_paddr, other.mmio_size) ||
            (desc.irq != no_irq && desc.irq == other.irq) || ports) {
            return true;
        }
    }
    return false;
}

Status CapabilityBroker::build_bundle(const DeviceDesc& desc, DeviceBundle& bundle,
                                      BundleCaps& caps) {
    if (desc.mmio_size != 0) {
        KAAL_CHECK(map_mmio(desc, bundle.mmio));
    }
    if (desc.irq != no_irq) {
        KAAL_CHECK(bind_irq(desc.irq, bundle.irq, caps.badged_notification));
    }
    if (desc.has_io_ports()) {
        KAAL_TRY(const CPtr slot, slots_.alloc());
        if (auto logged = journal(slot, Undo::delete_cap, none); !logged) {
            slots_.free(slot);
            return logged.error();
        }
        KAAL_CHECK(kernel::ioport_control_issue(
            Cap<cap::IoPortControl>{initial_cap::io_port_control}, desc.io_port_first,
            desc.io_port_last, root_task::slot(slot)));
        bundle.io_ports = {Cap<cap::IoPort>{slot}, desc.io_port_first, desc.io_port_last};
    }
    if (desc.dma_bytes != 0) {
        KAAL_CHECK(map_dma(desc.dma_bytes, bundle.dma, caps));
    }
    return {};
}

// Device registers come from the device untyped covering them and are mapped uncached. Small
// devices share pages (QEMU packs eight virtio-mmio transports into one), so a page the broker
// already mapped for another device is reused rather than claimed twice.
Status CapabilityBroker::map_mmio(const DeviceDesc& desc, MmioRegion& mmio) {
    const Word first_page = align_down(desc.mmio_paddr);
    const Word end_page = align_up(desc.mmio_paddr + desc.mmio_size);
    if (end_page - first_page > max_mmio_bytes) {
        return Error::no_space;
    }
    const Word pages = (end_page - first_page) >> page_bits;
    for (std::size_t i = 0; i < mmio_page_count_; ++i) {
        if (mmio_pages_[i].paddr < end_page && mmio_pages_[i].paddr >= first_page) {
            if (pages != 1) {
                return Error::already_claimed;
            }
            mmio = {desc.mmio_paddr, mmio_pages_[i].vaddr + (desc.mmio_paddr - first_page),
                    desc.mmio_size};
            return {};
        }
    }
    if (mmio_page_count_ + pages > max_mmio_pages) {
        return Error::no_space;
    }
    KAAL_TRY(const Word vaddr, reserve_vaddr(pages << page_bits));
    for (Word i = 0; i < pages; ++i) {
        const Word paddr = first_page + (i << page_bits);
        KAAL_TRY(const std::uint16_t node, device_page(paddr));
        KAAL_TRY(const CPtr frame, slots_.alloc());
        if (auto logged = journal(frame, Undo::delete_cap, none); !logged) {
            slots_.free(frame);
            return logged.error();
        }
        KAAL_CHECK(kernel::untyped_retype(Cap<cap::Untyped>{nodes_[node].cap},
                                          ObjectType::small_frame, 0, root_node(), frame, 1));
        journal_[journal_size_ - 1] = {frame, Undo::device_frame, node};
        nodes_[node].used = true;
        KAAL_CHECK(map_frame(frame, vaddr + (i << page_bits), CapRights::read_write(), false));
        mmio_pages_[mmio_page_count_++] = {paddr, vaddr + (i << page_bits), frame, node, 0};
    }
    mmio = {desc.mmio_paddr, vaddr + (desc.mmio_paddr - first_page), desc.mmio_size};
    return {};
}

// The page-sized device untyped for `paddr`, splitting its covering untyped in four (the last
// step in two if an odd number of levels remains) as far as needed. Each split is one retype of
// equal untypeds, whose physical addresses follow from the
// kernel starting an untyped with no children at its base.
Result<std::uint16_t> CapabilityBroker::device_page(Word paddr) {
    std::uint16_t node = none;
    for (std::size_t i = 0; i < root_count_ && node == none; ++i) {
        const auto& n = nodes_[roots_[i]];
        if (paddr >= n.paddr && paddr - n.paddr < (Word{1} << n.size_bits)) {
            node = roots_[i];
        }
    }
    if (node == none) {
        KAAL_TRY(const unsigned index, pool_.find_covering(paddr, page_size, true));
        if (node_count_ == max_device_nodes || root_count_ == BootInfo::max_untypeds) {
            return Error::no_space;
        }
        const auto& untyped = pool_[index];
        node = static_cast<std::uint16_t>(node_count_++);
        nodes_[node] = {untyped.paddr, untyped.cap.cptr(), none, none, untyped.size_bits, false};
        roots_[root_count_++] = node;
    }
    while (nodes_[node].size_bits > page_bits) {
        if (nodes_[node].used) {
            return Error::already_claimed;
        }
        if (nodes_[node].first_child == none) {
            KAAL_CHECK(split(node));
        }
        const auto& n = nodes_[node];
        const unsigned child_bits = nodes_[n.first_child].size_bits;
        node = static_cast<std::uint16_t>(n.first_child + ((paddr - n.paddr) >> child_bits));
    }
    if (nodes_[node].used) {
        return Error::already_claimed;
    }
    return node;
}

Status CapabilityBroker::split(std::uint16_t node) {
    const unsigned step = nodes_[node].size_bits - page_bits < split_bits
                              ? nodes_[node].size_bits - page_bits
                              : split_bits;
    const auto count = static_cast<std::uint16_t>(1U << step);
    if (node_count_ + count > max_device_nodes) {
        return Error::no_space;
    }
    KAAL_TRY(const CPtr first, slots_.alloc_range(count));
    const auto child = static_cast<std::uint16_t>(node_count_);
    node_count_ += count;
    for (std::uint16_t i = 0; i < count; ++i) {
        if (auto logged =
                journal(first + i, Undo::device_split, static_cast<std::uint16_t>(child + i));
            !logged) {
            slots_.free_range(first + i, count - i);
            return logged.error();
        }
    }
    const auto& n = nodes_[node];
    const auto bits = static_cast<std::uint8_t>(n.size_bits - step);
    for (std::uint16_t i = 0; i < count; ++i) {
        nodes_[child + i] = {n.paddr + (Word{i} << bits), first + i, node, none, bits, false};
    }
    KAAL_CHECK(kernel::untyped_retype(Cap<cap::Untyped>{n.cap}, ObjectType::untyped, bits,
                                      root_node(), first, count));
    nodes_[node].first_child = child;
    return {};
}

Status CapabilityBroker::bind_irq(Word irq, DeviceIrq& out, CPtr& badged_out) {
    KAAL_TRY(const CPtr handler, slots_.alloc());
    if (auto logged = journal(handler, Undo::delete_cap, none); !logged) {
        slots_.free(handler);
        return logged.error();
    }
    KAAL_CHECK(kernel::irq_control_get(Cap<cap::IrqControl>{initial_cap::irq_control}, irq,
                                       root_task::slot(handler)));
    KAAL_TRY(const CPtr notification, take_irq_notification());
    KAAL_TRY(const CPtr badged, slots_.alloc());
    if (auto logged = journal(badged, Undo::delete_cap, none); !logged) {
        slots_.free(badged);
        return logged.error();
    }
    KAAL_CHECK(kernel::cnode_mint(root_task::slot(badged), root_task::slot(notification),
                                  CapRights::all(), irq_badge));
    KAAL_CHECK(kernel::irq_handler_set_notification(Cap<cap::IrqHandler>{handler},
                                                    Cap<cap::Notification>{badged}));
    badged_out = badged;
    out.number = irq;
    out.handler = Cap<cap::IrqHandler>{handler};
    out.notification = Cap<cap::Notification>{notification};
    out.badge = irq_badge;
    return {};
}

// A notification an earlier bundle gave back, drained of a signal its IRQ may have left, or a
// new one.
Result<CPtr> CapabilityBroker::take_irq_notification() {
    if (spare_notification_count_ == 0) {
        return create_object(ObjectType::notification, 0);
    }
    const CPtr notification = spare_notifications_[spare_notification_count_ - 1];
    KAAL_CHECK(journal(notification, Undo::spare_notification_taken, none));
    --spare_notification_count_;
    (void)kernel::poll(Cap<cap::Notification>{notification}); // a stale badge, not news
    return notification;
}

Status CapabilityBroker::give_back_notification(CPtr notification) {
    if (spare_notification_count_ == max_bundles) {
        return destroy_object(notification);
    }
    spare_notifications_[spare_notification_count_++] = notification;
    return {};
}

// The smallest spare piece the pool fits in, else a new piece from the best-fitting RAM untyped.
Result<std::uint16_t> CapabilityBroker::take_ram_piece(unsigned size_bits) {
    auto best = none;
    auto empty = none;
    for (std::uint16_t i = 0; i < max_ram_pieces; ++i) {
        const auto& piece = pieces_[i];
        if (!piece.present) {
            empty = empty == none ? i : empty;
        } else if (!piece.in_use && piece.size_bits >= size_bits &&
                   (best == none || piece.size_bits < pieces_[best].size_bits)) {
            best = i;
        }
    }
    if (best != none) {
        KAAL_CHECK(journal(pieces_[best].cap, Undo::piece_taken, best));
        pieces_[best].in_use = true;
        return best;
    }
    if (empty == none || journal_size_ == max_journal) {
        return Error::no_space;
    }
    KAAL_TRY(const CPtr slot, slots_.alloc());
    auto reserved = pool_.reserve(arch(), ObjectType::untyped, size_bits, 1);
    if (!reserved) {
        slots_.free(slot);
        return reserved.error();
    }
    if (auto done = kernel::untyped_retype(pool_[reserved->index].cap, ObjectType::untyped,
                                           size_bits, root_node(), slot, 1);
        !done) {
        pool_.cancel(*reserved);
        slots_.free(slot);
        return done.error();
    }
    pieces_[empty] = {slot,
                      reserved->paddr,
                      static_cast<std::uint16_t>(reserved->index),
                      static_cast<std::uint8_t>(size_bits),
                      true,
                      true};
    journal_[journal_size_++] = {slot, Undo::piece_made, empty}; // room checked above
    return empty;
}

// DMA memory is one retype of consecutive frames from a RAM piece with no other objects: the
// kernel starts it at the piece's base, which makes the frames physically contiguous at a known
// address, and zeroes them. Inside a request: the journal undoes it.
Result<CapabilityBroker::ContiguousFrames>
CapabilityBroker::retype_contiguous(Word pages, std::uint16_t& piece) {
    const auto size_bits = static_cast<unsigned>(page_bits + std::bit_width(pages - 1));
    KAAL_TRY(piece, take_ram_piece(size_bits));
    KAAL_TRY(const CPtr first, slots_.alloc_range(static_cast<std::size_t>(pages)));
    if (auto logged = journal(first, Undo::delete_caps, static_cast<std::uint16_t>(pages));
        !logged) {
        slots_.free_range(first, static_cast<std::size_t>(pages));
        return logged.error();
    }
    KAAL_CHECK(kernel::untyped_retype(Cap<cap::Untyped>{pieces_[piece].cap},
                                      ObjectType::small_frame, 0, root_node(), first, pages));
    return ContiguousFrames{first, pages, pieces_[piece].paddr};
}

// retype_contiguous as a request of its own, so that a failure leaves nothing behind.
Result<CapabilityBroker::ContiguousFrames> CapabilityBroker::create_contiguous_frames(Word pages) {
    if (pages == 0 || pages > max_dma_pages) {
        return Error::invalid_argument;
    }
    journal_size_ = 0;
    journaling_ = true;
    std::uint16_t piece = none;
    auto made = retype_contiguous(pages, piece);
    journaling_ = false;
    if (!made) {
        roll_back();
    }
    journal_size_ = 0;
    return made;
}

// A device's DMA pool, mapped uncached because not every device snoops the CPU's caches.
Status CapabilityBroker::map_dma(Word bytes, DmaPool& out, BundleCaps& caps) {
    const Word pages = align_up(bytes) >> page_bits;
    if (pages > max_dma_pages) {
        return Error::invalid_argument;
    }
    std::uint16_t piece = none;
    KAAL_TRY(const ContiguousFrames frames, retype_contiguous(pages, piece));
    KAAL_TRY(const Word vaddr, reserve_vaddr(pages << page_bits));
    for (Word i = 0; i < pages; ++i) {
        KAAL_CHECK(
            map_frame(frames.first + i, vaddr + (i << page_bits), CapRights::read_write(), false));
    }
    out = {vaddr, frames.paddr, pages << page_bits};
    caps.dma_first = frames.first;
    caps.dma_pages = pages;
    caps.dma_piece = piece;
    return {};
}

// First fit among the ranges releases gave back, whose paging structures exist already; else
// the next range of the window.
Result<Word> CapabilityBroker::reserve_vaddr(Word bytes) {
    // A reused range must be journaled in a request, so with the journal full the window grows.
    const bool may_reuse = !journaling_ || journal_size_ < max_journal;
    for (std::size_t i = 0; may_reuse && i < free_vaddr_count_; ++i) {
        auto& range = free_vaddrs_[i];
        if (range.size < bytes) {
            continue;
        }
        const Word vaddr = range.vaddr;
        range.vaddr += bytes;
        range.size -= bytes;
        if (range.size == 0) {
            range = free_vaddrs_[--free_vaddr_count_];
        }
        if (journaling_) {
            journal_[journal_size_++] = {vaddr, Undo::vaddr_reused,
                                         static_cast<std::uint16_t>(bytes >> page_bits)};
        }
        return vaddr;
    }
    const Word end = config_.device_window_base + config_.device_window_size;
    if (bytes > end - next_vaddr_) {
        return Error::not_enough_memory;
    }
    const Word vaddr = next_vaddr_;
    next_vaddr_ += bytes;
    return vaddr;
}

// Joined to a free range it adjoins, so released neighbours make one range again. With every
// entry taken the range is left unused: the window is far larger than what the bundles can hold.
void CapabilityBroker::give_back_vaddr(Word vaddr, Word bytes) {
    for (std::size_t i = 0; i < free_vaddr_count_; ++i) {
        auto& range = free_vaddrs_[i];
        if (range.vaddr + range.size == vaddr) {
            range.size += bytes;
            return;
        }
        if (vaddr + bytes == range.vaddr) {
            range.vaddr = vaddr;
            range.size += bytes;
            return;
        }
    }
    if (free_vaddr_count_ < max_free_ranges) {
        free_vaddrs_[free_vaddr_count_++] = {vaddr, bytes};
    }
}

// The kernel never creates paging structures: a mapping with a level missing fails with
// seL4_FailedLookup, and the caller maps a table there and retries (seL4 manual, "Virtual
// Address Spaces"). Three levels sit below the VSpace root on both architectures.
Result<CPtr> CapabilityBroker::derive(CPtr original, CapRights rights, const Word* badge) {
    KAAL_TRY(const CPtr slot, slots_.alloc());
    const Status done =
        badge == nullptr
            ? kernel::cnode_copy(root_task::slot(slot), root_task::slot(original), rights)
            : kernel::cnode_mint(root_task::slot(slot), root_task::slot(original), rights, *badge);
    if (!done) {
        slots_.free(slot);
        return done.error();
    }
    return slot;
}

// Revoked first, for the same reason as destroy_object: no copy outlives the cap it came from.
Status CapabilityBroker::release_slot(CPtr slot) {
    KAAL_CHECK(kernel::cnode_revoke(root_task::slot(slot)));
    KAAL_CHECK(kernel::cnode_delete(root_task::slot(slot)));
    slots_.free(slot);
    return {};
}

Status CapabilityBroker::map_frame(CPtr frame, Word vaddr, CapRights rights, bool cached) {
    return map_page(root_task::vspace, Cap<cap::SmallFrame>{frame}, vaddr, rights, cached);
}

Status CapabilityBroker::map_page(Cap<cap::VSpace> vspace, Cap<cap::SmallFrame> frame, Word vaddr,
                                  CapRights rights, bool cached) {
    constexpr int levels_below_root = 3;
    for (int attempt = 0;; ++attempt) {
        const Status mapped = kernel::frame_map(frame, vspace, vaddr, rights, cached);
        if (mapped || mapped.error() != Error::failed_lookup || attempt == levels_below_root) {
            return mapped;
        }
        KAAL_CHECK(add_paging(vspace, ObjectType::page_table, vaddr));
    }
}

// On aarch64 a page table goes at the highest missing level. On x86_64 each level has its own
// type, so a page table whose directory is missing needs the directory first, and so on up.
Status CapabilityBroker::add_paging(Cap<cap::VSpace> vspace, ObjectType type, Word vaddr) {
    KAAL_TRY(const CPtr table, create_object(type, 0));
    const auto map = [&] { return kernel::raw::paging_map(type, table, vspace.cptr(), vaddr); };
    Status mapped = map();
    if (!mapped && mapped.error() == Error::failed_lookup && arch() == Arch::x86_64 &&
        type != ObjectType::pdpt) {
        KAAL_CHECK(add_paging(
            vspace, type == ObjectType::page_table ? ObjectType::page_directory : ObjectType::pdpt,
            vaddr));
        mapped = map();
    }
    return mapped;
}

} // namespace kaal::broker
