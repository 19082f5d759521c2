// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>

#include <kaal/broker/device_bundle.hpp>
#include <kaal/broker/device_table.hpp>
#include <kaal/broker/slot_allocator.hpp>
#include <kaal/broker/untyped_pool.hpp>
#include <kaal/core/result.hpp>
#include <kaal/platform/cap.hpp>
#include <kaal/platform/cap_bootinfo.hpp>

// The capability broker: the one owner of the root task's untyped memory and CSpace, from which
// every other KaaL layer gets kernel objects and devices. It runs in runtime mode (as the root
// task) and in mock mode (against the mock kernel); Microkit PDs get their resources from the
// .system file instead (static_resources.hpp). Single-threaded by design: the root task serves
// requests one at a time, so no lock is needed.
namespace kaal::broker {

struct BrokerConfig {
    // Where device and DMA mappings go in the root task's address space: far above any image.
    Word device_window_base = 0x0000'0010'0000'0000ULL; // 64 GiB
    Word device_window_size = 0x0000'0000'4000'0000ULL; // 1 GiB
    // Make the paging structures of the window's first 2 MiB in from_bootinfo, so device
    // requests do not pay for them. The root task does; tests that start from an untouched
    // broker do not.
    bool prepare_window = false;
    // Split the device untypeds down to every register page of the table's devices in
    // from_bootinfo, so a first request retypes and maps its frames and does not pay for the
    // splits (six retypes for the UART's 16 MiB untyped on QEMU virt). The tree costs four
    // slots per split, about 60 on QEMU virt, and is kept as on-demand splits are. The root task
    // sets it; tests of on-demand splitting do not.
    bool prepare_devices = false;
};

class CapabilityBroker {
public:
    static constexpr std::size_t max_bundles = 16;
    static constexpr std::size_t max_device_nodes = 512;
    // A device untyped is split four ways per retype on the way down to a page: half the
    // retypes of halving for the same number of slots and nodes (two levels of halving make
    // 2 + 2 untypeds, one four-way split 4). Wider splits cost more objects than they save in
    // retypes (docs/performance.md).
    static constexpr unsigned split_bits = 2;
    static constexpr std::size_t max_mmio_pages = 64;
    static constexpr std::size_t max_journal = 192;
    // DMA pools come from RAM pieces, one untyped per pool, kept when the pool is released.
    static constexpr std::size_t max_ram_pieces = 2 * max_bundles;
    static constexpr Word max_dma_pages = 256; // one retype: CONFIG_RETYPE_FAN_OUT_LIMIT
    static constexpr Word max_mmio_bytes = Word{16} * 4096;
    // The badge the IRQ handler signals with, so a driver can share its notification later.
    static constexpr Word irq_badge = 1;

    // Takes over the bootinfo's empty slots and untypeds. The table's architecture must be the
    // kernel's.
    static Result<CapabilityBroker> from_bootinfo(const BootInfo& bootinfo, DeviceTable devices,
                                                  BrokerConfig config = {});

    // A new kernel object from RAM. `user_bits` is the size of untypeds and CNodes.
    template <Retypeable Kind>
    Result<Cap<Kind>> create(unsigned user_bits = 0) {
        KAAL_TRY(const CPtr slot, create_object(Kind::object, user_bits));
        return Cap<Kind>{slot};
    }
    // Deletes an object `create` made, with every copy of its cap, and returns its slot and,
    // once its untyped has no other objects, its memory.
    template <Retypeable Kind>
    Status destroy(Cap<Kind> object) {
        return destroy_object(object.cptr());
    }

    // The device's bundle: its registers mapped, its IRQ bound to a notification, its I/O ports
    // and DMA memory. Built on the first request and cached. On failure nothing is kept: every
    // slot, object, mapping and address-space range made for the request is given back.
    Result<const DeviceBundle*> request_device(DeviceId id);
    // Gives back everything request_device made for the device: its IRQ handler (so the IRQ can
    // be issued again), notification, I/O port cap, DMA memory, and its register pages unless
    // another bundle still uses them. Each cap is revoked before it is deleted, so copies that
    // were granted to a component go too. Pointers to this bundle become invalid; pointers to
    // other bundles stay valid (bundles never move). Their virtual
    // addresses in the device window are reused by later requests, which need no new paging
    // structures there.
    //
    // seL4 returns an object's memory only when its untyped has no objects left (seL4 manual,
    // "Untyped Memory"), so RAM freed object by object from a busy untyped would be lost to
    // every later request. The broker keeps what a bundle's RAM came from instead: the DMA
    // pool's RAM piece (an untyped of its own, which the kernel resets, and zeroes again for
    // the next pool's frames) and the IRQ notification (drained before reuse). Requests and
    // releases can therefore repeat without end.
    Status release_device(DeviceId id);

    // A new cap to the same object in a slot of its own, with `rights` (and, for endpoints and
    // notifications, `badge`; seL4 manual, "CNode Methods"). Returned with `release`.
    template <typename Kind>
    Result<Cap<Kind>> copy(Cap<Kind> original, CapRights rights) {
        KAAL_TRY(const CPtr slot, derive(original.cptr(), rights, nullptr));
        return Cap<Kind>{slot};
    }
    template <typename Kind>
    Result<Cap<Kind>> mint(Cap<Kind> original, CapRights rights, Word badge) {
        KAAL_TRY(const CPtr slot, derive(original.cptr(), rights, &badge));
        return Cap<Kind>{slot};
    }
    // The frame the broker mapped a device's register page `paddr` with (a request mapped it),
    // for the root task to grant copies of; not_found if no bundle maps that page.
    [[nodiscard]] Result<Cap<cap::SmallFrame>> mmio_frame(Word paddr) const {
        for (std::size_t i = 0; i < mmio_page_count_; ++i) {
            if (mmio_pages_[i].paddr == paddr) {
                return Cap<cap::SmallFrame>{mmio_pages_[i].frame};
            }
        }
        return Error::not_found;
    }
    // Memory a device reads and writes itself (a DMA region shared by components): `pages`
    // zeroed 4 KiB frames at consecutive physical addresses from `paddr`, caps at `first` and
    // the slots after it, mapped nowhere. The caller maps copies where it needs them. Errors:
    // invalid_argument for 0 or more than max_dma_pages, no_space or not_enough_memory when no
    // RAM piece that large is left; nothing is kept on failure.
    struct ContiguousFrames {
        CPtr first;
        Word pages;
        Word paddr;
    };
    Result<ContiguousFrames> create_contiguous_frames(Word pages);
    // An empty slot of the root CNode for the caller to put a cap in itself (the root task's
    // saved reply caps). Returned with `release`, which empties it first.
    Result<CPtr> reserve_slot() { return slots_.alloc(); }
    // Deletes a cap `copy` or `mint` made, with any copies made from it, and frees its slot.
    template <typename Kind>
    Status release(Cap<Kind> derived) {
        return release_slot(derived.cptr());
    }

    // Maps a frame into `vspace`, first creating from RAM whatever paging structures the address
    // still lacks. The root task builds its components' address spaces with it.
    Status map_page(Cap<cap::VSpace> vspace, Cap<cap::SmallFrame> frame, Word vaddr,
                    CapRights rights, bool cached);

    [[nodiscard]] const SlotAllocator& slots() const { return slots_; }
    [[nodiscard]] const UntypedPool& untypeds() const { return pool_; }
    [[nodiscard]] const DeviceTable& devices() const { return devices_; }
    [[nodiscard]] std::size_t bundle_count() const { return bundle_count_; }
    // The caps the broker keeps for reuse after releases (RAM pieces and IRQ notifications no
    // bundle uses), each in a slot of its own.
    [[nodiscard]] std::size_t spare_caps() const;
    [[nodiscard]] Arch arch() const { return devices_.arch(); }

private:
    static constexpr std::uint16_t none = 0xffff;

    enum class Undo : std::uint8_t {
        delete_cap,
        delete_caps, // `index` consecutive caps from `slot`
        ram_object,
        device_split,
        device_frame,
        piece_taken,
        piece_made,
        spare_notification_taken,
        vaddr_reused, // `index` pages from the window's free ranges, at `slot`
    };
    struct JournalEntry {
        CPtr slot;
        Undo undo;
        std::uint16_t index; // untyped, device node, RAM piece or cap count
    };
    // A device untyped split in four down to the page, so pages can be claimed in any order
    // although an untyped only hands out memory from its watermark upwards.
    struct DeviceNode {
        Word paddr;
        CPtr cap;
        std::uint16_t parent;
        std::uint16_t first_child;
        std::uint8_t size_bits;
        bool used; // a frame was retyped from it
    };
    // A device page mapped in the root task. Devices that share a page share the mapping, and
    // the page goes when its last bundle is released.
    struct MmioPage {
        Word paddr;
        Word vaddr;
        CPtr frame;
        std::uint16_t node;
        std::uint16_t users;
    };
    // An untyped retyped from a RAM untyped for one DMA pool at a time. Its frames are its only
    // children, so deleting them leaves it empty and its next retype starts at its base again.
    struct RamPiece {
        CPtr cap;
        Word paddr;
        std::uint16_t untyped; // the pool's record it came from
        std::uint8_t size_bits;
        bool present;
        bool in_use;
    };
    // What a bundle holds beyond what DeviceBundle shows, for release_device.
    struct BundleCaps {
        CPtr badged_notification;
        CPtr dma_first;
        Word dma_pages;
        std::uint16_t dma_piece;
    };

    Result<CPtr> create_object(ObjectType type, unsigned user_bits);
    Status destroy_object(CPtr slot);
    Status prepare_window();
    Status prepare_devices();
    Result<CPtr> derive(CPtr original, CapRights rights, const Word* badge);
    Status release_slot(CPtr slot);
    Status journal(CPtr slot, Undo undo, std::uint16_t index);
    void roll_back();

    Status map_mmio(const DeviceDesc& desc, MmioRegion& mmio);
    Status bind_irq(Word irq, DeviceIrq& out, CPtr& badged);
    Result<ContiguousFrames> retype_contiguous(Word pages, std::uint16_t& piece);
    Status map_dma(Word bytes, DmaPool& out, BundleCaps& caps);
    Result<std::uint16_t> take_ram_piece(unsigned size_bits);
    Result<CPtr> take_irq_notification();
    Status give_back_notification(CPtr notification);
    Status build_bundle(const DeviceDesc& desc, DeviceBundle& bundle, BundleCaps& caps);
    void count_mmio_users(const MmioRegion& mmio, int delta);
    Status release_mmio(const MmioRegion& mmio);
    Result<std::uint16_t> device_page(Word paddr);
    Status split(std::uint16_t node);
    Result<Word> reserve_vaddr(Word bytes);
    void give_back_vaddr(Word vaddr, Word bytes);
    Status map_frame(CPtr frame, Word vaddr, CapRights rights, bool cached);
    Status add_paging(Cap<cap::VSpace> vspace, ObjectType type, Word vaddr);
    [[nodiscard]] bool claimed_by_other(const DeviceDesc& desc) const;

    DeviceTable devices_;
    BrokerConfig config_;
    SlotAllocator slots_;
    UntypedPool pool_;
    std::uint16_t origin_[SlotAllocator::capacity] = {}; // slot -> untyped it came from

    // Bundles in stable slots: a null descriptor marks a free one. `bundle_end_` is one past the
    // highest slot in use, where searches stop.
    const DeviceDesc* bundle_desc_[max_bundles] = {};
    DeviceBundle bundles_[max_bundles] = {};
    BundleCaps bundle_caps_[max_bundles] = {};
    std::size_t bundle_count_ = 0;
    std::size_t bundle_end_ = 0;

    DeviceNode nodes_[max_device_nodes] = {};
    std::size_t node_count_ = 0;
    // The nodes that are whole device untypeds from the bootinfo, in creation order: where a
    // search for a page's node starts.
    std::uint16_t roots_[BootInfo::max_untypeds] = {};
    std::size_t root_count_ = 0;
    MmioPage mmio_pages_[max_mmio_pages] = {};
    std::size_t mmio_page_count_ = 0;
    RamPiece pieces_[max_ram_pieces] = {};
    CPtr spare_notifications_[max_bundles] = {};
    std::size_t spare_notification_count_ = 0;
    // The device window: ranges given back by releases, then a bump pointer.
    struct VaddrRange {
        Word vaddr;
        Word size;
    };
    static constexpr std::size_t max_free_ranges = 2 * max_mmio_pages;
    VaddrRange free_vaddrs_[max_free_ranges] = {};
    std::size_t free_vaddr_count_ = 0;
    Word next_vaddr_ = 0;

    JournalEntry journal_[max_journal] = {};
    std::size_t journal_size_ = 0;
    bool journaling_ = false;
};

} // namespace kaal::broker
