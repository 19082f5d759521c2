// SPDX-License-Identifier: BSD-2-Clause
// Model check of the notification-suppression protocol of kaal::ipc::RingBuffer: every
// interleaving of the producer's and the consumer's atomic steps, including the store-buffer
// reorderings that release/acquire allow, is explored, and no execution may end with the
// consumer asleep, no signal pending and an item in the ring (a lost wake-up).
//
// The model mirrors ring_buffer.hpp step for step:
//   producer, per item (push + consumer_needs_signal):
//     PUBLISH  tail = n (release)    FENCE    LOAD flag    if set: CLEAR flag = 0, SIGNAL
//   consumer (notified() draining, then consumer_may_sleep()):
//     DRAIN  head = tail (acquire)   REQUEST flag = 1    FENCE    RECHECK tail
//     if items: CANCEL flag = 0 and DRAIN again; else WAIT for a signal (return to the loop)
//
// Memory: each side has a FIFO store buffer, so a store may become visible to the other side
// at any later point, while its own loads see it at once; a seq_cst fence waits for the buffer
// to drain. That is exactly the store->load reordering that x86-TSO performs and that AArch64
// also allows between a release store and a later load; every other reordering is excluded by
// the orderings the code uses (release orders earlier stores, acquire later accesses, the fence
// everything). A signal is a kernel call (seL4_Signal) whose kernel entry and lock release order
// the PD's earlier stores before it, so SIGNAL waits for the buffer too; a variant without that
// shows why the code may clear the flag only before notifying, never after.
//
// Variants with a step removed must find a lost wake-up, which shows both that the explorer
// can find one and that each part of the protocol is necessary.
#include <cstddef>
#include <cstdint>
#include <gtest/gtest.h>
#include <iostream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

struct Protocol {
    bool consumer_rechecks = true;
    bool consumer_fence = true;
    bool producer_fence = true;
    bool signal_orders_earlier_stores = true;
};

struct Memory {
    bool store_buffers = true; // false: sequentially consistent interleavings only
};

enum Location : std::uint8_t { tail_loc, flag_loc };

struct BufferedStore {
    Location loc;
    std::uint8_t value;
};

enum ProducerPc : std::uint8_t { p_publish, p_fence, p_load_flag, p_clear, p_signal, p_done };
enum ConsumerPc : std::uint8_t { c_drain, c_request, c_fence, c_recheck, c_cancel, c_wait };

struct State {
    ProducerPc p_pc = p_publish;
    ConsumerPc c_pc = c_drain;
    std::uint8_t pushed = 0;     // items the producer has published
    std::uint8_t consumed = 0;   // the consumer's head
    std::uint8_t tail = 0;       // memory
    std::uint8_t flag = 0;       // memory: consumer_wants_signal
    bool signal_pending = false; // the consumer's notification word
    std::vector<BufferedStore> p_buffer;
    std::vector<BufferedStore> c_buffer;

    [[nodiscard]] std::string key() const {
        std::string k{static_cast<char>(p_pc),          static_cast<char>(c_pc),
                      static_cast<char>(pushed),        static_cast<char>(consumed),
                      static_cast<char>(tail),          static_cast<char>(flag),
                      static_cast<char>(signal_pending)};
        for (const auto* buffer : {&p_buffer, &c_buffer}) {
            k.push_back('|');
            for (const auto s : *buffer) {
                k.push_back(static_cast<char>(s.loc));
                k.push_back(static_cast<char>(s.value));
            }
        }
        return k;
    }
};

struct Outcome {
    std::size_t states = 0;
    std::size_t finished = 0;     // terminal states with every item consumed
    std::size_t lost_wakeups = 0; // terminal states with the consumer asleep and items left
    std::vector<std::string> counterexample;
};

class Explorer {
public:
    Explorer(Protocol protocol, Memory memory, std::uint8_t items)
        : protocol_(protocol), memory_(memory), items_(items) {}

    Outcome run() {
        Outcome outcome;
        std::vector<State> stack{State{}};
        parents_.emplace(stack.back().key(), std::pair<std::string, std::string>{"", "start"});
        while (!stack.empty()) {
            const State state = stack.back();
            stack.pop_back();
            ++outcome.states;
            const auto next = successors(state);
            if (next.empty()) {
                if (state.consumed == items_) {
                    ++outcome.finished;
                } else {
                    ++outcome.lost_wakeups;
                    if (outcome.counterexample.empty()) {
                        outcome.counterexample = trace(state.key());
                    }
                }
            }
            for (const auto& [successor, step] : next) {
                if (parents_.emplace(successor.key(), std::pair{state.key(), step}).second) {
                    stack.push_back(successor);
                }
            }
        }
        return outcome;
    }

private:
    // A store: into the side's buffer, or straight to memory in the SC model.
    void store(State& s, std::vector<BufferedStore>& buffer, Location loc,
               std::uint8_t value) const {
        if (memory_.store_buffers) {
            buffer.push_back({loc, value});
        } else {
            write(s, loc, value);
        }
    }
    static void write(State& s, Location loc, std::uint8_t value) {
        (loc == tail_loc ? s.tail : s.flag) = value;
    }
    // A load sees the side's own newest buffered store to the location, else memory.
    static std::uint8_t load(const State& s, const std::vector<BufferedStore>& buffer,
                             Location loc) {
        for (std::size_t i = buffer.size(); i-- > 0;) {
            if (buffer[i].loc == loc) {
                return buffer[i].value;
            }
        }
        return loc == tail_loc ? s.tail : s.flag;
    }

    [[nodiscard]] std::vector<std::pair<State, std::string>> successors(const State& s) const {
        std::vector<std::pair<State, std::string>> out;
        // Store buffers drain to memory oldest first, at any time.
        if (!s.p_buffer.empty()) {
            State n = s;
            write(n, n.p_buffer.front().loc, n.p_buffer.front().value);
            n.p_buffer.erase(n.p_buffer.begin());
            out.emplace_back(n, "producer store becomes visible");
        }
        if (!s.c_buffer.empty()) {
            State n = s;
            write(n, n.c_buffer.front().loc, n.c_buffer.front().value);
            n.c_buffer.erase(n.c_buffer.begin());
            out.emplace_back(n, "consumer store becomes visible");
        }
        producer_step(s, out);
        consumer_step(s, out);
        return out;
    }

    void producer_step(const State& s, std::vector<std::pair<State, std::string>>& out) const {
        State n = s;
        switch (s.p_pc) {
        case p_publish:
            if (s.pushed == items_) {
                return;
            }
            ++n.pushed;
            store(n, n.p_buffer, tail_loc, n.pushed);
            n.p_pc = p_fence;
            out.emplace_back(n, "P: push, tail = " + std::to_string(n.pushed));
            return;
        case p_fence:
            if (protocol_.producer_fence && !s.p_buffer.empty()) {
                return; // the fence waits for the store buffer
            }
            n.p_pc = p_load_flag;
            out.emplace_back(n, protocol_.producer_fence ? "P: fence" : "P: (no fence)");
            return;
        case p_load_flag: {
            const auto flag = load(s, s.p_buffer, flag_loc);
            n.p_pc = flag != 0 ? p_clear : p_publish;
            out.emplace_back(n, "P: load flag = " + std::to_string(flag));
            return;
        }
        case p_clear:
            store(n, n.p_buffer, flag_loc, 0);
            n.p_pc = p_signal;
            out.emplace_back(n, "P: clear flag");
            return;
        case p_signal:
            if (protocol_.signal_orders_earlier_stores && !s.p_buffer.empty()) {
                return;
            }
            n.signal_pending = true;
            n.p_pc = p_publish;
            out.emplace_back(n, "P: signal");
            return;
        case p_done: return;
        }
    }

    void consumer_step(const State& s, std::vector<std::pair<State, std::string>>& out) const {
        State n = s;
        switch (s.c_pc) {
        case c_drain:
            n.consumed = load(s, s.c_buffer, tail_loc);
            n.c_pc = c_request;
            out.emplace_back(n, "C: drain to head = " + std::to_string(n.consumed));
            return;
        case c_request:
            store(n, n.c_buffer, flag_loc, 1);
            n.c_pc = c_fence;
            out.emplace_back(n, "C: request signal, flag = 1");
            return;
        case c_fence:
            if (protocol_.consumer_fence && !s.c_buffer.empty()) {
                return;
            }
            n.c_pc = c_recheck;
            out.emplace_back(n, protocol_.consumer_fence ? "C: fence" : "C: (no fence)");
            return;
        case c_recheck: {
            if (!protocol_.consumer_rechecks) {
                n.c_pc = c_wait;
                out.emplace_back(n, "C: sleep without re-checking");
                return;
            }
            const auto tail = load(s, s.c_buffer, tail_loc);
            n.c_pc = tail != s.consumed ? c_cancel : c_wait;
            out.emplace_back(n, "C: re-check tail = " + std::to_string(tail) +
                                    (tail != s.consumed ? ", items: do not sleep" : ", sleep"));
            return;
        }
        case c_cancel:
            store(n, n.c_buffer, flag_loc, 0);
            n.c_pc = c_drain;
            out.emplace_back(n, "C: cancel request, flag = 0");
            return;
        case c_wait:
            if (!s.signal_pending) {
                return; // asleep in the event loop
            }
            n.signal_pending = false;
            n.c_pc = c_drain;
            out.emplace_back(n, "C: woken by the signal");
            return;
        }
    }

    std::vector<std::string> trace(const std::string& last) const {
        std::vector<std::string> steps;
        for (std::string key = last; !key.empty();) {
            const auto& [parent, step] = parents_.at(key);
            steps.insert(steps.begin(), step);
            key = parent;
        }
        return steps;
    }

    Protocol protocol_;
    Memory memory_;
    std::uint8_t items_;
    std::unordered_map<std::string, std::pair<std::string, std::string>> parents_;
};

Outcome explore(Protocol protocol, Memory memory, std::uint8_t items) {
    return Explorer{protocol, memory, items}.run();
}

void print(const char* what, const Outcome& o) {
    std::cout << what << ": " << o.states << " states, " << o.finished << " finished, "
              << o.lost_wakeups << " lost wake-ups\n";
    for (const auto& step : o.counterexample) {
        std::cout << "    " << step << "\n";
    }
}

TEST(WakeupModel, ProtocolNeverLosesAWakeupUnderStoreBuffering) {
    for (std::uint8_t items = 1; items <= 4; ++items) {
        const auto o = explore(Protocol{}, Memory{}, items);
        print("protocol, store buffers", o);
        EXPECT_EQ(o.lost_wakeups, 0U) << items << " items";
        EXPECT_GT(o.finished, 0U);
        EXPECT_GT(o.states, 100U); // the exploration really branched
    }
}

TEST(WakeupModel, ProtocolNeverLosesAWakeupUnderSequentialConsistency) {
    for (std::uint8_t items = 1; items <= 4; ++items) {
        const auto o = explore(Protocol{}, Memory{.store_buffers = false}, items);
        EXPECT_EQ(o.lost_wakeups, 0U) << items << " items";
        EXPECT_GT(o.finished, 0U);
    }
}

TEST(WakeupModel, WithoutTheRecheckAWakeupIsLostEvenUnderSequentialConsistency) {
    const auto o = explore(Protocol{.consumer_rechecks = false}, Memory{.store_buffers = false}, 1);
    print("no re-check, SC", o);
    EXPECT_GT(o.lost_wakeups, 0U);
}

TEST(WakeupModel, WithoutFencesStoreBufferingLosesAWakeup) {
    const auto o = explore(Protocol{.consumer_fence = false, .producer_fence = false}, Memory{}, 1);
    print("no fences, store buffers", o);
    EXPECT_GT(o.lost_wakeups, 0U);
    // The same protocol is correct if nothing is ever reordered: the fences are exactly what
    // the weaker memory needs.
    EXPECT_EQ(explore(Protocol{.consumer_fence = false, .producer_fence = false},
                      Memory{.store_buffers = false}, 2)
                  .lost_wakeups,
              0U);
}

TEST(WakeupModel, EachSideNeedsItsOwnFence) {
    const auto producer_only = explore(Protocol{.consumer_fence = false}, Memory{}, 1);
    const auto consumer_only = explore(Protocol{.producer_fence = false}, Memory{}, 1);
    print("producer fence only", producer_only);
    print("consumer fence only", consumer_only);
    EXPECT_GT(producer_only.lost_wakeups, 0U);
    EXPECT_GT(consumer_only.lost_wakeups, 0U);
}

TEST(WakeupModel, TheFlagMustBeClearedBeforeTheSignalIsVisible) {
    const auto o = explore(Protocol{.signal_orders_earlier_stores = false}, Memory{}, 2);
    print("clear may land after the signal", o);
    EXPECT_GT(o.lost_wakeups, 0U);
}

} // namespace
