// SPDX-License-Identifier: BSD-2-Clause
// Device bundle requests on the mock path: the first request for a device (which builds the
// bundle through the mock kernel), a request after the device was released (a driver
// restarting) and a repeated request (served from the broker's cache).
// Each request is timed on its own with the x86 time-stamp counter, so kernel and broker set-up
// between iterations is outside the measurement; the `cycles` counter is TSC ticks per request.
// A timed-alone request also reports the median and the minimum of its samples: on a shared machine
// one preemption during a timed request adds millions of ticks, which moves the mean of 2000
// samples by thousands and the median not at all.
#include <algorithm>
#include <benchmark/benchmark.h>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>
#include <x86intrin.h>

#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/broker/capability_broker.hpp>
#include <kaal/platform/mock/kernel.hpp>

namespace {

namespace virt = kaal::boards::qemu_virt_aarch64;
using kaal::broker::CapabilityBroker;

// The root task's configuration: the device window's paging structures and the device tree
// (device untypeds split down to every register page of the table) are made in from_bootinfo,
// outside the measurement. `on_demand_config` leaves the splits to the first request.
constexpr kaal::broker::BrokerConfig root_task_config{.prepare_window = true,
                                                      .prepare_devices = true};
constexpr kaal::broker::BrokerConfig on_demand_config{.prepare_window = true};

struct Fresh {
    kaal::mock::Kernel kernel{kaal::mock::qemu_virt_aarch64_machine()};
    kaal::mock::ScopedKernel current{kernel};
    std::optional<CapabilityBroker> broker;
    explicit Fresh(kaal::broker::BrokerConfig config = root_task_config) {
        broker.emplace(*CapabilityBroker::from_bootinfo(kernel.bootinfo(), virt::table, config));
    }
};

// The mean, median and minimum of per-request TSC samples.
void report_samples(benchmark::State& state, std::vector<std::uint64_t>& samples) {
    if (samples.empty()) {
        return;
    }
    std::uint64_t total = 0;
    for (const auto sample : samples) {
        total += sample;
    }
    state.counters["cycles"] = static_cast<double>(total) / static_cast<double>(samples.size());
    const auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
    std::nth_element(samples.begin(), middle, samples.end());
    state.counters["cycles_p50"] = static_cast<double>(*middle);
    state.counters["cycles_min"] =
        static_cast<double>(*std::min_element(samples.begin(), samples.end()));
}

void first_request(benchmark::State& state, kaal::DeviceId device,
                   kaal::broker::BrokerConfig config = root_task_config) {
    std::vector<std::uint64_t> samples;
    samples.reserve(static_cast<std::size_t>(state.max_iterations));
    for (auto _ : state) {
        state.PauseTiming();
        auto fresh = std::make_unique<Fresh>(config);
        state.ResumeTiming();
        const std::uint64_t start = __rdtsc();
        auto bundle = fresh->broker->request_device(device);
        const std::uint64_t end = __rdtsc();
        benchmark::DoNotOptimize(bundle);
        if (!bundle.ok()) {
            state.SkipWithError(kaal::to_string(bundle.error()));
            break;
        }
        samples.push_back(end - start);
        state.PauseTiming();
        fresh.reset();
        state.ResumeTiming();
    }
    report_samples(state, samples);
}

// A request after the device was released, as when a driver restarts: it reuses the RAM piece,
// notification and window range the release kept, and the register page's untyped.
void request_after_release(benchmark::State& state, kaal::DeviceId device) {
    Fresh fresh;
    if (!fresh.broker->request_device(device).ok() || !fresh.broker->release_device(device).ok()) {
        state.SkipWithError("warm-up request failed");
        return;
    }
    std::vector<std::uint64_t> samples;
    samples.reserve(static_cast<std::size_t>(state.max_iterations));
    for (auto _ : state) {
        const std::uint64_t start = __rdtsc();
        auto bundle = fresh.broker->request_device(device);
        const std::uint64_t end = __rdtsc();
        benchmark::DoNotOptimize(bundle);
        state.PauseTiming();
        if (!bundle.ok() || !fresh.broker->release_device(device).ok()) {
            state.SkipWithError("request or release failed");
            break;
        }
        samples.push_back(end - start);
        state.ResumeTiming();
    }
    report_samples(state, samples);
}

// `warm` devices are requested first, so `device` is found behind them in the cache.
void cached_request(benchmark::State& state, kaal::DeviceId device, unsigned warm = 0) {
    Fresh fresh;
    for (unsigned i = 0; i < warm; ++i) {
        if (!fresh.broker->request_device(virt::virtio_mmio(i)).ok()) {
            state.SkipWithError("warm-up request failed");
            return;
        }
    }
    if (!fresh.broker->request_device(device).ok()) {
        state.SkipWithError("first request failed");
        return;
    }
    const std::uint64_t start = __rdtsc();
    for (auto _ : state) {
        auto bundle = fresh.broker->request_device(device);
        benchmark::DoNotOptimize(bundle);
    }
    const std::uint64_t end = __rdtsc();
    state.counters["cycles"] =
        benchmark::Counter(static_cast<double>(end - start), benchmark::Counter::kAvgIterations);
}

void first_request_uart(benchmark::State& state) {
    first_request(state, virt::uart);
}
void first_request_virtio(benchmark::State& state) {
    first_request(state, virt::virtio_mmio(0));
}
void first_request_uart_on_demand(benchmark::State& state) {
    first_request(state, virt::uart, on_demand_config);
}
void first_request_virtio_on_demand(benchmark::State& state) {
    first_request(state, virt::virtio_mmio(0), on_demand_config);
}
void request_after_release_uart(benchmark::State& state) {
    request_after_release(state, virt::uart);
}
void request_after_release_virtio(benchmark::State& state) {
    request_after_release(state, virt::virtio_mmio(0));
}
void cached_request_uart(benchmark::State& state) {
    cached_request(state, virt::uart);
}
void cached_request_virtio(benchmark::State& state) {
    // The 16th bundle: a full cache, and the longest scan.
    cached_request(state, virt::virtio_mmio(15), CapabilityBroker::max_bundles - 1);
}

BENCHMARK(first_request_uart)->Iterations(2000);
BENCHMARK(first_request_virtio)->Iterations(2000);
BENCHMARK(first_request_uart_on_demand)->Iterations(2000);
BENCHMARK(first_request_virtio_on_demand)->Iterations(2000);
BENCHMARK(request_after_release_uart)->Iterations(20000);
BENCHMARK(request_after_release_virtio)->Iterations(20000);
BENCHMARK(cached_request_uart);
BENCHMARK(cached_request_virtio);

} // namespace
