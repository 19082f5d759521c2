// SPDX-License-Identifier: BSD-2-Clause
// The root task's back-off timer (backoff_timer.hpp).
#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/dddk/port_io_bus.hpp>
#include <kaal/platform/cap_ops.hpp>
#include <kaal/platform/runtime/backoff_timer.hpp>
#include <kaal/platform/runtime/io_port.hpp>

#include "pit_timer.hpp"

namespace kaal::runtime {

namespace {

using Ports = dddk::PortIoBus<Sel4PortIoOps>;
using Pit = drivers::timer::PitTimer<Ports>;

Result<Pit> pit_on(const IoPortRange& ports) {
    KAAL_TRY(const Ports bus,
             Ports::create(ports, Pit::register_span, Sel4PortIoOps{ports.cap.cptr()}));
    return Pit{bus};
}

// The extra bootinfo follows the bootinfo frame: chunks, each with a header whose length counts
// the header too (libsel4 sel4/bootinfo_types.h).
std::uint64_t tsc_mhz_in(const seL4_BootInfo& bootinfo) {
    const auto* extra = reinterpret_cast<const unsigned char*>(&bootinfo) + seL4_BootInfoFrameSize;
    Word at = 0;
    while (at + sizeof(seL4_BootInfoHeader) <= bootinfo.extraLen) {
        const auto* header = reinterpret_cast<const seL4_BootInfoHeader*>(extra + at);
        if (header->len < sizeof(seL4_BootInfoHeader) || header->len > bootinfo.extraLen - at) {
            return 0;
        }
        if (header->id == SEL4_BOOTINFO_HEADER_X86_TSC_FREQ &&
            header->len >= sizeof(seL4_BootInfoHeader) + sizeof(std::uint32_t)) {
            return *reinterpret_cast<const std::uint32_t*>(header + 1);
        }
        at += header->len;
    }
    return 0;
}

} // namespace

Result<BackoffTimer> BackoffTimer::create(broker::CapabilityBroker& broker,
                                          const seL4_BootInfo& bootinfo) {
    const std::uint64_t tsc_mhz = tsc_mhz_in(bootinfo);
    if (tsc_mhz == 0) {
        return Error::unsupported;
    }
    KAAL_TRY(const DeviceBundle* pit, broker.request_device(boards::pc99_x86_64::pit));
    KAAL_TRY(Pit ticker, pit_on(pit->io_ports));
    // Stopped before its pin is bound: the kernel's calibration left the counter running.
    ticker.stop();
    KAAL_TRY(const auto notification, broker.create<cap::Notification>());
    KAAL_TRY(const auto badged, broker.mint(notification, CapRights::read_write(), badge));
    KAAL_CHECK(kernel::irq_handler_set_notification(pit->irq.handler, badged));
    KAAL_CHECK(
        kernel::raw::status(seL4_TCB_BindNotification(initial_cap::tcb, notification.cptr())));
    return BackoffTimer{pit->io_ports, pit->irq.handler, tsc_mhz};
}

std::uint64_t BackoffTimer::now_ns() const {
    const std::uint64_t tsc = __builtin_ia32_rdtsc();
    // In two parts, so that nothing overflows for centuries of uptime.
    return tsc / tsc_mhz_ * 1000 + tsc % tsc_mhz_ * 1000 / tsc_mhz_;
}

void BackoffTimer::arm(std::uint64_t ns) const {
    // create() made this bus once already, from the same range.
    if (auto ticker = pit_on(ports_)) {
        ticker->start(Pit::count_for(ns));
    }
}

void BackoffTimer::acknowledge() const {
    static_cast<void>(kernel::irq_handler_ack(irq_));
}

} // namespace kaal::runtime
