// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <condition_variable>
#include <functional>
#include <mutex>

#include <kaal/platform/channel.hpp>

// Mock mode models one protection domain per host thread. A test, or a mock system composer,
// fills in the `ProtectionDomain` record with the same channel masks the Microkit tool would
// patch into a real PD and with the other end of each channel; channel operations then fail and
// succeed exactly where they would on seL4.
//
// The other end of a channel is either a hook (`on_notify`, `on_ppcall`: the test plays the
// peer) or another ProtectionDomain wired with `connect` and running `run_event_loop` on its
// own thread. Two such PDs exchange data through ordinary host memory that both threads can
// see, just as two Microkit PDs share a memory region.
namespace kaal::mock {

struct ProtectionDomain;

namespace detail {
struct PendingCall;
} // namespace detail

// The kernel objects a Microkit PD receives on: one notification object, whose word
// accumulates one bit per channel until the PD waits (seL4 manual, "Notifications"), and the
// endpoint its protected procedure calls arrive on (Microkit manual, "Protected procedure").
// libmicrokit's event loop waits on both at once; so does run_event_loop.
class Inbox {
public:
    Inbox() = default;
    Inbox(const Inbox&) = delete;
    Inbox& operator=(const Inbox&) = delete;

    // seL4_Signal with badge `bits`: ORed into the word; wakes a waiter.
    void signal(Word bits);
    // seL4_Wait: blocks until the word is non-zero, then returns and clears it.
    Word wait();
    // seL4_Poll: returns and clears the word without blocking.
    Word poll();

    // seL4_Call on this PD's endpoint from another thread: queues the call, blocks until the
    // owner's event loop has answered it, and returns the reply. `mrs` are the caller's message
    // registers: the request is read from and the reply written to them.
    MessageInfo call(Channel at_owner, MessageInfo msg,
                     std::array<Word, MessageInfo::max_length>& mrs);

    // The owner's side of the event loop. Blocks until something arrives; returns false if a
    // stop was requested, otherwise either the pending notification bits (cleared) or, when
    // there are none, the oldest waiting call (dequeued), which the owner must `answer`.
    bool next_event(Word& bits, detail::PendingCall*& call);
    void answer(detail::PendingCall& call, MessageInfo reply);
    void request_stop();

private:
    std::mutex mutex_;
    std::condition_variable arrived_; // a signal, a call or a stop request
    std::condition_variable replied_; // a call this inbox took has been answered
    Word bits_ = 0;
    detail::PendingCall* calls_head_ = nullptr; // blocked callers, oldest first
    detail::PendingCall* calls_tail_ = nullptr;
    bool stop_ = false;
};

// One end of a channel as the PD at the other end numbers it.
struct ChannelEnd {
    ProtectionDomain* pd = nullptr;
    unsigned id = 0;
};

struct ProtectionDomain {
    const char* name = "mock";
    Word notifications = 0; // bit n: channel n may be notified
    Word irqs = 0;          // bit n: channel n is an IRQ this PD acks
    Word pps = 0;           // bit n: channel n may be ppcalled
    std::function<void(Channel)> on_notify;
    std::function<void(Channel)> on_irq_ack;
    std::function<MessageInfo(Channel, MessageInfo)> on_ppcall;
    std::array<Word, MessageInfo::max_length> message_registers{};
    // Used when the hooks above are empty: the PD at the other end of each channel.
    std::array<ChannelEnd, Channel::max_id + 1> peers{};
    Inbox inbox;
};

// The PD the calling thread is running as. Each thread starts with its own default record.
ProtectionDomain& current_pd();
// Makes `pd` the calling thread's PD until the returned guard is destroyed.
class ScopedPd {
public:
    explicit ScopedPd(ProtectionDomain& pd);
    ~ScopedPd();
    ScopedPd(const ScopedPd&) = delete;
    ScopedPd& operator=(const ScopedPd&) = delete;

private:
    ProtectionDomain* previous_;
};

// A `<channel>` of a .system file: `a` calls its end `a_id`, `b` calls its end `b_id`. Both ends
// may notify; `a_calls_b` lets `a` ppcall `b` (`pp="true"` on a's end).
struct ChannelSpec {
    unsigned a_id = 0;
    unsigned b_id = 0;
    bool a_calls_b = false;
};
void connect(ProtectionDomain& a, ProtectionDomain& b, ChannelSpec spec);

// The PD's event loop, run on the calling thread as `pd` until request_stop: like
// libmicrokit's, it blocks until a notification or a call arrives, delivers each notified
// channel in ascending order, and answers each call with `ppc`'s reply. The caller's message
// registers are copied in before `ppc` runs and the reply's copied back, as seL4 transfers
// them on Call and Reply.
void run_event_loop(ProtectionDomain& pd, const std::function<void(Channel)>& notified,
                    const std::function<MessageInfo(Channel, MessageInfo)>& ppc = {});
// Makes run_event_loop return once it has finished the event it is handling.
void request_stop(ProtectionDomain& pd);

// Blocks the caller, as its PD, until that PD is notified; returns the notified channels.
inline Word wait_for_notification() {
    return current_pd().inbox.wait();
}

} // namespace kaal::mock

namespace kaal {

Status notify(Channel ch);
Status irq_ack(Channel ch);
Result<MessageInfo> ppcall(Channel ch, MessageInfo msg);

inline void mr_set(unsigned index, Word value) {
    mock::current_pd().message_registers.at(index) = value;
}
inline Word mr_get(unsigned index) {
    return mock::current_pd().message_registers.at(index);
}

inline const char* component_name() {
    return mock::current_pd().name;
}

} // namespace kaal
