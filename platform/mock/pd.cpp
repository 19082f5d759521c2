// SPDX-License-Identifier: BSD-2-Clause
#include <algorithm>
#include <utility>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/wait.hpp>

namespace kaal::mock {

namespace detail {
// A caller blocked in Inbox::call. It lives on the caller's stack for exactly as long as the
// caller is blocked, so the inbox needs no storage of its own for it.
struct PendingCall {
    Channel at_owner{0};
    MessageInfo msg{};
    std::array<Word, MessageInfo::max_length>* mrs = nullptr;
    MessageInfo reply{};
    bool answered = false;
    PendingCall* next = nullptr;
};
} // namespace detail

namespace {
thread_local ProtectionDomain default_pd;
thread_local ProtectionDomain* active_pd = nullptr;

bool wired(Word mask, Channel ch) {
    return ch.valid() && ((mask >> ch.id()) & 1U) != 0;
}
Word bit(unsigned id) {
    return Word{1} << id;
}
} // namespace

ProtectionDomain& current_pd() {
    return active_pd != nullptr ? *active_pd : default_pd;
}

ScopedPd::ScopedPd(ProtectionDomain& pd) : previous_(active_pd) {
    active_pd = &pd;
}
ScopedPd::~ScopedPd() {
    active_pd = previous_;
}

void Inbox::signal(Word bits) {
    {
        const std::lock_guard lock{mutex_};
        bits_ |= bits;
    }
    arrived_.notify_all();
}

Word Inbox::wait() {
    std::unique_lock lock{mutex_};
    arrived_.wait(lock, [this] { return bits_ != 0; });
    return std::exchange(bits_, 0);
}

Word Inbox::poll() {
    const std::lock_guard lock{mutex_};
    return std::exchange(bits_, 0);
}

MessageInfo Inbox::call(Channel at_owner, MessageInfo msg,
                        std::array<Word, MessageInfo::max_length>& mrs) {
    detail::PendingCall call{at_owner, msg, &mrs};
    std::unique_lock lock{mutex_};
    (calls_tail_ != nullptr ? calls_tail_->next : calls_head_) = &call;
    calls_tail_ = &call;
    arrived_.notify_all();
    replied_.wait(lock, [&call] { return call.answered; });
    return call.reply;
}

bool Inbox::next_event(Word& bits, detail::PendingCall*& call) {
    std::unique_lock lock{mutex_};
    arrived_.wait(lock, [this] { return stop_ || bits_ != 0 || calls_head_ != nullptr; });
    if (stop_) {
        return false;
    }
    // One event per receive, the notification first: on seL4 a receive on an endpoint whose
    // bound notification is active returns the signal and leaves callers queued (seL4 manual,
    // "Binding Notification Objects"). A handler that waits must find the call still queued.
    bits = std::exchange(bits_, 0);
    call = bits != 0 ? nullptr : calls_head_;
    if (call != nullptr) {
        calls_head_ = call->next;
        if (calls_head_ == nullptr) {
            calls_tail_ = nullptr;
        }
    }
    return true;
}

void Inbox::answer(detail::PendingCall& call, MessageInfo reply) {
    {
        const std::lock_guard lock{mutex_};
        call.reply = reply;
        call.answered = true;
    }
    replied_.notify_all();
}

void Inbox::request_stop() {
    {
        const std::lock_guard lock{mutex_};
        stop_ = true;
    }
    arrived_.notify_all();
}

void connect(ProtectionDomain& a, ProtectionDomain& b, ChannelSpec spec) {
    a.notifications |= bit(spec.a_id);
    b.notifications |= bit(spec.b_id);
    if (spec.a_calls_b) {
        a.pps |= bit(spec.a_id);
    }
    a.peers.at(spec.a_id) = {&b, spec.b_id};
    b.peers.at(spec.b_id) = {&a, spec.a_id};
}

namespace {
// seL4 copies the sender's message registers into the receiver's on Call and back on Reply, as
// many as the message's length says.
template <typename Serve>
void answer_call(ProtectionDomain& pd, detail::PendingCall& call, Serve&& serve) {
    std::copy_n(call.mrs->begin(), call.msg.length(), pd.message_registers.begin());
    const MessageInfo reply = serve(call.at_owner, call.msg);
    std::copy_n(pd.message_registers.begin(), reply.length(), call.mrs->begin());
    pd.inbox.answer(call, reply);
}
} // namespace

void run_event_loop(ProtectionDomain& pd, const std::function<void(Channel)>& notified,
                    const std::function<MessageInfo(Channel, MessageInfo)>& ppc) {
    const ScopedPd as{pd};
    auto& held = kaal::detail::held_notifications;
    auto serve = [&ppc, &held](Channel ch, MessageInfo msg) {
        held.in_protected_call = true;
        const MessageInfo reply = ppc ? ppc(ch, msg) : error_reply(Error::unsupported);
        held.in_protected_call = false;
        return reply;
    };
    held.serve = {
        &serve,
        [](void* context, Channel ch, MessageInfo msg) {
            return (*static_cast<decltype(serve)*>(context))(ch, msg);
        },
        nullptr,
    };
    const auto deliver = [&notified](Channel ch) {
        if (notified) {
            notified(ch);
        }
    };
    Word bits = 0;
    detail::PendingCall* call = nullptr;
    while (pd.inbox.next_event(bits, call)) {
        for (unsigned id = 0; id <= Channel::max_id; ++id) {
            if ((bits & bit(id)) != 0) {
                deliver(Channel{id});
                held.deliver(deliver);
            }
        }
        if (call != nullptr) {
            answer_call(pd, *call, serve);
        }
    }
    held.serve = {};
}

void request_stop(ProtectionDomain& pd) {
    pd.inbox.request_stop();
}

} // namespace kaal::mock

namespace kaal {

Result<Channel> wait_for_any(ChannelSet channels) {
    auto& pd = mock::current_pd();
    auto& held = detail::held_notifications;
    if (!channels.valid() || (channels.bits() & ~(pd.notifications | pd.irqs)) != 0) {
        return Error::invalid_channel;
    }
    if (held.in_protected_call) {
        return Error::illegal_operation;
    }
    for (;;) {
        if (const auto ch = held.take_any(channels.bits())) {
            return *ch;
        }
        Word bits = 0;
        mock::detail::PendingCall* call = nullptr;
        if (!pd.inbox.next_event(bits, call)) {
            return Error::unsupported;
        }
        held.hold(bits);
        if (call != nullptr) {
            mock::answer_call(pd, *call, [&held](Channel at, MessageInfo msg) {
                return held.serve.serve_call(at, msg);
            });
        }
    }
}

Status notify(Channel ch) {
    auto& pd = mock::current_pd();
    if (!mock::wired(pd.notifications, ch)) {
        return Error::invalid_channel;
    }
    if (pd.on_notify) {
        pd.on_notify(ch);
    } else if (const auto peer = pd.peers.at(ch.id()); peer.pd != nullptr) {
        peer.pd->inbox.signal(mock::bit(peer.id));
    }
    return {};
}

Status irq_ack(Channel ch) {
    auto& pd = mock::current_pd();
    if (!mock::wired(pd.irqs, ch)) {
        return Error::invalid_channel;
    }
    if (pd.on_irq_ack) {
        pd.on_irq_ack(ch);
    }
    return {};
}

Result<MessageInfo> ppcall(Channel ch, MessageInfo msg) {
    auto& pd = mock::current_pd();
    if (!mock::wired(pd.pps, ch)) {
        return Error::invalid_channel;
    }
    if (pd.on_ppcall) {
        return pd.on_ppcall(ch, msg);
    }
    const auto peer = pd.peers.at(ch.id());
    if (peer.pd == nullptr) {
        return Error::invalid_channel;
    }
    return peer.pd->inbox.call(Channel{peer.id}, msg, pd.message_registers);
}

} // namespace kaal
