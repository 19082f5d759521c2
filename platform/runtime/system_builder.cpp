// SPDX-License-Identifier: BSD-2-Clause
// The root task's component builder (runtime mode). Each step is one or a few kernel
// invocations, named after the seL4 manual section that defines them.
#include <cstring>
#include <string_view>

#include <kaal/platform/cap_ops.hpp>
#include <kaal/platform/runtime/sel4.hpp>
#include <kaal/platform/runtime/system_builder.hpp>

namespace kaal::runtime {

namespace {

constexpr Word page_size = 0x1000;
// Where the root task maps a frame it is filling: one page far from its image and the broker's
// device window.
constexpr Word fill_window = 0x8000'0000;

constexpr CapRights send_only{CapRights::write_bit};
constexpr CapRights send_with_reply{CapRights::write_bit | CapRights::grant_reply_bit};

} // namespace

// A frame mapped nowhere else, filled through the root task's window: a frame cap maps in one
// place at a time.
template <typename Fill>
Status SystemBuilder::fill_frame(Cap<cap::SmallFrame> frame, Fill fill) {
    KAAL_CHECK(
        broker_.map_page(root_task::vspace, frame, fill_window, CapRights::read_write(), true));
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the page was just mapped there
    fill(reinterpret_cast<unsigned char*>(fill_window));
    return kernel::frame_unmap(frame);
}

template <typename Fill>
Result<Cap<cap::SmallFrame>> SystemBuilder::make_page(std::size_t index, Word vaddr,
                                                      CapRights rights, Fill fill) {
    KAAL_TRY(const auto frame, broker_.create<cap::SmallFrame>());
    KAAL_CHECK(fill_frame(frame, fill));
    KAAL_CHECK(broker_.map_page(parts_[index].vspace, frame, vaddr, rights, true));
    ++parts_[index].pages;
    return frame;
}

// Installs a copy (or, with a badge, a mint) of the root task's `cap` in the component's CNode.
Status SystemBuilder::put(std::size_t index, Word slot, CPtr cap, CapRights rights,
                          const Word* badge) {
    const SlotPath dest{parts_[index].cnode, slot, static_cast<std::uint8_t>(cnode_radix)};
    return badge == nullptr ? kernel::cnode_copy(dest, root_task::slot(cap), rights)
                            : kernel::cnode_mint(dest, root_task::slot(cap), rights, *badge);
}

Status SystemBuilder::create_regions() {
    std::size_t next = 0;
    if (system_.regions.size() > max_regions) {
        return Error::invalid_system;
    }
    for (std::size_t r = 0; r < system_.regions.size(); ++r) {
        region_first_[r] = next;
        const Word pages = system_.regions[r].size / page_size;
        if (pages > max_region_pages - next) {
            failed_ = system_.regions[r].name;
            return Error::not_enough_memory;
        }
        if (system_.regions[r].contiguous) {
            KAAL_CHECK(create_contiguous(r, next, pages));
            next += pages;
            continue;
        }
        for (Word p = 0; p < pages; ++p) {
            // Fresh frames are zero (seL4 manual, "Untyped Memory": retyped memory is cleared).
            KAAL_TRY(region_frames_[next++], broker_.create<cap::SmallFrame>());
        }
    }
    region_first_[system_.regions.size()] = next;
    return {};
}

static_assert(SystemDescription::max_contiguous_bytes ==
              broker::CapabilityBroker::max_dma_pages * page_size);

// A region a device reaches by DMA: frames from one retype, whose physical addresses the kernel
// confirms one by one (seL4_X86_Page_GetAddress, seL4 manual "x86 Page") before a component is
// told where the region lies, so that a broker fault can never send a device elsewhere.
Status SystemBuilder::create_contiguous(std::size_t region, std::size_t first_frame, Word pages) {
    KAAL_TRY(const auto frames, broker_.create_contiguous_frames(pages));
    for (Word p = 0; p < pages; ++p) {
        const seL4_X86_Page_GetAddress_t at = seL4_X86_Page_GetAddress(frames.first + p);
        if (at.error != seL4_NoError || at.paddr != frames.paddr + p * page_size) {
            failed_ = system_.regions[region].name;
            return Error::illegal_operation;
        }
        region_frames_[first_frame + p] = Cap<cap::SmallFrame>{frames.first + p};
    }
    region_paddr_[region] = frames.paddr;
    return {};
}

// The component's own objects (seL4 manual, "Thread Control Blocks", "CSpace", "Virtual Address
// Spaces"): a CNode whose guard makes a CPtr a slot number, a VSpace with an ASID, and a TCB with
// its notification bound, so one Recv on the input endpoint waits for calls and signals alike.
Status SystemBuilder::create_objects(std::size_t index) {
    Parts& p = parts_[index];
    KAAL_TRY(p.cnode, broker_.create<cap::CNode>(cnode_radix));
    KAAL_TRY(p.vspace, broker_.create<cap::VSpace>());
    KAAL_CHECK(
        kernel::raw::status(seL4_X86_ASIDPool_Assign(initial_cap::asid_pool, p.vspace.cptr())));
    KAAL_TRY(p.tcb, broker_.create<cap::Tcb>());
    KAAL_TRY(p.input, broker_.create<cap::Endpoint>());
    KAAL_TRY(p.notification, broker_.create<cap::Notification>());
    KAAL_CHECK(kernel::raw::status(seL4_TCB_BindNotification(p.tcb.cptr(), p.notification.cptr())));
    KAAL_CHECK(put(index, input_cap, p.input.cptr(), CapRights::read_only(), nullptr));
    // The kernel sends this thread's faults through the cap at fault_cap of its own CSpace (non-MCS
    // seL4_TCB_Configure); the badge names the component to the root task. A fault endpoint cap
    // must allow send and grant-reply for the kernel to use it.
    const Word badge = fault_badge(index);
    KAAL_CHECK(put(index, fault_cap, fault_endpoint_.cptr(), send_with_reply, &badge));

    StartInfo& info = p.info;
    info.magic = StartInfo::expected_magic;
    info.ipc_buffer = ipc_buffer_vaddr;
    info.starts = 1;
    const std::string_view name{system_.components[index].name};
    std::memcpy(info.name, name.data(), name.size());
    for (auto& grant : info.devices) {
        grant = {1, 0, no_irq, 0, 0, 0, 0};
    }
    return {};
}

// Where each setvar's value goes in component `index`'s image.
Status SystemBuilder::collect_patches(std::size_t index, const ElfImage& image,
                                      Patches& patches) const {
    patches.count = 0;
    const auto patch = [&](const char* symbol, Word value) -> Status {
        if (symbol == nullptr) {
            return {};
        }
        if (patches.count == std::size(patches.at)) {
            return Error::no_space;
        }
        KAAL_TRY(const Word at, image.data_symbol(symbol, sizeof(Word)));
        patches.at[patches.count++] = {at, value};
        return {};
    };
    for (const Mapping& m : system_.components[index].maps) {
        KAAL_CHECK(patch(m.setvar_vaddr, m.vaddr));
        KAAL_CHECK(patch(m.setvar_paddr, region_paddr_[m.region]));
    }
    return {};
}

// One page of a loadable segment as the image begins: the file's bytes, zero beyond them
// (System V ABI, "Program Loading"), and each setvar's value where its variable lies.
void SystemBuilder::fill_page(const ElfImage& image, const ElfSegment& s, Word page,
                              const Patches& patches, unsigned char* window) {
    std::memset(window, 0, page_size);
    // The part of [page, page + 4 KiB) that the file provides.
    const Word from = page > s.vaddr ? page : s.vaddr;
    const Word to =
        page + page_size < s.vaddr + s.file_size ? page + page_size : s.vaddr + s.file_size;
    if (from < to) {
        std::memcpy(window + (from - page), image.file().data() + s.file_offset + (from - s.vaddr),
                    to - from);
    }
    for (std::size_t i = 0; i < patches.count; ++i) {
        if (patches.at[i].vaddr >= page && patches.at[i].vaddr - page < page_size) {
            std::memcpy(window + (patches.at[i].vaddr - page), &patches.at[i].value, sizeof(Word));
        }
    }
}

Result<ElfImage> SystemBuilder::image_of(std::size_t index) const {
    const EmbeddedImage* embedded = find_image(images_, system_.components[index].image);
    if (embedded == nullptr) {
        return Error::not_found;
    }
    const std::span bytes{reinterpret_cast<const std::byte*>(embedded->begin),
                          static_cast<std::size_t>(embedded->end - embedded->begin)};
    return ElfImage::parse(bytes, ElfMachine::x86_64);
}

// Copies the image's loadable segments page by page. A component that may be restarted keeps
// its writable pages' frames, to be filled again from the image (restart).
Status SystemBuilder::load_image(std::size_t index) {
    Parts& p = parts_[index];
    KAAL_TRY(const ElfImage image, image_of(index));
    Patches patches;
    KAAL_CHECK(collect_patches(index, image, patches));
    const bool restartable = system_.components[index].restarts != 0;
    const auto segments = image.segments();
    for (std::size_t segment = 0; segment < segments.size(); ++segment) {
        const ElfSegment& s = segments[segment];
        const CapRights rights = s.writable ? CapRights::read_write() : CapRights::read_only();
        for (Word page = s.vaddr & ~(page_size - 1); page < s.vaddr + s.mem_size;
             page += page_size) {
            KAAL_TRY(const auto frame, make_page(index, page, rights, [&](unsigned char* window) {
                         fill_page(image, s, page, patches, window);
                     }));
            if (restartable && s.writable) {
                if (p.writable_count == std::size(p.writable)) {
                    return Error::no_space; // more data than a restart can put back
                }
                p.writable[p.writable_count++] = {frame, page, segment};
            }
        }
    }
    p.entry = image.entry();
    return {};
}

// Unmapped from the component, filled again, mapped back where it was.
template <typename Fill>
Status SystemBuilder::refill_page(std::size_t index, Cap<cap::SmallFrame> frame, Word vaddr,
                                  CapRights rights, Fill fill) {
    KAAL_CHECK(kernel::frame_unmap(frame));
    KAAL_CHECK(fill_frame(frame, fill));
    return broker_.map_page(parts_[index].vspace, frame, vaddr, rights, true);
}

// Its writable pages as the image has them, one more start in its record, then its thread at
// the entry point with restarted_start (runtime/abi.hpp). The thread is stopped on its fault
// meanwhile; resume_target ends that (seL4 manual, "TCB_WriteRegisters").
Status SystemBuilder::restart(std::size_t index) {
    Parts& p = parts_[index];
    if (system_.components[index].restarts == 0) {
        return Error::invalid_argument;
    }
    KAAL_TRY(const ElfImage image, image_of(index));
    Patches patches;
    KAAL_CHECK(collect_patches(index, image, patches));
    for (std::size_t i = 0; i < p.writable_count; ++i) {
        const Parts::WritablePage& w = p.writable[i];
        const ElfSegment& s = image.segments()[w.segment];
        KAAL_CHECK(refill_page(
            index, w.frame, w.vaddr, CapRights::read_write(),
            [&](unsigned char* window) { fill_page(image, s, w.vaddr, patches, window); }));
    }
    ++p.info.starts;
    const StartInfo info = p.info;
    KAAL_CHECK(
        refill_page(index, p.start_page, start_info_vaddr, CapRights::read_only(),
                    [&info](unsigned char* window) { std::memcpy(window, &info, sizeof info); }));
    return start_at_entry(index, restarted_start, true);
}

Status SystemBuilder::wire_direction(const ChannelEnd& from, const ChannelEnd& to) {
    Parts& p = parts_[from.component];
    const Word notification_badge = Word{1} << to.id;
    KAAL_CHECK(put(from.component, base_output_notification_cap + from.id,
                   parts_[to.component].notification.cptr(), send_only, &notification_badge));
    p.info.notifications |= Word{1} << from.id;
    if (from.pp) {
        const Word call_badge = ppc_badge_bit | to.id;
        KAAL_CHECK(put(from.component, base_endpoint_cap + from.id,
                       parts_[to.component].input.cptr(), send_with_reply, &call_badge));
        p.info.pps |= Word{1} << from.id;
    }
    return {};
}

Status SystemBuilder::wire_channel(const Channel& channel) {
    KAAL_CHECK(wire_direction(channel.a, channel.b));
    return wire_direction(channel.b, channel.a);
}

// A device goes to the component through the broker's bundle: its I/O port cap is copied into
// the component's CSpace, its register pages are mapped uncached into its VSpace through copies
// of the broker's frame caps (a frame cap maps at one place only), and its IRQ handler is
// re-pointed at the component's notification with the channel's bit, then copied there too
// (seL4 manual, "Interrupts", "IO Ports", "Virtual Address Spaces").
Status SystemBuilder::grant_device(std::size_t index, std::size_t grant) {
    Parts& p = parts_[index];
    const DeviceGrant& g = system_.components[index].devices[grant];
    KAAL_TRY(const DeviceBundle* bundle, broker_.request_device(g.device));
    if (bundle->dma.present()) {
        return Error::unsupported; // DMA for components is not built yet
    }
    DeviceGrantInfo& info = p.info.devices[grant];
    if (bundle->mmio.present()) {
        if (g.mmio_vaddr == 0) {
            return Error::invalid_argument; // the description gave the registers no address
        }
        const Word first = bundle->mmio.paddr & ~(page_size - 1);
        const Word end =
            (bundle->mmio.paddr + bundle->mmio.size + page_size - 1) & ~(page_size - 1);
        for (Word paddr = first; paddr < end; paddr += page_size) {
            KAAL_TRY(const auto frame, broker_.mmio_frame(paddr));
            KAAL_TRY(const auto copy, broker_.copy(frame, CapRights::all()));
            KAAL_CHECK(broker_.map_page(p.vspace, copy, g.mmio_vaddr + (paddr - first),
                                        CapRights::read_write(), false));
            ++p.pages;
        }
        info.mmio_paddr = bundle->mmio.paddr;
        info.mmio_vaddr = g.mmio_vaddr + (bundle->mmio.paddr - first);
        info.mmio_size = bundle->mmio.size;
    }
    if (bundle->io_ports.present()) {
        KAAL_CHECK(put(index, io_port_cap_base + grant, bundle->io_ports.cap.cptr(),
                       CapRights::all(), nullptr));
        info.io_port_first = bundle->io_ports.first;
        info.io_port_last = bundle->io_ports.last;
    }
    if (bundle->irq.present()) {
        const Word badge = Word{1} << g.irq_channel;
        KAAL_TRY(const auto badged, broker_.mint(p.notification, CapRights::read_write(), badge));
        KAAL_CHECK(kernel::irq_handler_set_notification(bundle->irq.handler, badged));
        KAAL_CHECK(put(index, base_irq_cap + g.irq_channel, bundle->irq.handler.cptr(),
                       CapRights::all(), nullptr));
        info.irq = bundle->irq.number;
        info.irq_channel = g.irq_channel;
        p.info.irqs |= badge;
    }
    p.info.device_count = grant + 1;
    return {};
}

Status SystemBuilder::map_regions(std::size_t index) {
    for (const Mapping& m : system_.components[index].maps) {
        const CapRights rights = m.writable ? CapRights::read_write() : CapRights::read_only();
        for (std::size_t f = region_first_[m.region]; f < region_first_[m.region + 1]; ++f) {
            // A frame cap maps at one address only, so each mapping uses a copy of it.
            KAAL_TRY(const auto frame, broker_.copy(region_frames_[f], CapRights::all()));
            const Word vaddr = m.vaddr + (f - region_first_[m.region]) * page_size;
            KAAL_CHECK(broker_.map_page(parts_[index].vspace, frame, vaddr, rights, m.cached));
        }
    }
    return {};
}

// The IPC buffer and start record, then the TCB: its CSpace with a guard of 64 - radix bits so
// every CPtr resolves in the one CNode, its VSpace, IPC buffer and fault handler (seL4 manual,
// "seL4_TCB_Configure"), priority, and registers per runtime/abi.hpp.
Status SystemBuilder::finish(std::size_t index) {
    Parts& p = parts_[index];
    KAAL_TRY(p.ipc_buffer,
             make_page(index, ipc_buffer_vaddr, CapRights::read_write(), [](unsigned char*) {}));
    const StartInfo info = p.info;
    KAAL_TRY(p.start_page, make_page(index, start_info_vaddr, CapRights::read_only(),
                                     [&info](unsigned char* window) {
                                         std::memcpy(window, &info, sizeof info);
                                     }));
    const Component& c = system_.components[index];
    const seL4_Word guard = seL4_CNode_CapData_new(0, root_task::cptr_bits - cnode_radix).words[0];
    KAAL_CHECK(kernel::raw::status(seL4_TCB_Configure(p.tcb.cptr(), fault_cap, p.cnode.cptr(),
                                                      guard, p.vspace.cptr(), 0, ipc_buffer_vaddr,
                                                      p.ipc_buffer.cptr())));
    KAAL_CHECK(
        kernel::raw::status(seL4_TCB_SetPriority(p.tcb.cptr(), initial_cap::tcb, c.priority)));
    KAAL_CHECK(start_at_entry(index, 0, false));
#if defined(CONFIG_DEBUG_BUILD)
    seL4_DebugNameThread(p.tcb.cptr(), c.name);
#endif
    return {};
}

// resume_target cancels the fault the thread is blocked on (seL4 manual, "TCB_WriteRegisters").
// Its stack, set up again by _start (start.S), is in its own image; the start record is in a page
// it cannot write, so what the fault spoiled cannot spoil the record.
Status SystemBuilder::start_stopped(std::size_t index) const {
    return start_at_entry(index, stopped_start, true);
}

// Every register but these three is 0 (runtime/abi.hpp); `resume` starts the thread at once.
Status SystemBuilder::start_at_entry(std::size_t index, Word how, bool resume) const {
    seL4_UserContext regs{};
    regs.rip = parts_[index].entry;
    regs.rdi = start_info_vaddr;
    regs.rsi = how;
    return kernel::raw::status(seL4_TCB_WriteRegisters(parts_[index].tcb.cptr(), resume ? 1 : 0, 0,
                                                       sizeof regs / sizeof(seL4_Word), &regs));
}

Status SystemBuilder::build() {
    if (auto made = create_regions(); !made) {
        return made;
    }
    const auto each = [this](auto step) -> Status {
        for (std::size_t i = 0; i < system_.components.size(); ++i) {
            if (auto done = step(i); !done) {
                failed_ = system_.components[i].name;
                return done;
            }
        }
        return {};
    };
    KAAL_CHECK(each([this](std::size_t i) { return create_objects(i); }));
    for (const Channel& channel : system_.channels) {
        if (auto wired = wire_channel(channel); !wired) {
            failed_ = system_.components[channel.a.component].name;
            return wired;
        }
    }
    return each([this](std::size_t i) { return populate(i); });
}

Status SystemBuilder::populate(std::size_t index) {
    for (std::size_t g = 0; g < system_.components[index].devices.size(); ++g) {
        KAAL_CHECK(grant_device(index, g));
    }
    KAAL_CHECK(load_image(index));
    KAAL_CHECK(map_regions(index));
    return finish(index);
}

Status SystemBuilder::start() {
    for (std::size_t i = 0; i < system_.components.size(); ++i) {
        if (seL4_TCB_Resume(parts_[i].tcb.cptr()) != seL4_NoError) {
            failed_ = system_.components[i].name;
            return Error::invalid_capability;
        }
    }
    return {};
}

} // namespace kaal::runtime
