// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>

#include <kaal/broker/capability_broker.hpp>
#include <kaal/platform/runtime/abi.hpp>
#include <kaal/platform/runtime/elf_image.hpp>
#include <kaal/platform/runtime/system_description.hpp>

// Builds a validated system description into running components: for each one a CNode, a VSpace
// with its image loaded, a TCB bound to a notification, and the caps of its channels, shared
// regions and devices at the slots runtime/abi.hpp fixes. All kernel objects come from the
// capability broker. Runtime mode only: this is the root task's job.
namespace kaal::runtime {

class SystemBuilder {
public:
    static constexpr std::size_t max_components = SystemDescription::max_components;
    static constexpr std::size_t max_regions = 32;
    static constexpr std::size_t max_region_pages = 256;
    // The writable pages (.data, .bss and its stack) of a component that may be restarted.
    static constexpr std::size_t max_restart_pages = 64;

    SystemBuilder(broker::CapabilityBroker& broker, const SystemDescription& system,
                  std::span<const EmbeddedImage> images, Cap<cap::Endpoint> fault_endpoint)
        : broker_(broker), system_(system), images_(images), fault_endpoint_(fault_endpoint) {}

    // Everything up to, not including, starting the threads, so that every channel is wired
    // before any component runs. On an error, `failed_component()` names where it happened.
    Status build();
    // The shared regions' frames, made once before any component maps them.
    Status create_regions();
    // Starts every component, in description order.
    Status start();
    // Starts component `index` again, faulted or not, at its entry point as a component that
    // only answers calls, with Error::peer_stopped (runtime/abi.hpp, stopped_start).
    [[nodiscard]] Status start_stopped(std::size_t index) const;
    // Starts component `index` again on its image's initial data, for its restart policy
    // (Component::restarts): its writable pages filled again from its image, its start count
    // up by one, its thread at the entry point (runtime/abi.hpp, restarted_start).
    [[nodiscard]] Status restart(std::size_t index);

    // The fault badge the root task's fault endpoint sees for component `index`.
    static constexpr Word fault_badge(std::size_t index) { return index + 1; }
    [[nodiscard]] const char* failed_component() const { return failed_; }
    [[nodiscard]] Word pages_of(std::size_t index) const { return parts_[index].pages; }
    // The component's thread, for the fault handler.
    [[nodiscard]] Cap<cap::Tcb> tcb_of(std::size_t index) const { return parts_[index].tcb; }

private:
    struct Parts {
        Cap<cap::CNode> cnode;
        Cap<cap::VSpace> vspace;
        Cap<cap::Tcb> tcb;
        Cap<cap::Endpoint> input;
        Cap<cap::Notification> notification;
        Cap<cap::SmallFrame> ipc_buffer;
        Cap<cap::SmallFrame> start_page;
        Word entry;
        Word pages;
        StartInfo info;
        struct WritablePage {
            Cap<cap::SmallFrame> frame;
            Word vaddr;
            std::size_t segment; // of the image, which the page is filled from again
        };
        WritablePage writable[max_restart_pages];
        std::size_t writable_count;
    };
    struct Patches {
        struct Patch {
            Word vaddr;
            Word value;
        };
        Patch at[8] = {};
        std::size_t count = 0;
    };

    Status create_contiguous(std::size_t region, std::size_t first_frame, Word pages);
    Status create_objects(std::size_t index);
    Status load_image(std::size_t index);
    [[nodiscard]] Result<ElfImage> image_of(std::size_t index) const;
    Status collect_patches(std::size_t index, const ElfImage& image, Patches& patches) const;
    static void fill_page(const ElfImage& image, const ElfSegment& s, Word page,
                          const Patches& patches, unsigned char* window);
    template <typename Fill>
    Status fill_frame(Cap<cap::SmallFrame> frame, Fill fill);
    template <typename Fill>
    Status refill_page(std::size_t index, Cap<cap::SmallFrame> frame, Word vaddr, CapRights rights,
                       Fill fill);
    Status wire_channel(const Channel& channel);
    Status wire_direction(const ChannelEnd& from, const ChannelEnd& to);
    Status grant_device(std::size_t index, std::size_t grant);
    Status map_regions(std::size_t index);
    Status finish(std::size_t index);
    [[nodiscard]] Status start_at_entry(std::size_t index, Word how, bool resume) const;
    // Devices, image, shared regions and thread of one component, once all are wired.
    Status populate(std::size_t index);

    // A new frame, filled by `fill` through a temporary mapping in the root task, then mapped
    // into component `index` at `vaddr`.
    template <typename Fill>
    Result<Cap<cap::SmallFrame>> make_page(std::size_t index, Word vaddr, CapRights rights,
                                           Fill fill);
    Status put(std::size_t index, Word slot, CPtr cap, CapRights rights, const Word* badge);

    broker::CapabilityBroker& broker_;
    const SystemDescription& system_;
    std::span<const EmbeddedImage> images_;
    Cap<cap::Endpoint> fault_endpoint_;
    Parts parts_[max_components] = {};
    // The frames of each shared region, in region order; a mapping uses copies of these caps.
    Cap<cap::SmallFrame> region_frames_[max_region_pages] = {};
    std::size_t region_first_[max_regions + 1] = {};
    Word region_paddr_[max_regions] = {}; // of the contiguous regions

    const char* failed_ = nullptr;
};

} // namespace kaal::runtime
