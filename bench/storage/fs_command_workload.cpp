// SPDX-License-Identifier: BSD-2-Clause
// A fixed workload for counting the filesystem service's instructions per command
// (count-instructions.sh): the service's logic (FsServer over the FAT library over
// BlockQueueDevice), as fat_fs_pd.cpp runs it, against the real block virtualiser and a disk in
// memory. Each command is sent alone and served in two calls, as on seL4: one that starts it
// (its data left in flight), one after the disk has answered. Only those calls are counted
// (serve_counted, for the writes or for the reads); the virtualiser and the disk run between them,
// outside. The writes come first, into a new file; the reads read it back.
// usage: fs_command_workload <FAT image> <write|read> <commands> <bytes per command>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <kaal/platform/mock/host_region.hpp>
#include <kaal/services/block/block_virtualiser.hpp>
#include <kaal/services/fs/block_queue_device.hpp>
#include <kaal/services/fs/fat/volume.hpp>
#include <kaal/services/fs/fs_server.hpp>

namespace {

using namespace kaal::services;
using kaal::Word;
using kaal::dddk::BlockQueue;
using kaal::dddk::BlockRequest;

// The disk: it answers every request at once. File data is not copied (on seL4 the device
// moves it by DMA, which costs the service nothing); metadata, which is small, is.
struct Disk {
    std::vector<std::uint8_t> bytes;
    std::vector<Word> done;
    kaal::Status submit(const BlockRequest& r) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): "physical" addresses are host addresses
        auto* at = reinterpret_cast<std::uint8_t*>(r.data_paddr);
        if (r.bytes <= 0x4000 && r.op == BlockRequest::Op::read) {
            std::memcpy(at, bytes.data() + r.sector * 512, r.bytes);
        } else if (r.bytes <= 0x4000 && r.op == BlockRequest::Op::write) {
            std::memcpy(bytes.data() + r.sector * 512, at, r.bytes);
        }
        done.push_back(r.cookie);
        return {};
    }
    [[nodiscard]] bool can_accept() const { return true; }
    [[nodiscard]] bool read_only() const { return false; }
};

template <std::size_t Bytes>
using Memory = kaal::mock::HostRegion<Bytes>;

using Virtualiser = block::BlockVirtualiser<1>;

Memory<0x1000> block_queue;
Memory<0x1'0000> bounce;
Memory<0x10'0000> region; // the client's data region, as in examples/storage-bench
Memory<fs::fs_queue_bytes> fs_queue;
std::optional<Virtualiser> virtualiser;
Disk disk;
block::PartitionTable table{};
std::array<block::BlockWindow, 1> windows{};
constexpr Word window_offset = 0x10'0000;

// The virtualiser and the disk: what runs while the service waits.
void run_disk() {
    static_cast<void>(virtualiser->serve(disk, [](std::size_t) {}));
    for (const Word cookie : disk.done) {
        virtualiser->completed(cookie, kaal::dddk::BlockStatus::ok, [](std::size_t) {});
    }
    disk.done.clear();
}

struct Wait {
    kaal::Status operator()() const {
        run_disk();
        return {};
    }
};
struct Notify {
    void operator()() const {}
};
using Device = fs::BlockQueueDevice<Wait, Notify>;
// As fat_fs_pd.cpp has them.
using Volume = fs::fat::Volume<Device, 32, 64>;
using Server = fs::FsServer<Volume, 1>;

// The counted call: callgrind --toggle-collect names it. Only the commands of the phase asked
// for go through it.
[[gnu::noinline]] void serve_counted(Server& s) {
    s.serve([](std::size_t) {});
}

bool fail(const char* what) {
    std::fprintf(stderr, "fs_command_workload: %s\n", what);
    return false;
}

bool run(const char* image, fs::FsOp counted, unsigned commands, std::uint32_t bytes) {
    std::ifstream in(image, std::ios::binary | std::ios::ate);
    if (!in) {
        return fail("cannot open the image");
    }
    disk.bytes.resize(static_cast<std::size_t>(in.tellg()));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(disk.bytes.data()),
            static_cast<std::streamsize>(disk.bytes.size()));
    if (bytes == 0 || bytes > region.bytes.size() ||
        std::uint64_t{commands} * bytes > disk.bytes.size() / 2) {
        return fail("commands too large for the region or the volume");
    }
    table.partitions[0] = {0, disk.bytes.size() / 512, 0, {}};
    table.count = 1;
    windows[0] = {window_offset, region.address(), region.bytes.size()};
    static const std::array configs{
        block::BlockClientConfig{0, bounce.address(), bounce.bytes.size(), windows}};
    static const std::array queues{BlockQueue::attach(block_queue.bytes.data()).value()};
    auto created = Virtualiser::create(queues, configs, table);
    if (!created) {
        return fail("no virtualiser");
    }
    virtualiser.emplace(*created);
    virtualiser->publish_info(false);
    static Device device(BlockQueue::attach(block_queue.bytes.data()).value(),
                         std::span{bounce.bytes}, Wait{}, Notify{});
    if (!device.start() || !device.add_window(region.bytes, window_offset)) {
        return fail("no device");
    }
    static Volume volume(device);
    if (!volume.mount()) {
        return fail(volume.problem());
    }
    static Server server(volume);
    auto queue = fs::FsQueue::attach(fs_queue.bytes.data());
    if (!queue || !server.add_client(*queue, region.bytes)) {
        return fail("no client");
    }
    // The client's end of the same queue.
    const std::string_view path = "/workload.bin";
    const std::size_t path_at = region.bytes.size() - 0x1000;
    std::memcpy(region.bytes.data() + path_at, path.data(), path.size());
    fs::FsCommand open{};
    open.id = 1;
    open.op = fs::FsOp::open;
    open.flags = fs::open_flag::create | fs::open_flag::truncate;
    open.path = path_at;
    open.path_len = static_cast<std::uint32_t>(path.size());
    if (!queue->commands.push(open)) {
        return fail("open not sent");
    }
    server.serve([](std::size_t) {});
    const auto opened = queue->completions.pop();
    if (!opened || opened->status != kaal::Error::ok) {
        return fail("open failed");
    }
    const auto handle = static_cast<std::uint32_t>(opened->value);
    std::uint64_t id = 2;
    for (const fs::FsOp op : {fs::FsOp::write, fs::FsOp::read}) {
        for (unsigned i = 0; i < commands; ++i) {
            fs::FsCommand c = fs::io_command(op, handle, std::uint64_t{i} * bytes, 0, bytes);
            c.id = id++;
            if (!queue->commands.push(c)) {
                return fail("command not sent");
            }
            const auto serve = [&] {
                if (op == counted) {
                    serve_counted(server);
                } else {
                    server.serve([](std::size_t) {});
                }
            };
            serve();
            run_disk();
            serve();
            const auto done = queue->completions.pop();
            if (!done || done->status != kaal::Error::ok || done->value != bytes) {
                return fail("a command failed");
            }
        }
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    const std::string_view phase = argc == 5 ? argv[2] : "";
    if (phase != "write" && phase != "read") {
        std::fprintf(stderr,
                     "usage: fs_command_workload <FAT image> <write|read> <commands> <bytes>\n");
        return 2;
    }
    return run(argv[1], phase == "write" ? fs::FsOp::write : fs::FsOp::read,
               static_cast<unsigned>(std::strtoul(argv[3], nullptr, 0)),
               static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 0)))
               ? 0
               : 1;
}
