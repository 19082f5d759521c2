// SPDX-License-Identifier: BSD-2-Clause
// The PL011 driver's cost per character on the host, against a device that is never the
// bottleneck (pl011_rig.hpp): TX (client queue -> FIFO, on TX interrupts) and RX (FIFO -> RX
// queue, on RX interrupts, read out by a client).
//
// Counters per character:
//   cycles_per_char        x86 TSC ticks (reference cycles at the TSC's constant rate)
//   instructions_per_char  retired user-space instructions, from perf_event_open(2), when the
//                          machine exposes a hardware PMU; otherwise the label says why, and
//                          bench/drivers/count-instructions.sh counts them under callgrind.
// Both include the mock platform's irq_ack (a function call, where seL4 makes a system call
// once per interrupt) and the client's side of the queue (a memcpy of the same bytes).
#include <array>
#include <benchmark/benchmark.h>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <linux/perf_event.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>
#include <x86intrin.h>

#include "pl011_rig.hpp"

namespace {

// Retired instructions of this thread in user mode, if the kernel offers a hardware counter.
class InstructionCounter {
public:
    InstructionCounter() {
        perf_event_attr attr{};
        attr.type = PERF_TYPE_HARDWARE;
        attr.size = sizeof attr;
        attr.config = PERF_COUNT_HW_INSTRUCTIONS;
        attr.exclude_kernel = 1;
        attr.exclude_hv = 1;
        fd_ = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
        error_ = fd_ < 0 ? errno : 0;
    }
    ~InstructionCounter() {
        if (fd_ >= 0) {
            close(fd_);
        }
    }
    InstructionCounter(const InstructionCounter&) = delete;
    InstructionCounter& operator=(const InstructionCounter&) = delete;

    [[nodiscard]] bool available() const { return fd_ >= 0; }
    [[nodiscard]] std::string why_not() const {
        return std::string{"instructions: perf_event_open unavailable ("} + std::strerror(error_) +
               "); see bench/drivers/count-instructions.sh";
    }
    [[nodiscard]] std::uint64_t read() const {
        std::uint64_t count = 0;
        if (fd_ >= 0 && ::read(fd_, &count, sizeof count) != sizeof count) {
            count = 0;
        }
        return count;
    }

private:
    int fd_ = -1;
    int error_ = 0;
};

void report(benchmark::State& state, std::uint64_t chars, std::uint64_t cycles,
            std::uint64_t instructions, const InstructionCounter& counter) {
    state.SetItemsProcessed(static_cast<std::int64_t>(chars));
    state.counters["cycles_per_char"] =
        static_cast<double>(cycles) / static_cast<double>(chars == 0 ? 1 : chars);
    if (counter.available()) {
        state.counters["instructions_per_char"] =
            static_cast<double>(instructions) / static_cast<double>(chars == 0 ? 1 : chars);
    } else {
        state.SetLabel(counter.why_not());
    }
}

void pl011_tx_per_char(benchmark::State& state) {
    pl011_bench::Rig rig;
    const InstructionCounter counter;
    std::vector<char> text(static_cast<std::size_t>(state.range(0)));
    for (std::size_t i = 0; i < text.size(); ++i) {
        text[i] = static_cast<char>('a' + i % 26);
    }
    std::uint64_t chars = 0;
    const std::uint64_t instructions_before = counter.read();
    const std::uint64_t cycles_before = __rdtsc();
    for (auto _ : state) {
        chars += rig.transmit(text);
    }
    const std::uint64_t cycles = __rdtsc() - cycles_before;
    report(state, chars, cycles, counter.read() - instructions_before, counter);
    if (chars != static_cast<std::uint64_t>(state.iterations()) * text.size()) {
        state.SkipWithError("characters lost on the TX path");
    }
}
BENCHMARK(pl011_tx_per_char)->Arg(16)->Arg(256)->Arg(1024);

void pl011_rx_per_char(benchmark::State& state) {
    pl011_bench::Rig rig;
    const InstructionCounter counter;
    const auto count = static_cast<std::uint64_t>(state.range(0));
    std::uint64_t chars = 0;
    const std::uint64_t instructions_before = counter.read();
    const std::uint64_t cycles_before = __rdtsc();
    for (auto _ : state) {
        chars += rig.receive(count);
    }
    const std::uint64_t cycles = __rdtsc() - cycles_before;
    report(state, chars, cycles, counter.read() - instructions_before, counter);
    if (chars != static_cast<std::uint64_t>(state.iterations()) * count) {
        state.SkipWithError("characters lost on the RX path");
    }
}
BENCHMARK(pl011_rx_per_char)->Arg(16)->Arg(256)->Arg(1024);

} // namespace
