// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/broker/device_bundle.hpp>
#include <kaal/core/result.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/platform/mode.hpp>
#if defined(KAAL_PLATFORM_RUNTIME)
#include <kaal/platform/cap_ops.hpp>
#endif

// A device's interrupt as its driver uses it. seL4 masks an interrupt line from the moment it
// delivers the interrupt until the handler acknowledges it (seL4 manual, "Interrupts":
// seL4_IRQHandler_Ack), so the order is always: the interrupt arrives, the driver services the
// device until it no longer asserts the line, then ack(). Acking first would let a still-asserted
// level-triggered line (the PL011's is) fire again at once for the same event.
//
// How the ack is made depends on the platform, and only the constructor and ack() know it:
//   - Microkit: the IRQ is a channel of the PD (<irq irq="33" id="0"/>) and ack is
//     microkit_irq_ack on it (kaal::irq_ack), which checks the channel is wired as an IRQ;
//   - mock: the same channel operation, observed by the test through the mock PD's on_irq_ack;
//   - runtime, in a component the root task spawned: the IRQ is a channel as in Microkit, with
//     the handler at the channel's IRQ slot (platform/runtime/README.md);
//   - runtime, in the root task itself: the broker handed out the IRQHandler capability, and
//     ack invokes it directly.
namespace kaal::dddk {

class Irq {
public:
    // From the DeviceIrq of the driver's DeviceBundle. Fails if the bundle has no interrupt, or
    // if it lacks what this platform acks through (a channel; a handler capability).
    static constexpr Result<Irq> from(const DeviceIrq& irq) {
        if (!irq.present()) {
            return Error::invalid_argument;
        }
        if (irq.channel != DeviceIrq::no_channel) {
            if (irq.channel > Channel::max_id) {
                return Error::invalid_channel;
            }
            return Irq(irq);
        }
#if defined(KAAL_PLATFORM_RUNTIME)
        if (irq.handler.is_null()) {
            return Error::invalid_capability;
        }
        return Irq(irq);
#else
        return Error::invalid_channel;
#endif
    }

    [[nodiscard]] constexpr Word number() const {
        return irq_.number;
    }
    [[nodiscard]] constexpr Channel channel() const {
        return Channel{irq_.channel};
    }
    // True if a notification on `ch` is this interrupt.
    [[nodiscard]] constexpr bool arrived_on(Channel ch) const {
        return irq_.channel != DeviceIrq::no_channel && ch.id() == irq_.channel;
    }
    // Runtime, root task: the badge the interrupt's signal carries on the driver's notification.
    [[nodiscard]] constexpr Word badge() const {
        return irq_.badge;
    }

    [[nodiscard]] Status ack() const {
#if defined(KAAL_PLATFORM_RUNTIME)
        if (irq_.channel == DeviceIrq::no_channel) {
            return kernel::irq_handler_ack(irq_.handler);
        }
#endif
        return irq_ack(channel());
    }

private:
    constexpr explicit Irq(const DeviceIrq& irq) : irq_(irq) {}

    DeviceIrq irq_;
};

} // namespace kaal::dddk
