// SPDX-License-Identifier: BSD-2-Clause
// Validation of a compiled-in system description, before the root task builds anything from it.
#include <string_view>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/platform/runtime/abi.hpp>
#include <kaal/platform/runtime/elf_image.hpp>
#include <kaal/platform/runtime/system_description.hpp>

namespace kaal::runtime {

namespace {

constexpr Word page_mask = 0xfff;
constexpr Word image_base = 0x20'0000; // platform/runtime/x86_64.ld

bool same(const char* a, const char* b) {
    return a != nullptr && b != nullptr && std::string_view{a} == std::string_view{b};
}

SystemError fail(const char* what, const char* where) {
    return {Error::invalid_system, what, where == nullptr ? "(unnamed)" : where};
}

SystemError check_maps(const SystemDescription& system, const Component& c) {
    for (std::size_t i = 0; i < c.maps.size(); ++i) {
        const Mapping& m = c.maps[i];
        if (m.region >= system.regions.size()) {
            return fail("a mapping names a memory region that does not exist", c.name);
        }
        const Word size = system.regions[m.region].size;
        // Below 2 MiB are the pages the root task reserves (runtime/abi.hpp). A mapping over
        // the component's own image is found when it is loaded (seL4_DeleteFirst).
        if ((m.vaddr & page_mask) != 0 || m.vaddr < image_base ||
            m.vaddr + size > ElfImage::highest_vaddr || m.vaddr + size < m.vaddr) {
            return fail("a mapping's vaddr must be page-aligned and in [2 MiB, 128 TiB)", c.name);
        }
        if (m.setvar_paddr != nullptr && !system.regions[m.region].contiguous) {
            return fail("only a contiguous region has a physical address to publish", c.name);
        }
        for (std::size_t j = 0; j < i; ++j) {
            const Mapping& o = c.maps[j];
            if (m.vaddr < o.vaddr + system.regions[o.region].size && o.vaddr < m.vaddr + size) {
                return fail("two mappings of one component overlap", c.name);
            }
        }
    }
    return {};
}

SystemError check_channel_end(const SystemDescription& system, const ChannelEnd& end) {
    if (end.component >= system.components.size()) {
        return fail("a channel names a component that does not exist", system.name);
    }
    if (end.id >= channel_count) {
        return fail("a channel id must be 0..62", system.components[end.component].name);
    }
    return {};
}

// Each id of a component names one channel, and its IRQ channels are channels too.
bool id_taken(const SystemDescription& system, std::size_t component, unsigned id,
              std::size_t before_channel, std::size_t before_grant) {
    for (std::size_t i = 0; i < before_channel; ++i) {
        const Channel& ch = system.channels[i];
        if ((ch.a.component == component && ch.a.id == id) ||
            (ch.b.component == component && ch.b.id == id)) {
            return true;
        }
    }
    const auto& devices = system.components[component].devices;
    for (std::size_t g = 0; g < before_grant && g < devices.size(); ++g) {
        const DeviceDesc* desc = boards::pc99_x86_64::table.find(devices[g].device);
        if (devices[g].irq_channel == id && (desc == nullptr || desc->irq != no_irq)) {
            return true;
        }
    }
    return false;
}

// Whether grant `grant` of component `component` names a device an earlier grant named: two
// drivers of one device would each reprogram it, and the second grant would take the first
// driver's IRQ.
bool granted_before(const SystemDescription& system, std::size_t component, std::size_t grant) {
    const DeviceId id = system.components[component].devices[grant].device;
    for (std::size_t i = 0; i <= component; ++i) {
        const auto& devices = system.components[i].devices;
        const std::size_t end = i == component ? grant : devices.size();
        for (std::size_t g = 0; g < end; ++g) {
            if (devices[g].device == id) {
                return true;
            }
        }
    }
    return false;
}

// The root task times restart back-offs with the PIT, which the HPET's legacy replacement mode
// silences: with a back-off in the system, neither may be a component's.
SystemError check_backoff_timer(const SystemDescription& system) {
    const Component* backing_off = nullptr;
    for (const Component& c : system.components) {
        backing_off = c.backoff_ns != 0 ? &c : backing_off;
    }
    if (backing_off == nullptr) {
        return {};
    }
    for (const Component& c : system.components) {
        for (const DeviceGrant& g : c.devices) {
            if (g.device == boards::pc99_x86_64::pit || g.device == boards::pc99_x86_64::hpet) {
                return fail("a restart back-off needs the PIT, so no component may be granted "
                            "the PIT or the HPET",
                            c.name);
            }
        }
    }
    return {};
}

} // namespace

const EmbeddedImage* find_image(std::span<const EmbeddedImage> images, const char* name) {
    for (const EmbeddedImage& image : images) {
        if (same(image.name, name)) {
            return &image;
        }
    }
    return nullptr;
}

SystemError validate(const SystemDescription& system, std::span<const EmbeddedImage> images) {
    if (system.components.empty() || system.components.size() > SystemDescription::max_components) {
        return fail("a system has 1 to 63 components", system.name);
    }
    for (const MemoryRegion& r : system.regions) {
        if (r.size == 0 || (r.size & page_mask) != 0) {
            return fail("a memory region's size must be a non-zero multiple of 4 KiB", r.name);
        }
        if (r.contiguous && r.size > SystemDescription::max_contiguous_bytes) {
            return fail("a contiguous region is at most 1 MiB", r.name);
        }
    }
    for (std::size_t i = 0; i < system.components.size(); ++i) {
        const Component& c = system.components[i];
        if (c.name == nullptr || c.name[0] == '\0' ||
            std::string_view{c.name}.size() >= StartInfo::name_length) {
            return fail("a component name must have 1 to 31 characters", c.name);
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (same(c.name, system.components[j].name)) {
                return fail("two components have the same name", c.name);
            }
        }
        if (find_image(images, c.image) == nullptr) {
            return fail("a component's image is not embedded in the root task", c.name);
        }
        if (c.priority > SystemDescription::max_priority) {
            return fail("a component's priority must be at most 254", c.name);
        }
        if (c.devices.size() > max_device_grants) {
            return fail("a component may drive at most 4 devices", c.name);
        }
        for (std::size_t g = 0; g < c.devices.size(); ++g) {
            // A device without an IRQ (the CMOS RTC) spends no channel id.
            const DeviceDesc* desc = boards::pc99_x86_64::table.find(c.devices[g].device);
            const bool has_irq = desc == nullptr || desc->irq != no_irq;
            if (has_irq && (c.devices[g].irq_channel >= channel_count ||
                            id_taken(system, i, c.devices[g].irq_channel, 0, g))) {
                return fail("a device's IRQ channel must be a free id 0..62", c.name);
            }
            const Word mmio = c.devices[g].mmio_vaddr;
            if ((mmio & page_mask) != 0 || (mmio != 0 && mmio < image_base)) {
                return fail("a device's registers are mapped page-aligned at or above 2 MiB",
                            c.name);
            }
            if (granted_before(system, i, g)) {
                return fail("a device is granted to two components (or twice to one)", c.name);
            }
        }
        if (auto e = check_maps(system, c); !e.ok()) {
            return e;
        }
    }
    for (std::size_t i = 0; i < system.channels.size(); ++i) {
        const Channel& ch = system.channels[i];
        for (const ChannelEnd* end : {&ch.a, &ch.b}) {
            if (auto e = check_channel_end(system, *end); !e.ok()) {
                return e;
            }
        }
        if (ch.a.component == ch.b.component) {
            return fail("a channel joins two different components",
                        system.components[ch.a.component].name);
        }
        for (const ChannelEnd* end : {&ch.a, &ch.b}) {
            if (id_taken(system, end->component, end->id, i, ~std::size_t{0})) {
                return fail("a component uses one channel id twice",
                            system.components[end->component].name);
            }
        }
    }
    return check_backoff_timer(system);
}

} // namespace kaal::runtime
