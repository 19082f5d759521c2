// SPDX-License-Identifier: BSD-2-Clause
// Endpoints (seL4 manual, "IPC"): a send or call blocks until a receiver takes the message, a
// call then blocks until the receiver replies. The receiver learns the badge of the cap the
// sender used. Senders queue in arrival order. Each host thread is one seL4 thread; its reply
// state (the caller it received from and has not yet answered) is thread-local, like the reply
// cap a non-MCS kernel keeps in the receiver's TCB.
#include "kernel_state.hpp"

namespace kaal::mock {

namespace {
thread_local PendingIpc* awaiting_reply = nullptr;

Result<Object*> endpoint_object(const Kernel::State& s, CPtr cptr, bool receive) {
    KAAL_TRY(Slot * slot, s.lookup_invoked(cptr));
    const auto& cap = slot->cap;
    if (cap.type != CapType::endpoint ||
        !(receive ? cap.rights.can_read() : cap.rights.can_write())) {
        return Error::invalid_capability;
    }
    return cap.object;
}

void enqueue(Object& endpoint, PendingIpc& ipc) {
    ipc.next = nullptr;
    (endpoint.senders_tail != nullptr ? endpoint.senders_tail->next : endpoint.senders_head) = &ipc;
    endpoint.senders_tail = &ipc;
}

PendingIpc* dequeue(Object& endpoint) {
    PendingIpc* ipc = endpoint.senders_head;
    endpoint.senders_head = ipc->next;
    if (endpoint.senders_head == nullptr) {
        endpoint.senders_tail = nullptr;
    }
    ipc->next = nullptr;
    return ipc;
}

Result<Word> badge_of(const Kernel::State& s, CPtr cptr) {
    KAAL_TRY(Slot * slot, s.lookup_invoked(cptr));
    return slot->cap.badge;
}
} // namespace

Result<Message> Kernel::call(CPtr endpoint, const Message& message) {
    std::unique_lock guard{state_->lock};
    KAAL_TRY(Object * object, endpoint_object(*state_, endpoint, false));
    KAAL_TRY(const Word badge, badge_of(*state_, endpoint));
    PendingIpc ipc{badge, message, true, false, false, std::nullopt, nullptr};
    enqueue(*object, ipc);
    state_->wake_all();
    state_->sleep(guard, [&] { return ipc.reply.has_value() || ipc.cancelled; });
    if (!ipc.reply) {
        return Error::invalid_capability; // the endpoint was destroyed under us
    }
    return std::move(*ipc.reply);
}

Status Kernel::send(CPtr endpoint, const Message& message) {
    std::unique_lock guard{state_->lock};
    KAAL_TRY(Object * object, endpoint_object(*state_, endpoint, false));
    KAAL_TRY(const Word badge, badge_of(*state_, endpoint));
    PendingIpc ipc{badge, message, false, false, false, std::nullopt, nullptr};
    enqueue(*object, ipc);
    state_->wake_all();
    state_->sleep(guard, [&] { return ipc.received || ipc.cancelled; });
    if (!ipc.received) {
        return Error::invalid_capability;
    }
    return {};
}

Result<Received> Kernel::recv(CPtr endpoint) {
    std::unique_lock guard{state_->lock};
    KAAL_TRY(Object * object, endpoint_object(*state_, endpoint, true));
    // Held across the wait, so that a destroyed endpoint is not recycled while we look at it.
    ++object->holders;
    state_->sleep(guard, [&] { return object->senders_head != nullptr || object->destroyed; });
    const bool destroyed = object->destroyed;
    PendingIpc* ipc = destroyed ? nullptr : dequeue(*object);
    state_->release(*object);
    if (destroyed) {
        return Error::invalid_capability;
    }
    ipc->received = true;
    // A new receive replaces an unanswered caller, who then waits for ever, as on seL4.
    awaiting_reply = ipc->is_call ? ipc : nullptr;
    state_->wake_all();
    return Received{ipc->badge, ipc->message};
}

bool Kernel::reply(const Message& message) {
    const std::lock_guard guard{state_->lock};
    if (awaiting_reply == nullptr) {
        return false;
    }
    awaiting_reply->reply = message;
    awaiting_reply = nullptr;
    state_->wake_all();
    return true;
}

} // namespace kaal::mock
