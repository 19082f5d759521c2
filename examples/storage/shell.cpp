// SPDX-License-Identifier: BSD-2-Clause
// file_shell: a shell on the serial console for the filesystems this PD mounts (config::VfsMounts,
// from the composer's FileSystem building blocks), through the VFS client library: each command
// names paths, never servers.
//
//   ls [dir]  cat file  write file text  append file text  cp from to  mv from to  rm file
//   mkdir dir  rmdir dir  stat path  df  sync  help
//
// Each command line is echoed ("> ls /") and answered before the next is read; an error names
// the command, the path and the reason ("rm: /x: not found"). A command waits for its replies
// with kaal::wait_for, so lines typed meanwhile stay in the RX queue until it is done.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/wait.hpp>
#include <kaal/services/fs/fat/directory_entry.hpp>
#include <kaal/services/fs/mounted_client.hpp>
#include <kaal/services/fs/vfs.hpp>
#include <kaal/services/serial/console_reader.hpp>
#include <kaal/services/serial/console_writer.hpp>

#include "../system-composition/line.hpp"
#include "kaal_config.hpp"

namespace {

using composition::Line;
using kaal::Error;
namespace fs = kaal::services::fs;
using kaal::services::serial::ConsoleReader;
using kaal::services::serial::ConsoleWriter;

using Client = fs::MountedClient;
constexpr auto& mounts = config::VfsMounts::mounts;
using Vfs = fs::Vfs<Client, mounts.size(), 8>;

// The next space-separated word of `rest`, which loses it.
std::string_view word(std::string_view& rest) {
    while (!rest.empty() && rest.front() == ' ') {
        rest.remove_prefix(1);
    }
    const std::size_t end = rest.find(' ');
    const std::string_view w = kaal::services::fs::fat::slice(rest, 0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    while (!rest.empty() && rest.front() == ' ') {
        rest.remove_prefix(1);
    }
    return w;
}

class FileShell {
public:
    void init() {
        auto console = ConsoleWriter::attach(config::serial_tx_queue, config::serial_tx);
        auto input = ConsoleReader::attach(config::serial_rx_queue, config::serial_rx);
        if (!console || !input) {
            kaal::debug::print("shell: FAILED: cannot attach the console\n");
            return;
        }
        console_.emplace(*console);
        input_.emplace(*input);
        const fs::MountWiring* failed = nullptr;
        if (auto s = fs::mount_all(mounts, clients_, vfs_, failed); !s) {
            say("shell: FAILED: cannot mount ", failed->mount_point, s.error());
            return;
        }
        for (const auto& m : mounts) {
            Line line;
            line.add(m.mount_point).add(" is ").add(m.service).add("\n");
            write(line.view());
        }
        ready_ = true;
        write("ready; type help\n");
        notified(config::serial_rx);
    }

    void notified(kaal::Channel ch) {
        if (!ready_) {
            return;
        }
        if (ch == config::serial_rx) {
            input_->drain([this](std::string_view typed) { run(typed); });
        }
        static_cast<void>(console_->flush());
    }

private:
    void run(std::string_view line) {
        write("> ");
        write(line);
        write("\n");
        std::string_view rest = line;
        const std::string_view cmd = word(rest);
        if (cmd == "ls") {
            ls(rest.empty() ? std::string_view{"/"} : word(rest));
        } else if (cmd == "cat") {
            cat(word(rest));
        } else if (cmd == "write" || cmd == "append") {
            const std::string_view path = word(rest);
            put(cmd, path, rest, cmd == "append");
        } else if (cmd == "cp") {
            const std::string_view from = word(rest);
            cp(from, word(rest));
        } else if (cmd == "mv") {
            const std::string_view from = word(rest);
            const std::string_view to = word(rest);
            done(cmd, from, vfs_.rename(from, to), "renamed");
        } else if (cmd == "rm") {
            const std::string_view path = word(rest);
            done(cmd, path, vfs_.unlink(path), "removed");
        } else if (cmd == "mkdir") {
            const std::string_view path = word(rest);
            done(cmd, path, vfs_.mkdir(path), "made");
        } else if (cmd == "rmdir") {
            const std::string_view path = word(rest);
            done(cmd, path, vfs_.rmdir(path), "removed");
        } else if (cmd == "stat") {
            stat(word(rest));
        } else if (cmd == "df") {
            df();
        } else if (cmd == "sync") {
            sync();
        } else if (cmd == "help") {
            write("ls [dir] | cat file | write file text | append file text | cp from to |\n"
                  "mv from to | rm file | mkdir dir | rmdir dir | stat path | df | sync\n");
        } else {
            fail(cmd, "", Error::not_found);
        }
    }

    void ls(std::string_view path) {
        auto fd = vfs_.open(path, fs::open_flag::directory);
        if (!fd) {
            fail("ls", path, fd.error());
            return;
        }
        fs::VfsDirEntry e{};
        std::size_t n = 0;
        for (;;) {
            auto more = vfs_.readdir(*fd, e);
            if (!more) {
                fail("ls", path, more.error());
                break;
            }
            if (!*more) {
                break;
            }
            write(std::string_view{e.name.data(), e.name_len});
            Line line;
            if (e.stat.directory) {
                line.add("/\n");
            } else {
                line.add("  ").add(e.stat.size).add(" bytes\n");
            }
            write(line.view());
            ++n;
        }
        static_cast<void>(vfs_.close(*fd));
        Line line;
        write(line.add(n).add(n == 1 ? " entry\n" : " entries\n").view());
    }

    void cat(std::string_view path) {
        auto fd = vfs_.open(path, 0);
        if (!fd) {
            fail("cat", path, fd.error());
            return;
        }
        std::array<std::uint8_t, 512> buf{};
        bool newline = true;
        for (;;) {
            auto n = vfs_.read(*fd, buf);
            if (!n) {
                fail("cat", path, n.error());
                break;
            }
            if (*n == 0) {
                break;
            }
            write({reinterpret_cast<const char*>(buf.data()), *n});
            newline = buf[*n - 1] == '\n';
        }
        if (!newline) {
            write("\n"); // the console works in lines
        }
        static_cast<void>(vfs_.close(*fd));
    }

    void put(std::string_view cmd, std::string_view path, std::string_view text, bool append) {
        const std::uint32_t flags = fs::open_flag::create | (append ? 0u : fs::open_flag::truncate);
        auto fd = vfs_.open(path, flags);
        if (!fd) {
            fail(cmd, path, fd.error());
            return;
        }
        if (append) {
            if (auto end = vfs_.seek(*fd, 0, fs::Whence::end); !end) {
                fail(cmd, path, end.error());
                static_cast<void>(vfs_.close(*fd));
                return;
            }
        }
        auto a = vfs_.write(*fd, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
        const std::uint8_t nl = '\n';
        auto b = a ? vfs_.write(*fd, {&nl, 1}) : a;
        static_cast<void>(vfs_.close(*fd));
        if (!b) {
            fail(cmd, path, b.error());
            return;
        }
        Line line;
        line.add(append ? "appended " : "wrote ").add(text.size() + 1).add(" bytes to ");
        write(line.view());
        write(path);
        write("\n");
    }

    void cp(std::string_view from, std::string_view to) {
        auto in = vfs_.open(from, 0);
        if (!in) {
            fail("cp", from, in.error());
            return;
        }
        auto out = vfs_.open(to, fs::open_flag::create | fs::open_flag::truncate);
        if (!out) {
            fail("cp", to, out.error());
            static_cast<void>(vfs_.close(*in));
            return;
        }
        std::array<std::uint8_t, 4096> buf{};
        std::uint64_t total = 0;
        for (;;) {
            auto n = vfs_.read(*in, buf);
            if (!n) {
                fail("cp", from, n.error());
                break;
            }
            if (*n == 0) {
                Line line;
                write(line.add("copied ").add(total).add(" bytes\n").view());
                break;
            }
            auto w = vfs_.write(*out, {buf.data(), *n});
            if (!w) {
                fail("cp", to, w.error());
                break;
            }
            total += *n;
        }
        static_cast<void>(vfs_.close(*in));
        static_cast<void>(vfs_.close(*out));
    }

    void stat(std::string_view path) {
        auto s = vfs_.stat(path);
        if (!s) {
            fail("stat", path, s.error());
            return;
        }
        write(path);
        Line line;
        if (s->directory) {
            line.add(": directory");
        } else {
            line.add(": file, ").add(s->size).add(" bytes");
        }
        // FAT's date: years from 1980 in bits 15-9, month 8-5, day 4-0; time in two seconds.
        const unsigned d = s->modified_date;
        const unsigned t = s->modified_time;
        line.add(", modified ").add(1980 + (d >> 9)).add("-").add(d >> 5 & 15, 2).add("-");
        line.add(d & 31, 2).add(" ").add(t >> 11, 2).add(":").add(t >> 5 & 63, 2).add(":");
        line.add(std::uint64_t{t & 31} * 2, 2).add(" UTC\n");
        write(line.view());
    }

    // Every mounted volume, each through a handle on its root; a mount whose service has no
    // volume (a disk without that partition) is said, and does not make the others fail.
    void sync() {
        bool all = true;
        for (const auto& m : mounts) {
            auto fd = vfs_.open(m.mount_point, fs::open_flag::directory);
            auto s = fd ? vfs_.fsync(*fd) : kaal::Status{fd.error()};
            if (fd) {
                static_cast<void>(vfs_.close(*fd));
            }
            if (!s) {
                fail("sync", m.mount_point, s.error());
                all = all && s.error() == Error::not_found;
            }
        }
        write(all ? std::string_view{"synced\n"} : std::string_view{"sync: FAILED\n"});
    }

    void df() {
        for (const auto& m : mounts) {
            auto s = vfs_.statfs(m.mount_point);
            if (!s) {
                fail("df", m.mount_point, s.error());
                continue;
            }
            Line line;
            line.add(m.mount_point).add(": ").add(s->type.data()).add(", ");
            line.add(s->free_blocks * s->block_bytes / 1024).add(" KiB free of ");
            line.add(s->blocks * s->block_bytes / 1024).add(" KiB\n");
            write(line.view());
        }
    }

    void done(std::string_view cmd, std::string_view path, kaal::Status s, std::string_view what) {
        if (!s) {
            fail(cmd, path, s.error());
            return;
        }
        write(what);
        write(" ");
        write(path);
        write("\n");
    }

    void fail(std::string_view cmd, std::string_view path, Error e) {
        write(cmd);
        write(": ");
        if (!path.empty()) {
            write(path);
            write(": ");
        }
        write(kaal::to_string(e));
        write("\n");
    }

    void say(std::string_view a, std::string_view b, Error e = Error::ok) {
        write(a);
        write(b);
        if (e != Error::ok) {
            write(": ");
            write(kaal::to_string(e));
        }
        write("\n");
    }

    // Queues `text` on the console, waiting for the TX mux to make room when it has none (a
    // long `cat`): the writer asked for a space signal when its flush fell short.
    void write(std::string_view text) {
        while (!text.empty()) {
            const std::string_view piece = kaal::services::fs::fat::slice(text, 0, 256);
            while (!console_->write(piece)) {
                if (!console_->flush() && !kaal::wait_for(config::serial_tx)) {
                    return;
                }
            }
            text.remove_prefix(piece.size());
        }
        static_cast<void>(console_->flush());
    }

    std::optional<ConsoleWriter> console_;
    std::optional<ConsoleReader> input_;
    std::array<std::optional<Client>, mounts.size()> clients_{};
    Vfs vfs_;
    bool ready_ = false;
};

} // namespace

KAAL_COMPONENT(FileShell);
