// SPDX-License-Identifier: BSD-2-Clause
// Host cost of the TX mux per client byte: two clients each write one line, the mux moves both
// to the driver's queue, and the driver's end is drained. The driver side and the client writes
// are in the loop too, so the figure is an upper bound for the mux alone.
#include <array>
#include <benchmark/benchmark.h>
#include <cstddef>
#include <string>
#include <string_view>

#include <kaal/dddk/serial_queue.hpp>
#include <kaal/services/serial/tx_mux.hpp>

namespace {

namespace serial = kaal::dddk::serial;
using kaal::ipc::ByteStream;

struct Region {
    alignas(kaal::ipc::cache_line_size) std::array<std::byte, serial::queue_region_bytes> bytes{};
    ByteStream attach() {
        return ByteStream::attach(bytes.data(), bytes.size(), serial::queue_capacity).value();
    }
};

void tx_mux_lines(benchmark::State& state) {
    const auto length = static_cast<std::size_t>(state.range(0));
    std::string text(length - 1, 'x');
    text += '\n';
    const std::string_view line = text;
    Region driver;
    Region a;
    Region b;
    kaal::services::serial::TxMux mux;
    if (!mux.attach_driver(driver.bytes.data(), driver.bytes.size(), serial::queue_capacity).ok() ||
        !mux.add_client("greeter", a.bytes.data(), a.bytes.size(), serial::queue_capacity).ok() ||
        !mux.add_client("echo", b.bytes.data(), b.bytes.size(), serial::queue_capacity).ok()) {
        state.SkipWithError("cannot attach the queues");
        return;
    }
    ByteStream driver_end = driver.attach();
    ByteStream a_end = a.attach();
    ByteStream b_end = b.attach();
    std::array<char, 512> out{};
    for (auto _ : state) {
        (void)a_end.write(line);
        (void)b_end.write(line);
        benchmark::DoNotOptimize(mux.pump());
        while (driver_end.read(out) != 0) {
            benchmark::ClobberMemory();
        }
    }
    state.SetBytesProcessed(state.iterations() * 2 * static_cast<std::int64_t>(length));
    if (mux.stats(0).lines != static_cast<std::uint64_t>(state.iterations())) {
        state.SkipWithError("lines were lost");
    }
}
BENCHMARK(tx_mux_lines)->Arg(16)->Arg(48)->Arg(150);

} // namespace
