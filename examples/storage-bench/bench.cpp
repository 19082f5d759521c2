// SPDX-License-Identifier: BSD-2-Clause
// storage_bench: the storage stack's throughput on seL4, raw and through the filesystem, in one
// boot. Raw: requests straight into the block queue to the virtualiser (partition 1, a scratch
// partition), 128 KiB each with eight in flight (1 MiB, this PD's whole DMA region), no copy.
// Then the same through the FAT filesystem service (partition 0): a 16 MiB file written in
// 256 KiB commands, synced; two more, in 1 MiB commands and with two of 512 KiB in flight; the
// first overwritten in 1 MiB commands, then read back the same three ways; each command's bytes
// in this PD's data region, which the device reaches directly (no copy) for whole sectors.
// Last, 4 KiB reads at random offsets, one at a time, both ways. Times come from the time service's
// counter; under QEMU's -icount shift=0 (bench/storage/run-icount.sh) a guest nanosecond is one
// instruction while the guest runs. While it idles, waiting for the disk, guest time runs with
// the host's clock (QEMU's icount sleep=on), so a pass that waits depends on how soon the host
// answers: a busy moment on the host costs some passes ten times their usual time. So every pass
// runs `rounds` times, the raw and the filesystem passes of a round one after the other, and
// each figure is the median of its rounds, beside the best and the worst.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <kaal/dddk/block_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/wait.hpp>
#include <kaal/services/fs/mounted_client.hpp>
#include <kaal/services/serial/console_writer.hpp>
#include <kaal/services/time/time_client.hpp>

#include "../system-composition/line.hpp"
#include "kaal_config.hpp"

namespace {

using composition::Line;
using kaal::dddk::BlockRequestMessage;
using kaal::dddk::BlockResponseMessage;
namespace fs = kaal::services::fs;

constexpr std::uint64_t total = 16u << 20;        // bytes each sequential pass moves
constexpr std::uint32_t raw_request = 128u << 10; // bytes per raw request
constexpr unsigned raw_depth = 8;
constexpr std::uint32_t fs_command = 256u << 10;  // bytes per filesystem command, one at a time
constexpr std::uint32_t fs_large = 1u << 20;      // the client's whole data region
constexpr std::uint32_t fs_streamed = 512u << 10; // two in flight: the whole region too
constexpr unsigned random_reads = 2000;
constexpr unsigned rounds = 11;
constexpr auto& mount = config::VfsMounts::mounts[0];

// The figures, in the order they are printed.
enum class Pass : unsigned {
    raw_write,
    raw_read,
    raw_random,
    file_write,
    file_write_fsync,
    file_write_large,
    file_write_streamed,
    file_overwrite_large,
    file_read,
    file_read_large,
    file_read_streamed,
    file_random,
    count
};
constexpr std::array<std::string_view, static_cast<unsigned>(Pass::count)> pass_names{
    "raw sequential write",
    "raw sequential read",
    "raw 4 KiB random reads, QD1",
    "file sequential write",
    "file sequential write + fsync",
    "file sequential write, 1 MiB commands",
    "file sequential write, 2 x 512 KiB in flight",
    "file sequential overwrite, 1 MiB commands",
    "file sequential read",
    "file sequential read, 1 MiB commands",
    "file sequential read, 2 x 512 KiB in flight",
    "file 4 KiB random reads, QD1",
};
[[nodiscard]] constexpr bool random_pass(Pass p) {
    return p == Pass::raw_random || p == Pass::file_random;
}

using Client = fs::MountedClient;

class StorageBench {
public:
    void init() {
        auto console = kaal::services::serial::ConsoleWriter::attach(config::serial_tx_queue,
                                                                     config::serial_tx);
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the queue there
        auto queue = kaal::dddk::BlockQueue::attach(reinterpret_cast<void*>(config::blk_queue));
        auto client = fs::attach_mount(mount);
        if (!console || !queue || !client ||
            !kaal::services::time::TimeClient::attach(time_, config::time_clock, config::time_fired,
                                                      config::time)) {
            kaal::debug::print("storage-bench: FAILED: cannot attach its queues or the clock\n");
            return;
        }
        console_.emplace(*console);
        blk_.emplace(*queue);
        fs_.emplace(*client);
        while (!blk_->info->published()) {
            if (!kaal::wait_for(config::blk)) {
                return;
            }
        }
        for (unsigned r = 0; r < rounds; ++r) {
            if (!raw() || !files()) {
                return;
            }
        }
        for (unsigned p = 0; p < static_cast<unsigned>(Pass::count); ++p) {
            report(static_cast<Pass>(p));
        }
        say("storage-bench: done\n");
    }

    void notified(kaal::Channel) {
        if (console_) {
            static_cast<void>(console_->flush());
        }
    }

private:
    [[nodiscard]] std::uint64_t ns() const { return time_->monotonic_ns(); }

    void record(Pass p, std::uint64_t elapsed_ns) {
        const auto i = static_cast<unsigned>(p);
        samples_[i][taken_[i]++] = elapsed_ns;
    }

    // "<pass>: 16 MiB, median of 11 in 352 us: 47662 MB/s (best 339 us, worst 1089 us)", or for
    // the random reads "<pass>: 2000, median of 11 in ...: 75125 IOPS, 13311 ns each (...)".
    void report(Pass p) {
        auto ns = samples_[static_cast<unsigned>(p)];
        std::sort(ns.begin(), ns.end());
        const std::uint64_t median = ns[rounds / 2];
        Line line;
        line.add("storage-bench: ").add(pass_names[static_cast<unsigned>(p)]).add(": ");
        if (random_pass(p)) {
            line.add(random_reads).add(", median of ").add(rounds).add(" in ");
            line.add(median / 1000).add(" us: ");
            line.add(median == 0 ? 0 : std::uint64_t{random_reads} * 1'000'000'000 / median);
            line.add(" IOPS, ").add(median / random_reads).add(" ns each");
        } else {
            line.add(total >> 20).add(" MiB, median of ").add(rounds).add(" in ");
            line.add(median / 1000).add(" us: ");
            line.add(median == 0 ? 0 : total * 1000 / median).add(" MB/s");
        }
        line.add(" (best ").add(ns.front() / 1000).add(" us, worst ").add(ns.back() / 1000);
        say(line.add(" us)\n").view());
    }

    // ---- raw: the block queue ---------------------------------------------------------------

    bool raw_pass(std::uint32_t op, std::uint64_t bytes, std::uint32_t request, unsigned depth,
                  bool random) {
        const std::uint64_t partition = blk_->info->sectors * 512;
        std::uint64_t sent = 0;
        std::uint64_t done = 0;
        std::uint64_t next = 0;
        unsigned in_flight = 0;
        std::uint32_t lcg = 12345;
        while (done < bytes) {
            while (in_flight < depth && sent < bytes) {
                std::uint64_t at = next;
                if (random) {
                    lcg = lcg * 1103515245u + 12345u;
                    at = (lcg % (total / request)) * request;
                }
                const BlockRequestMessage m{op, request / 512, at / 512,
                                            std::uint64_t{in_flight_slot_} * request, ++id_};
                in_flight_slot_ = (in_flight_slot_ + 1) % raw_depth;
                if (at + request > partition || !blk_->requests.push(m).ok()) {
                    say("storage-bench: FAILED: the raw request does not fit\n");
                    return false;
                }
                sent += request;
                next += request;
                ++in_flight;
            }
            if (blk_->requests.consumer_needs_signal()) {
                static_cast<void>(kaal::notify(config::blk));
            }
            while (auto r = blk_->responses.pop()) {
                if (r->status != BlockResponseMessage::ok) {
                    Line line;
                    say(line.add("storage-bench: FAILED: a raw request: status ")
                            .add(r->status)
                            .add("\n")
                            .view());
                    return false;
                }
                done += request;
                --in_flight;
            }
            if (blk_->responses.producer_needs_signal()) {
                static_cast<void>(kaal::notify(config::blk));
            }
            // Sleep only with requests in flight and no room for more: a response is then
            // coming, and the signal asked for here brings it.
            const bool blocked = in_flight > 0 && (in_flight == depth || sent == bytes);
            if (blocked && blk_->responses.consumer_may_sleep() && !kaal::wait_for(config::blk)) {
                return false;
            }
        }
        return true;
    }

    bool raw() {
        std::uint64_t t = ns();
        if (!raw_pass(BlockRequestMessage::write, total, raw_request, raw_depth, false)) {
            return false;
        }
        record(Pass::raw_write, ns() - t);
        t = ns();
        if (!raw_pass(BlockRequestMessage::read, total, raw_request, raw_depth, false)) {
            return false;
        }
        record(Pass::raw_read, ns() - t);
        t = ns();
        if (!raw_pass(BlockRequestMessage::read, std::uint64_t{random_reads} * 4096, 4096, 1,
                      true)) {
            return false;
        }
        record(Pass::raw_random, ns() - t);
        return true;
    }

    // ---- through the filesystem -------------------------------------------------------------

    kaal::Result<fs::FsCompletion> command(fs::FsOp op, std::uint32_t handle, std::uint64_t offset,
                                           std::uint32_t length, std::string_view path = {},
                                           std::uint32_t flags = 0) {
        fs::FsCommand c = fs::io_command(op, handle, offset, 0, length);
        c.flags = flags;
        return fs_->call(c, path);
    }

    // `total` bytes of `handle` moved from its start in commands of `bytes`, `depth` of them in
    // flight, each on its own part of the data region (depth 1: one at a time, with `call`).
    // Two of 512 KiB cover the whole region, the client's scratch area for paths at its end
    // too (FsClient::buffer): no command with a path is in flight meanwhile.
    bool stream(fs::FsOp op, std::uint32_t handle, std::uint32_t bytes, unsigned depth) {
        if (depth == 1) {
            for (std::uint64_t at = 0; at < total; at += bytes) {
                auto r = command(op, handle, at, bytes);
                if (!r || r->value != bytes) {
                    return false;
                }
            }
            return true;
        }
        std::uint64_t sent = 0;
        for (std::uint64_t done = 0; done < total; done += bytes) {
            while (sent < total && sent - done < std::uint64_t{depth} * bytes) {
                if (!fs_->send(
                        fs::io_command(op, handle, sent, (sent / bytes % depth) * bytes, bytes))) {
                    return false;
                }
                sent += bytes;
            }
            auto r = fs_->receive();
            if (!r || r->status != kaal::Error::ok || r->value != bytes) {
                return false;
            }
        }
        return true;
    }

    bool timed(Pass what, fs::FsOp op, std::uint32_t handle, std::uint32_t bytes, unsigned depth) {
        const std::uint64_t t = ns();
        if (!stream(op, handle, bytes, depth)) {
            return false;
        }
        record(what, ns() - t);
        return true;
    }

    // A new file of `total` bytes, every cluster allocated as it goes, as in the first pass:
    // opening it truncates what the round before wrote, and frees its clusters for this one.
    bool write_pass(Pass what, std::string_view path, std::uint32_t bytes, unsigned depth) {
        auto opened =
            command(fs::FsOp::open, 0, 0, 0, path, fs::open_flag::create | fs::open_flag::truncate);
        if (!opened) {
            return false;
        }
        const auto h = static_cast<std::uint32_t>(opened->value);
        return timed(what, fs::FsOp::write, h, bytes, depth) &&
               command(fs::FsOp::close, h, 0, 0).ok();
    }

    bool files() {
        auto opened = command(fs::FsOp::open, 0, 0, 0, "/bench.bin",
                              fs::open_flag::create | fs::open_flag::truncate);
        if (!opened) {
            Line line;
            say(line.add("storage-bench: FAILED: open: ")
                    .add(kaal::to_string(opened.error()))
                    .add("\n")
                    .view());
            return false;
        }
        const auto h = static_cast<std::uint32_t>(opened->value);
        const bool ran = file_passes(h);
        static_cast<void>(command(fs::FsOp::close, h, 0, 0));
        return ran;
    }

    bool file_passes(std::uint32_t h) {
        std::uint64_t t = ns();
        if (!stream(fs::FsOp::write, h, fs_command, 1)) {
            say("storage-bench: FAILED: a file write\n");
            return false;
        }
        record(Pass::file_write, ns() - t);
        if (!command(fs::FsOp::sync, 0, 0, 0)) {
            say("storage-bench: FAILED: sync\n");
            return false;
        }
        record(Pass::file_write_fsync, ns() - t);
        if (!write_pass(Pass::file_write_large, "/large.bin", fs_large, 1) ||
            !write_pass(Pass::file_write_streamed, "/streamed.bin", fs_streamed, 2)) {
            say("storage-bench: FAILED: a file write\n");
            return false;
        }
        // The first file again, its clusters all there: a write that allocates nothing (what fio
        // measures, having laid its file out first).
        if (!timed(Pass::file_overwrite_large, fs::FsOp::write, h, fs_large, 1)) {
            say("storage-bench: FAILED: a file overwrite\n");
            return false;
        }
        if (!timed(Pass::file_read, fs::FsOp::read, h, fs_command, 1) ||
            !timed(Pass::file_read_large, fs::FsOp::read, h, fs_large, 1) ||
            !timed(Pass::file_read_streamed, fs::FsOp::read, h, fs_streamed, 2)) {
            say("storage-bench: FAILED: a file read\n");
            return false;
        }
        std::uint32_t lcg = 12345;
        t = ns();
        for (unsigned i = 0; i < random_reads; ++i) {
            lcg = lcg * 1103515245u + 12345u;
            auto r = command(fs::FsOp::read, h, (lcg % (total / 4096)) * 4096, 4096);
            if (!r || r->value != 4096) {
                say("storage-bench: FAILED: a random file read\n");
                return false;
            }
        }
        record(Pass::file_random, ns() - t);
        return true;
    }

    void say(std::string_view text) {
        while (!console_->write(text)) {
            if (!console_->flush() && !kaal::wait_for(config::serial_tx)) {
                return;
            }
        }
        static_cast<void>(console_->flush());
    }

    std::optional<kaal::services::serial::ConsoleWriter> console_;
    std::optional<kaal::dddk::BlockQueue> blk_;
    std::optional<Client> fs_;
    std::optional<kaal::services::time::TimeClient> time_;
    std::uint64_t id_ = 0;
    unsigned in_flight_slot_ = 0;
    std::array<std::array<std::uint64_t, rounds>, static_cast<unsigned>(Pass::count)> samples_{};
    std::array<unsigned, static_cast<unsigned>(Pass::count)> taken_{};
};

} // namespace

KAAL_COMPONENT(StorageBench);
