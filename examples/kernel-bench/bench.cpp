// SPDX-License-Identifier: BSD-2-Clause
// kernel-bench: what seL4's basic operations and KaaL's ring cost, measured by one PD on real
// seL4 (docs/performance.md, "seL4 operations"). In order:
//   - a protected call to the echo PD, above this one, through kaal::ppcall with an empty
//     message: seL4_Call, the server's receive and empty reply, back;
//   - a signal to the sink PD, below this one, so no signal switches threads;
//   - a yield to pong, at this PD's priority: one system call and one switch each way;
//   - KaaL's ring, pushed and popped inside this PD: the queue's own cost;
//   - a signal to pong and its signal back, each side then waiting in its event loop: two
//     signals, two waits that block and two switches per round;
// and then, in the faulter, a VM fault handled here (Microkit: the faulter is this PD's child)
// or by the root task (runtime mode: fault_resolver.cpp) and resumed.
#include <array>
#include <cstddef>
#include <optional>

#include <kaal/ipc/ring_buffer.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"
#include "kernel_bench.hpp"

namespace {

using kaal::debug::print;
using kaal::services::time::read_counter;
using kernel_bench::report;
using kernel_bench::rounds;

using Ring = kaal::ipc::RingBuffer<kaal::Word>;
constexpr kaal::ipc::RingIndex ring_capacity = 512;
constexpr kaal::ipc::RingIndex ring_batch = 256;
alignas(
    kaal::ipc::cache_line_size) std::array<std::byte, Ring::region_size(ring_capacity)> ring_region;

class Bench {
public:
    void init() {
        print("kernel-bench: ", kaal::platform_mode(), " mode, ", rounds, " rounds each; ",
              kernel_bench::tenth_ns_per_tick() / 10, ".", kernel_bench::tenth_ns_per_tick() % 10,
              " ns per counter tick\n");
        measure_calls();
        measure_signals();
        measure_yields();
        measure_ring();
        // The last measurement runs in notified(): each side waits in its event loop.
        pings_ = 0;
        ping_start_ = read_counter();
        static_cast<void>(kaal::notify(config::ping));
    }

    void notified(kaal::Channel ch) {
        if (ch != config::ping) {
            return;
        }
        if (++pings_ < rounds) {
            static_cast<void>(kaal::notify(config::ping));
            return;
        }
        report("signal to a PD at the same priority, its signal back, both waiting", rounds,
               read_counter() - ping_start_);
        static_cast<void>(kaal::notify(config::faulter));
    }

#if defined(KAAL_PLATFORM_MICROKIT)
    // The faulter's loads: it is this PD's child, so its faults come here (Microkit manual,
    // "fault"), and the reply resumes it past the load.
    std::optional<kaal::MessageInfo> fault(kaal::Child child, kaal::MessageInfo msg) {
        if (!kernel_bench::skip_faulting_load(kaal::microkit::base_tcb_cap + child.id(),
                                              msg.label(), kaal::mr_get(seL4_VMFault_Addr),
                                              kaal::mr_get(seL4_VMFault_IP))) {
            print("kernel-bench: FAILED: child ", child.id(), " faulted unexpectedly (label ",
                  msg.label(), ", address ", kaal::debug::hex(kaal::mr_get(seL4_VMFault_Addr)),
                  "), or could not be moved past its fault\n");
            return std::nullopt;
        }
        return kaal::MessageInfo{0, 0};
    }
#endif

private:
    static void measure_calls() {
        unsigned failed = 0;
        const auto start = read_counter();
        for (std::uint64_t i = 0; i < rounds; ++i) {
            const auto reply = kaal::ppcall(config::echo, kaal::MessageInfo{0, 0});
            failed += reply.ok() && reply->label() == 0 ? 0U : 1U;
        }
        const auto end = read_counter();
        if (failed != 0) {
            print("kernel-bench: FAILED: ", failed, " protected calls not answered\n");
        }
        report("protected call and empty reply", rounds, end - start);
    }

    static void measure_signals() {
        const auto start = read_counter();
        for (std::uint64_t i = 0; i < rounds; ++i) {
            static_cast<void>(kaal::notify(config::sink));
        }
        report("signal to a PD below this one", rounds, read_counter() - start);
    }

    static void measure_yields() {
        static_cast<void>(kaal::notify(config::yield));
        const auto start = read_counter();
        for (std::uint64_t i = 0; i < rounds; ++i) {
            seL4_Yield();
        }
        // This PD's yields and pong's alternate: 2 x rounds yields, each one switch.
        report("yield to a PD at the same priority (one switch)", 2 * rounds,
               read_counter() - start);
    }

    // One view does both ends: the queue's own instructions, with no other core or PD.
    static void measure_ring() {
        auto made = Ring::attach(ring_region.data(), ring_region.size(), ring_capacity);
        if (!made) {
            print("kernel-bench: FAILED: cannot attach the ring: ", made.error(), "\n");
            return;
        }
        Ring& ring = *made;
        kaal::Word expected = 0;
        kaal::Word wrong = 0;
        const auto start = read_counter();
        for (kaal::Word i = 0; i < rounds; ++i) {
            static_cast<void>(ring.push(i));
            const auto item = ring.pop();
            wrong += item.ok() && *item == i ? 0U : 1U;
        }
        const auto pairs = read_counter() - start;
        std::uint64_t push_ticks = 0;
        std::uint64_t pop_ticks = 0;
        for (kaal::Word b = 0; b < rounds / ring_batch; ++b) {
            const auto t0 = read_counter();
            for (kaal::Word i = 0; i < ring_batch; ++i) {
                wrong += ring.push(b * ring_batch + i).ok() ? 0U : 1U;
            }
            const auto t1 = read_counter();
            for (kaal::Word i = 0; i < ring_batch; ++i) {
                const auto item = ring.pop();
                wrong += item.ok() && *item == expected++ ? 0U : 1U;
            }
            push_ticks += t1 - t0;
            pop_ticks += read_counter() - t1;
        }
        if (wrong != 0) {
            print("kernel-bench: FAILED: ", wrong, " ring operations lost or reordered items\n");
        }
        report("ring push then pop, one item", rounds, pairs);
        const std::uint64_t batched = rounds / ring_batch * ring_batch;
        report("ring push, 256 in a row", batched, push_ticks);
        report("ring pop, 256 in a row", batched, pop_ticks);
    }

    std::uint64_t pings_ = 0;
    std::uint64_t ping_start_ = 0;
};

} // namespace

KAAL_COMPONENT(Bench);
