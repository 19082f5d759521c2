// SPDX-License-Identifier: BSD-2-Clause
// Notifications (seL4 manual, "Notifications"): a signal ORs the signalling cap's badge into the
// notification word and makes it active; a wait blocks until it is active and takes the word,
// leaving it idle; a poll is a wait that does not block.
#include "kernel_state.hpp"

namespace kaal::mock {

namespace {
// Signalling needs the write right and waiting the read right; seL4 treats a cap without them
// as a cap fault, which the mock reports as seL4_InvalidCapability.
Result<Slot*> notification_slot(const Kernel::State& s, CPtr cptr, bool for_wait) {
    KAAL_TRY(Slot * slot, s.lookup_invoked(cptr));
    const auto& cap = slot->cap;
    if (cap.type != CapType::notification ||
        !(for_wait ? cap.rights.can_read() : cap.rights.can_write())) {
        return Error::invalid_capability;
    }
    return slot;
}

Word take(Object& notification) {
    const Word word = notification.word;
    notification.word = 0;
    notification.active = false;
    return word;
}
} // namespace

Status Kernel::signal(CPtr notification) {
    const std::lock_guard guard{state_->lock};
    KAAL_TRY(Slot * slot, notification_slot(*state_, notification, false));
    auto& object = *slot->cap.object;
    object.word |= slot->cap.badge;
    object.active = true;
    state_->wake_all();
    return {};
}

Result<Word> Kernel::wait(CPtr notification) {
    std::unique_lock guard{state_->lock};
    KAAL_TRY(Slot * slot, notification_slot(*state_, notification, true));
    // Hold the object across the wait: deleting its last cap wakes us with an error, and the
    // pool must not recycle it while we still look at it.
    Object* object = slot->cap.object;
    ++object->holders;
    state_->sleep(guard, [&] { return object->active || object->destroyed; });
    const bool destroyed = object->destroyed;
    const Word word = destroyed ? 0 : take(*object);
    state_->release(*object);
    if (destroyed) {
        return Error::invalid_capability;
    }
    return word;
}

Result<Word> Kernel::poll(CPtr notification) {
    const std::lock_guard guard{state_->lock};
    KAAL_TRY(Slot * slot, notification_slot(*state_, notification, true));
    auto& object = *slot->cap.object;
    return object.active ? take(object) : Word{0};
}

} // namespace kaal::mock
