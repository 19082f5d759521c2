// SPDX-License-Identifier: BSD-2-Clause
// The KaaL root task's main line: bootinfo, broker, system, faults.
#include <optional>

#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/broker/capability_broker.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/runtime/root_task.hpp>
#include <kaal/platform/runtime/start.hpp>
#include <kaal/platform/runtime/system_builder.hpp>

namespace kaal::runtime {

namespace {

// KaaL's copy of the parts of seL4_BootInfo the broker uses (cap_bootinfo.hpp).
BootInfo boot_info_from(const seL4_BootInfo& bi) {
    BootInfo out;
    out.empty = {bi.empty.start, bi.empty.end};
    out.untyped = {bi.untyped.start, bi.untyped.end};
    out.init_cnode_size_bits = static_cast<unsigned>(bi.initThreadCNodeSizeBits);
    for (unsigned i = 0; i < out.untyped_count() && i < BootInfo::max_untypeds; ++i) {
        out.untyped_list[i] = {bi.untypedList[i].paddr, bi.untypedList[i].sizeBits,
                               bi.untypedList[i].isDevice != 0};
    }
    return out;
}

void print_memory_summary(const BootInfo& bi) {
    Word ram = 0;
    unsigned ram_count = 0;
    for (unsigned i = 0; i < bi.untyped_count(); ++i) {
        if (!bi.untyped_list[i].is_device) {
            ram += Word{1} << bi.untyped_list[i].size_bits;
            ++ram_count;
        }
    }
    constexpr Word kib = Word{1} << 10;
    debug::print("kaal: root task: bootinfo has ", bi.untyped_count(), " untypeds: ", ram_count,
                 " of RAM (", ram / kib, " KiB), ", bi.untyped_count() - ram_count,
                 " of device memory; ", bi.empty.size(), " free CSpace slots\n");
}

[[noreturn]] void stop() {
    debug::print("kaal: root task stopped\n");
    // The root task holds its own TCB cap: suspending itself stops it without even yielding.
    static_cast<void>(seL4_TCB_Suspend(initial_cap::tcb));
    halt("");
}

// Only for a system with back-offs, which validate() has checked leaves the PIT free.
std::optional<BackoffTimer> backoff_timer(broker::CapabilityBroker& broker,
                                          const seL4_BootInfo& bootinfo,
                                          const SystemDescription& system) {
    bool wanted = false;
    for (const Component& c : system.components) {
        wanted = wanted || (c.restarts != 0 && c.backoff_ns != 0);
    }
    if (!wanted) {
        return std::nullopt;
    }
    auto timer = BackoffTimer::create(broker, bootinfo);
    if (!timer) {
        debug::print("kaal: no timer for restart back-offs (", timer.error(),
                     "); components are restarted at once\n");
        return std::nullopt;
    }
    debug::print("kaal: restart back-offs are timed with the PIT\n");
    return *timer;
}

// The broker and builder are large and live for the root task's whole life.
detail::ComponentSlot<broker::CapabilityBroker> broker_slot;

} // namespace

[[gnu::weak]] void before_build(broker::CapabilityBroker&) {}

void root_task_main(const seL4_BootInfo& bootinfo) {
    const BootInfo bi = boot_info_from(bootinfo);
    print_memory_summary(bi);

    const SystemDescription& system = system_description;
    const std::span images{embedded_images, embedded_image_count};
    if (const SystemError e = validate(system, images); !e.ok()) {
        debug::print("kaal: system '", system.name, "' is invalid: ", e.what, " (", e.where, ")\n");
        stop();
    }

    auto made = broker::CapabilityBroker::from_bootinfo(
        bi, boards::pc99_x86_64::table, {.prepare_window = true, .prepare_devices = true});
    if (!made) {
        debug::print("kaal: cannot build the capability broker from bootinfo: ", made.error(),
                     "\n");
        stop();
    }
    auto& broker =
        *::new (static_cast<void*>(&broker_slot)) broker::CapabilityBroker(std::move(made).value());

    before_build(broker);

    auto fault_endpoint = broker.create<cap::Endpoint>();
    if (!fault_endpoint) {
        debug::print("kaal: cannot create the fault endpoint: ", fault_endpoint.error(), "\n");
        stop();
    }
    static SystemBuilder builder{broker, system, images, *fault_endpoint};
    debug::print("kaal: system '", system.name, "': ", system.components.size(), " components, ",
                 system.regions.size(), " shared regions, ", system.channels.size(), " channels\n");
    if (auto built = builder.build(); !built) {
        debug::print("kaal: cannot build component '", builder.failed_component(),
                     "': ", built.error(), "\n");
        stop();
    }
    for (std::size_t i = 0; i < system.components.size(); ++i) {
        debug::print("kaal: component '", system.components[i].name, "': priority ",
                     unsigned{system.components[i].priority}, ", ", builder.pages_of(i),
                     " pages\n");
    }
    debug::print("kaal: broker after build: ", broker.slots().available(), " free slots, ",
                 broker.untypeds().free_ram_bytes() / (Word{1} << 20), " MiB RAM free\n");
    if (auto started = builder.start(); !started) {
        debug::print("kaal: cannot start component '", builder.failed_component(), "'\n");
        stop();
    }
    auto reply = broker.reserve_slot();
    auto probe = broker.reserve_slot();
    if (!reply || !probe) {
        debug::print("kaal: no CSpace slots left for the fault handler's reply caps\n");
        stop();
    }
    const std::optional<BackoffTimer> timer = backoff_timer(broker, bootinfo, system);
    debug::print("kaal: started ", system.components.size(),
                 " components; the root task now handles their faults\n");
    serve_faults(*fault_endpoint, system, images, builder, timer ? &*timer : nullptr, *reply,
                 *probe);
}

} // namespace kaal::runtime
