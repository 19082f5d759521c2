// SPDX-License-Identifier: BSD-2-Clause
// fs_probe: a second client of the root filesystem, written against the raw protocol
// (kaal/services/fs/fs_protocol.hpp) the way a buggy or hostile client would be. It opens and
// writes a file of its own, then sends commands that name handles it never opened (the shell's
// are numbered from 0 too), buffers outside its data region, paths too long or outside it, ops
// and flags the protocol does not have. Each must get an error reply, its own file must still
// work, and the shell, which shares the service, goes on serving its user.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include <kaal/platform/component.hpp>
#include <kaal/platform/wait.hpp>
#include <kaal/services/fs/fs_protocol.hpp>
#include <kaal/services/serial/console_writer.hpp>

#include "../system-composition/line.hpp"
#include "kaal_config.hpp"

namespace {

using composition::Line;
using kaal::Error;
using namespace kaal::services::fs;

constexpr auto& mount = config::VfsMounts::mounts[0];

class FsProbe {
public:
    void init() {
        auto console = kaal::services::serial::ConsoleWriter::attach(config::serial_tx_queue,
                                                                     config::serial_tx);
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the queue there
        auto queue = FsQueue::attach(reinterpret_cast<void*>(*mount.queue));
        if (!console || !queue) {
            return;
        }
        console_.emplace(*console);
        queue_.emplace(*queue);
        probe();
    }

    void notified(kaal::Channel) {
        if (console_) {
            static_cast<void>(console_->flush());
        }
    }

private:
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the data region there
    static std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(*mount.data); }

    // One command, and its completion; the service answers in order.
    FsCompletion call(FsCommand cmd) {
        cmd.id = ++id_;
        while (!queue_->commands.push(cmd).ok()) {
            if (queue_->commands.producer_may_sleep()) {
                static_cast<void>(kaal::wait_for(mount.channel));
            }
        }
        if (queue_->commands.consumer_needs_signal()) {
            static_cast<void>(kaal::notify(mount.channel));
        }
        for (;;) {
            if (auto done = queue_->completions.pop()) {
                if (queue_->completions.producer_needs_signal()) {
                    static_cast<void>(kaal::notify(mount.channel));
                }
                return *done;
            }
            if (queue_->completions.consumer_may_sleep() && !kaal::wait_for(mount.channel)) {
                return FsCompletion{cmd.id, Error::illegal_operation, {}, 0, 0};
            }
        }
    }

    FsCommand with_path(FsOp op, std::string_view path, std::uint32_t flags = 0) {
        std::memcpy(data() + 0x8000, path.data(), path.size());
        FsCommand c{};
        c.op = op;
        c.flags = flags;
        c.path = 0x8000;
        c.path_len = static_cast<std::uint32_t>(path.size());
        return c;
    }

    void refused(const FsCommand& cmd, Error expected) {
        const FsCompletion done = call(cmd);
        ++sent_;
        if (done.status == expected && done.id == id_) {
            ++refused_;
        } else {
            Line line;
            line.add("fs-probe: FAILED: op ").add(static_cast<std::uint32_t>(cmd.op));
            line.add(" got ").add(kaal::to_string(done.status)).add("\n");
            say(line.view());
        }
    }

    void probe() {
        const FsCompletion opened =
            call(with_path(FsOp::open, "/probe.txt", open_flag::create | open_flag::truncate));
        if (opened.status != Error::ok) {
            Line line;
            say(line.add("fs-probe: cannot open its file: ")
                    .add(kaal::to_string(opened.status))
                    .add("\n")
                    .view());
            return;
        }
        const auto mine = static_cast<std::uint32_t>(opened.value);
        std::memcpy(data(), "probe\n", 6);
        FsCommand w{};
        w.op = FsOp::write;
        w.handle = mine;
        w.length = 6;
        const bool wrote = call(w).value == 6;
        // Handles it never opened: every other number of a client's table, and far beyond.
        for (std::uint32_t h = 0; h < 16; ++h) {
            if (h != mine) {
                FsCommand r{};
                r.op = FsOp::read;
                r.handle = h;
                r.length = 16;
                refused(r, Error::invalid_argument);
            }
        }
        FsCommand r{};
        r.op = FsOp::read;
        r.handle = 0xffff'ffff;
        r.length = 1;
        refused(r, Error::invalid_argument);
        // Buffers outside its data region, one wrapping around the address space.
        r.handle = mine;
        r.data = mount.data_size;
        refused(r, Error::range_error);
        r.data = ~std::uint64_t{0} - 2;
        r.length = 8;
        refused(r, Error::range_error);
        r.data = 0;
        r.length = static_cast<std::uint32_t>(mount.data_size) + 1;
        refused(r, Error::range_error);
        // Paths: too long, outside the region, empty.
        FsCommand p = with_path(FsOp::mkdir, "/x");
        p.path_len = fs_max_path + 1;
        refused(p, Error::malformed_message);
        p.path = mount.data_size - 1;
        p.path_len = 2;
        refused(p, Error::malformed_message);
        p.path_len = 0;
        refused(p, Error::malformed_message);
        // What the protocol does not have.
        FsCommand bad{};
        bad.op = static_cast<FsOp>(0x5a5a);
        refused(bad, Error::malformed_message);
        refused(with_path(FsOp::open, "/probe.txt", 0x8000'0000u), Error::invalid_argument);
        // Its own file still reads back.
        r = {};
        r.op = FsOp::read;
        r.handle = mine;
        r.data = 64;
        r.length = 64;
        const FsCompletion back = call(r);
        const bool intact = back.status == Error::ok && back.value == 6 &&
                            std::memcmp(data() + 64, "probe\n", 6) == 0;
        FsCommand c{};
        c.op = FsOp::close;
        c.handle = mine;
        const bool closed = call(c).status == Error::ok;
        Line line;
        line.add("fs-probe: ").add(refused_).add(" of ").add(sent_);
        line.add(" malformed commands refused; its own file ");
        line.add(wrote && intact && closed ? "works\n" : "FAILED\n");
        say(line.view());
    }

    void say(std::string_view text) {
        static_cast<void>(console_->write(text));
        static_cast<void>(console_->flush());
    }

    std::optional<kaal::services::serial::ConsoleWriter> console_;
    std::optional<FsQueue> queue_;
    std::uint64_t id_ = 0;
    unsigned sent_ = 0;
    unsigned refused_ = 0;
};

} // namespace

KAAL_COMPONENT(FsProbe);
