// SPDX-License-Identifier: BSD-2-Clause
// IRQControl, IRQHandler and I/O port caps (seL4 manual, "Interrupts" and "IO Ports"). An IRQ
// is delivered as a signal on the notification bound to its handler, with that notification
// cap's badge, and then stays masked until the handler is acked.
#include <algorithm>

#include "kernel_state.hpp"

namespace kaal::mock {

namespace {
constexpr Word max_io_port = 0xffff;
} // namespace

Status Kernel::irq_control_get(CPtr control, Word irq, CPtr root, CPtr index, std::uint8_t depth) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * control_slot, s.invoked_as(control, CapType::irq_control));
    if (auto error = s.injected(Invocation::irq_control_get)) {
        return *error;
    }
    if (irq > s.machine.max_irq) {
        return Error::range_error;
    }
    if (s.irqs[irq].active) {
        return Error::revoke_first; // someone already holds this IRQ's handler
    }
    KAAL_TRY(Slot * dest, s.lookup_target(root, index, depth));
    if (dest->cap.type != CapType::null) {
        return Error::delete_first;
    }
    Capability handler;
    handler.type = CapType::irq_handler;
    handler.irq = irq;
    s.irqs[irq] = IrqState{};
    s.irqs[irq].active = true;
    s.insert(*dest, handler, control_slot);
    return {};
}

namespace {
Result<Slot*> handler_slot(const Kernel::State& s, CPtr handler) {
    KAAL_TRY(Slot * slot, s.invoked_as(handler, CapType::irq_handler));
    return slot;
}
} // namespace

Status Kernel::irq_handler_set_notification(CPtr handler, CPtr notification) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * slot, handler_slot(s, handler));
    if (auto error = s.injected(Invocation::irq_handler_set_notification)) {
        return *error;
    }
    auto target = s.lookup_invoked(notification);
    // The kernel signals through this cap, so it must be a notification that allows sending.
    if (!target || (*target)->cap.type != CapType::notification ||
        !(*target)->cap.rights.can_write()) {
        return Error::invalid_capability;
    }
    auto& state = s.irqs[slot->cap.irq];
    state.notification = (*target)->cap.object;
    state.badge = (*target)->cap.badge;
    return {};
}

Status Kernel::irq_handler_ack(CPtr handler) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * slot, handler_slot(s, handler));
    auto& state = s.irqs[slot->cap.irq];
    state.masked = false;
    if (state.pending) {
        state.pending = false;
        s.deliver_irq(slot->cap.irq);
    }
    return {};
}

Status Kernel::irq_handler_clear(CPtr handler) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * slot, handler_slot(s, handler));
    auto& state = s.irqs[slot->cap.irq];
    state.notification = nullptr;
    state.badge = 0;
    return {};
}

void Kernel::State::deliver_irq(Word irq) {
    auto& state = irqs[irq];
    // Masked whether or not anyone listens: an undelivered IRQ still needs an ack.
    state.masked = true;
    if (Object* notification = state.notification) {
        notification->word |= state.badge;
        notification->active = true;
        wake_all();
    }
}

bool Kernel::raise_irq(Word irq) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    if (irq >= s.irqs.size() || !s.irqs[irq].active) {
        return false;
    }
    auto& state = s.irqs[irq];
    if (state.masked) {
        state.pending = true;
        return false;
    }
    s.deliver_irq(irq);
    return state.notification != nullptr;
}

Status Kernel::ioport_control_issue(CPtr control, Word first, Word last, CPtr root, CPtr index,
                                    std::uint8_t depth) {
    const std::lock_guard guard{state_->lock};
    auto& s = *state_;
    KAAL_TRY(Slot * control_slot, s.invoked_as(control, CapType::io_port_control));
    if (auto error = s.injected(Invocation::ioport_control_issue)) {
        return *error;
    }
    if (first > last || last > max_io_port) {
        return Error::invalid_argument;
    }
    // A port range is issued once, so two drivers cannot program the same device.
    const bool overlaps = std::any_of(s.io_ports.begin(), s.io_ports.end(), [&](const auto& r) {
        return first <= r.last && r.first <= last;
    });
    if (overlaps) {
        return Error::revoke_first;
    }
    KAAL_TRY(Slot * dest, s.lookup_target(root, index, depth));
    if (dest->cap.type != CapType::null) {
        return Error::delete_first;
    }
    Capability ports;
    ports.type = CapType::io_port;
    ports.first_port = first;
    ports.last_port = last;
    s.io_ports.push_back({first, last, 0});
    s.insert(*dest, ports, control_slot);
    return {};
}

} // namespace kaal::mock
