// SPDX-License-Identifier: BSD-2-Clause
// A fixed workload for counting the instructions of KaaL's ring and of boost's spsc_queue per
// item (count-instructions.sh): the one-thread pairs of ring_bench.cpp, one queue per run, each
// inside counted(), the only function callgrind collects in. One thread only: callgrind
// serialises threads, so it says nothing about two cores.
// usage: ring_instruction_workload <kaal|boost> <pushpop|batch8|batch32|batch256> <items>
#include <array>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>

#include <kaal/ipc/ring_buffer.hpp>

namespace {

using Item = std::uint64_t;
constexpr kaal::ipc::RingIndex capacity = 1024;
using Ring = kaal::ipc::RingBuffer<Item>;
using BoostQueue = boost::lockfree::spsc_queue<Item, boost::lockfree::capacity<capacity>>;

// Both queues behind one interface of four calls, each a direct call the compiler inlines.
struct KaalQueue {
    explicit KaalQueue(void* region)
        : ring(Ring::attach(region, Ring::region_size(capacity), capacity).value()) {}
    bool push(Item v) { return ring.push(v).ok(); }
    bool pop(Item& v) {
        const auto item = ring.pop();
        v = item.value_or(0);
        return item.ok();
    }
    std::size_t push_batch(std::span<const Item> in) { return ring.push_batch(in); }
    std::size_t pop_batch(std::span<Item> out) { return ring.pop_batch(out); }
    Ring ring;
};
struct Boost {
    bool push(Item v) { return queue.push(v); }
    bool pop(Item& v) { return queue.pop(v); }
    std::size_t push_batch(std::span<const Item> in) { return queue.push(in.data(), in.size()); }
    std::size_t pop_batch(std::span<Item> out) { return queue.pop(out.data(), out.size()); }
    BoostQueue queue;
};

// Returns the items' sum, which main prints, so no pass can be optimised away.
template <typename Q>
[[gnu::noinline]] Item counted(Q& q, std::size_t batch, std::uint64_t items) {
    Item sum = 0;
    if (batch == 1) {
        for (Item n = 0; n < items; ++n) {
            Item v = 0;
            q.push(n);
            q.pop(v);
            sum += v;
        }
        return sum;
    }
    std::array<Item, 256> in{};
    std::array<Item, 256> out{};
    for (std::uint64_t done = 0; done < items; done += batch) {
        in[0] = done;
        q.push_batch(std::span<const Item>{in.data(), batch});
        q.pop_batch(std::span<Item>{out.data(), batch});
        sum += out[0];
    }
    return sum;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s <kaal|boost> <pushpop|batch8|batch32|batch256> <items>\n",
                     argv[0]);
        return 2;
    }
    const std::string_view which = argv[1];
    const std::string_view pass = argv[2];
    const std::size_t batch = pass == "pushpop" ? 1 : std::strtoul(argv[2] + 5, nullptr, 10);
    const std::uint64_t items = std::strtoull(argv[3], nullptr, 10);
    if ((which != "kaal" && which != "boost") || batch == 0 || batch > 256 ||
        (batch > 1 && pass.substr(0, 5) != "batch")) {
        std::fprintf(stderr, "%s: bad arguments\n", argv[0]);
        return 2;
    }
    Item sum = 0;
    if (which == "kaal") {
        auto* region = static_cast<std::byte*>(
            ::operator new (Ring::region_size(capacity), std::align_val_t{64}));
        std::memset(region, 0, Ring::region_size(capacity));
        KaalQueue q{region};
        sum = counted(q, batch, items);
        ::operator delete (region, std::align_val_t{64});
    } else {
        auto q = std::make_unique<Boost>();
        sum = counted(*q, batch, items);
    }
    std::printf("%llu\n", static_cast<unsigned long long>(sum));
    return 0;
}
