// SPDX-License-Identifier: BSD-2-Clause
// KaaL's SPSC ring against boost::lockfree::spsc_queue, measured in the same run.
//  - *_PushPop: one push then one pop on one thread: the cost of the queue operations alone.
//  - *_Batch/N: N pushed, then N popped, with one index store each way per batch.
//  - *_TwoThreads: a producer thread and the benchmark thread as consumer, pinned to different
//    cores, for items/s through the cache-coherence traffic.
// Cycles are x86 TSC ticks (__rdtsc), i.e. reference cycles at the TSC's constant rate, not core
// clock cycles; the `tsc_ghz` counter gives that rate as measured against steady_clock.
#include <array>
#include <atomic>
#include <benchmark/benchmark.h>
#include <boost/lockfree/spsc_queue.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <pthread.h>
#include <sched.h>
#include <thread>
#include <x86intrin.h>

#include <kaal/ipc/ring_buffer.hpp>

namespace {

using Item = std::uint64_t;
constexpr kaal::ipc::RingIndex capacity = 1024;

double tsc_ghz() {
    static const double ghz = [] {
        const auto t0 = std::chrono::steady_clock::now();
        const auto c0 = __rdtsc();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const auto c1 = __rdtsc();
        const auto t1 = std::chrono::steady_clock::now();
        return static_cast<double>(c1 - c0) /
               static_cast<double>(
                   std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    }();
    return ghz;
}

// A zero-filled, cache-line-aligned region standing in for a Microkit memory region.
struct SharedRegion {
    static constexpr std::size_t size = kaal::ipc::RingBuffer<Item>::region_size(capacity);
    SharedRegion() : memory(static_cast<std::byte*>(::operator new (size, std::align_val_t{64}))) {
        std::memset(memory, 0, size);
    }
    ~SharedRegion() { ::operator delete (memory, std::align_val_t{64}); }
    SharedRegion(const SharedRegion&) = delete;
    SharedRegion& operator=(const SharedRegion&) = delete;
    std::byte* memory;
};

kaal::ipc::RingBuffer<Item> attach(const SharedRegion& region) {
    return kaal::ipc::RingBuffer<Item>::attach(region.memory, SharedRegion::size, capacity).value();
}

// A view on its own cache line. Two PDs' views are in different address spaces; two threads'
// views on one stack would otherwise share a line and measure false sharing instead.
struct alignas(64) View {
    explicit View(const SharedRegion& region) : ring(attach(region)) {}
    kaal::ipc::RingBuffer<Item> ring;
};

using BoostQueue = boost::lockfree::spsc_queue<Item, boost::lockfree::capacity<capacity>>;

void pin_to_cpu(unsigned cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % std::max(1U, std::thread::hardware_concurrency()), &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void report_cycles(benchmark::State& state, std::uint64_t ticks, std::uint64_t items) {
    state.counters["cycles_per_item"] = static_cast<double>(ticks) / static_cast<double>(items);
    state.counters["tsc_ghz"] = tsc_ghz();
    state.SetItemsProcessed(static_cast<std::int64_t>(items));
}

void Kaal_PushPop(benchmark::State& state) {
    const SharedRegion region;
    auto ring = attach(region);
    Item n = 0;
    Item sum = 0;
    const auto start = __rdtsc();
    for (auto _ : state) {
        (void)ring.push(n++);
        sum += ring.pop().value_or(0);
    }
    report_cycles(state, __rdtsc() - start, static_cast<std::uint64_t>(state.iterations()));
    benchmark::DoNotOptimize(sum);
}

void Boost_PushPop(benchmark::State& state) {
    auto queue = std::make_unique<BoostQueue>();
    Item n = 0;
    Item sum = 0;
    const auto start = __rdtsc();
    for (auto _ : state) {
        queue->push(n++);
        Item out = 0;
        queue->pop(out);
        sum += out;
    }
    report_cycles(state, __rdtsc() - start, static_cast<std::uint64_t>(state.iterations()));
    benchmark::DoNotOptimize(sum);
}

constexpr std::size_t max_batch = 256;

void Kaal_Batch(benchmark::State& state) {
    const SharedRegion region;
    auto ring = attach(region);
    const auto batch = static_cast<std::size_t>(state.range(0));
    std::array<Item, max_batch> in{};
    std::array<Item, max_batch> out{};
    for (std::size_t i = 0; i < batch; ++i) {
        in.at(i) = i;
    }
    const auto start = __rdtsc();
    for (auto _ : state) {
        benchmark::DoNotOptimize(ring.push_batch(std::span<const Item>{in.data(), batch}));
        benchmark::DoNotOptimize(ring.pop_batch(std::span<Item>{out.data(), batch}));
        benchmark::ClobberMemory();
    }
    report_cycles(state, __rdtsc() - start, static_cast<std::uint64_t>(state.iterations()) * batch);
}

void Boost_Batch(benchmark::State& state) {
    auto queue = std::make_unique<BoostQueue>();
    const auto batch = static_cast<std::size_t>(state.range(0));
    std::array<Item, max_batch> in{};
    std::array<Item, max_batch> out{};
    for (std::size_t i = 0; i < batch; ++i) {
        in.at(i) = i;
    }
    const auto start = __rdtsc();
    for (auto _ : state) {
        benchmark::DoNotOptimize(queue->push(in.data(), batch));
        benchmark::DoNotOptimize(queue->pop(out.data(), batch));
        benchmark::ClobberMemory();
    }
    report_cycles(state, __rdtsc() - start, static_cast<std::uint64_t>(state.iterations()) * batch);
}

// One push and consumer_needs_signal() per batch of 32, then the pops: what a producer that
// follows the suppression protocol pays for the seq_cst fence, amortised over its batch.
void Kaal_Batch32WithSignalCheck(benchmark::State& state) {
    const SharedRegion region;
    auto ring = attach(region);
    std::array<Item, 32> in{};
    std::array<Item, 32> out{};
    const auto start = __rdtsc();
    for (auto _ : state) {
        benchmark::DoNotOptimize(ring.push_batch(std::span<const Item>{in}));
        benchmark::DoNotOptimize(ring.consumer_needs_signal());
        benchmark::DoNotOptimize(ring.pop_batch(std::span<Item>{out}));
        benchmark::ClobberMemory();
    }
    report_cycles(state, __rdtsc() - start, static_cast<std::uint64_t>(state.iterations()) * 32);
}

constexpr std::uint64_t two_thread_items = 1U << 22;

// Items/s from a producer on one core to a consumer on the other. Each iteration moves
// `two_thread_items` items; the consumer checks their order so the loop cannot be elided.
template <typename Push, typename Pop>
void two_threads(benchmark::State& state, Push push, Pop pop) {
    pin_to_cpu(0);
    std::uint64_t bad = 0;
    const auto start = __rdtsc();
    for (auto _ : state) {
        std::thread producer([&] {
            pin_to_cpu(1);
            for (Item n = 0; n < two_thread_items;) {
                if (push(n)) {
                    ++n;
                }
            }
        });
        for (Item expected = 0; expected < two_thread_items;) {
            Item value = 0;
            if (pop(value)) {
                bad += value != expected ? 1U : 0U;
                ++expected;
            }
        }
        producer.join();
    }
    report_cycles(state, __rdtsc() - start,
                  static_cast<std::uint64_t>(state.iterations()) * two_thread_items);
    if (bad != 0) {
        state.SkipWithError("items arrived out of order");
    }
}

void Kaal_TwoThreads(benchmark::State& state) {
    const SharedRegion region;
    // One view per side, as two PDs have.
    View producer_view{region};
    View consumer_view{region};
    two_threads(
        state, [&](Item n) { return producer_view.ring.push(n).ok(); },
        [&](Item& out) {
            const auto item = consumer_view.ring.pop();
            out = item.value_or(0);
            return item.ok();
        });
}

void Boost_TwoThreads(benchmark::State& state) {
    auto queue = std::make_unique<BoostQueue>();
    two_threads(
        state, [&](Item n) { return queue->push(n); }, [&](Item& out) { return queue->pop(out); });
}

// Batched on both sides: the producer pushes 32 at a time, the consumer pops up to 32.
void Kaal_TwoThreadsBatch32(benchmark::State& state) {
    const SharedRegion region;
    View producer_view{region};
    View consumer_view{region};
    pin_to_cpu(0);
    std::uint64_t bad = 0;
    const auto start = __rdtsc();
    for (auto _ : state) {
        std::thread producer([&] {
            pin_to_cpu(1);
            std::array<Item, 32> batch{};
            for (Item n = 0; n < two_thread_items;) {
                for (Item i = 0; i < 32; ++i) {
                    batch.at(i) = n + i;
                }
                n += producer_view.ring.push_batch(std::span<const Item>{batch});
            }
        });
        std::array<Item, 32> out{};
        for (Item expected = 0; expected < two_thread_items;) {
            const auto popped = consumer_view.ring.pop_batch(std::span<Item>{out});
            for (std::size_t i = 0; i < popped; ++i) {
                bad += out.at(i) != expected++ ? 1U : 0U;
            }
        }
        producer.join();
    }
    report_cycles(state, __rdtsc() - start,
                  static_cast<std::uint64_t>(state.iterations()) * two_thread_items);
    if (bad != 0) {
        state.SkipWithError("items arrived out of order");
    }
}

void Boost_TwoThreadsBatch32(benchmark::State& state) {
    auto queue = std::make_unique<BoostQueue>();
    pin_to_cpu(0);
    std::uint64_t bad = 0;
    const auto start = __rdtsc();
    for (auto _ : state) {
        std::thread producer([&] {
            pin_to_cpu(1);
            std::array<Item, 32> batch{};
            for (Item n = 0; n < two_thread_items;) {
                for (Item i = 0; i < 32; ++i) {
                    batch.at(i) = n + i;
                }
                n += queue->push(batch.data(), batch.size());
            }
        });
        std::array<Item, 32> out{};
        for (Item expected = 0; expected < two_thread_items;) {
            const auto popped = queue->pop(out.data(), out.size());
            for (std::size_t i = 0; i < popped; ++i) {
                bad += out.at(i) != expected++ ? 1U : 0U;
            }
        }
        producer.join();
    }
    report_cycles(state, __rdtsc() - start,
                  static_cast<std::uint64_t>(state.iterations()) * two_thread_items);
    if (bad != 0) {
        state.SkipWithError("items arrived out of order");
    }
}

} // namespace

BENCHMARK(Kaal_PushPop);
BENCHMARK(Boost_PushPop);
BENCHMARK(Kaal_Batch)->Arg(8)->Arg(32)->Arg(256);
BENCHMARK(Boost_Batch)->Arg(8)->Arg(32)->Arg(256);
BENCHMARK(Kaal_Batch32WithSignalCheck);
BENCHMARK(Kaal_TwoThreads)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(Boost_TwoThreads)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(Kaal_TwoThreadsBatch32)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(Boost_TwoThreadsBatch32)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
