// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/broker/capability_broker.hpp>
#include <kaal/core/result.hpp>
#include <kaal/platform/runtime/sel4.hpp>

// The runtime root task's timer for restart back-offs (fault_reporter.cpp): the 8254 PIT's
// one-shot counter for the interrupt (drivers/timer/pit) and the TSC for the time, at the rate
// the kernel measured at boot and reports in the extra bootinfo (seL4_BootInfoHeader
// SEL4_BOOTINFO_HEADER_X86_TSC_FREQ, in MHz).
//
// The PIT's IRQ signals a notification bound to the root task's TCB (seL4 manual,
// "Notification Binding"), so the root task's one seL4_Recv on the fault endpoint returns for a
// fault and for the timer alike; the timer's comes with `badge`, which no fault badge (a
// component's index + 1) can be.
namespace kaal::runtime {

class BackoffTimer {
public:
    static constexpr Word badge = Word{1} << 62;

    // Takes the PIT from the broker; fails if a component holds it, or the kernel gave no TSC
    // rate.
    static Result<BackoffTimer> create(broker::CapabilityBroker& broker,
                                       const seL4_BootInfo& bootinfo);

    [[nodiscard]] std::uint64_t now_ns() const;
    // An interrupt `ns` from now, or after the longest shot the PIT has (~54.9 ms) if that is
    // sooner; the caller looks at the time when it comes and arms again for what is left.
    void arm(std::uint64_t ns) const;
    // After each interrupt, so the pin can interrupt again.
    void acknowledge() const;

private:
    BackoffTimer(IoPortRange ports, Cap<cap::IrqHandler> irq, std::uint64_t tsc_mhz)
        : ports_(ports), irq_(irq), tsc_mhz_(tsc_mhz) {}

    IoPortRange ports_;
    Cap<cap::IrqHandler> irq_;
    std::uint64_t tsc_mhz_;
};

} // namespace kaal::runtime
