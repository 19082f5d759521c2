// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string_view>

#include <kaal/core/copy_bytes.hpp>
#include <kaal/core/result.hpp>
#include <kaal/services/fs/fs_protocol.hpp>

// The client side of the filesystem, as a component sees it: one namespace of absolute paths
// over several filesystem services, and file descriptors with positions. A component opens
// "/data/log.txt" without knowing that "/data" is a second FAT service on another partition;
// the mount table picks the service (the longest mounted prefix at a component boundary) and
// the service sees only the rest of the path.
//
// `Client` is an FsClient (fs_client.hpp) or anything with its `buffer()` and `call()`. Bytes
// move in pieces of the client's buffer, because that is all the service can see of this
// component's memory.
//
// Paths are normalised here, before the mount table is consulted: repeated slashes collapse,
// "." goes, ".." removes the component before it. Resolving ".." lexically is exact on FAT,
// which has no symbolic links, and it has to happen here: "/data/../etc" is on the root
// service, which the "/data" service could never reach.
//
// Not reentrant: one thread of one PD uses a Vfs, as a Microkit PD has. Normalised paths are
// kept in the object rather than on the stack, because a PD's stack is small and a path is
// up to fs_max_path bytes.
namespace kaal::services::fs {

struct VfsStat {
    std::uint64_t size;
    bool directory;
    std::uint32_t attributes; // FAT's: read-only 0x01, hidden 0x02, system 0x04, archive 0x20
    std::uint16_t modified_date;
    std::uint16_t modified_time;
};

struct VfsDirEntry {
    std::array<char, fs_max_name + 1> name; // UTF-8, NUL-terminated
    std::size_t name_len;
    VfsStat stat;
};

struct VfsStatfs {
    std::uint64_t block_bytes, blocks, free_blocks;
    std::array<char, 8> type; // NUL-terminated: "FAT12", "FAT16", "FAT32"
};

enum class Whence : std::uint8_t { set, current, end };

// A mount prefix is a short name chosen by the system designer; keeping it short keeps the
// mount table small.
inline constexpr std::size_t vfs_max_prefix = 128;

template <typename Client, std::size_t MaxMounts = 4, std::size_t MaxFds = 16>
class Vfs {
    static_assert(MaxFds <= static_cast<std::size_t>(std::numeric_limits<int>::max()));

public:
    Status mount(std::string_view prefix, Client& client) {
        if (prefix.empty() || prefix.front() != '/') {
            return Error::invalid_argument;
        }
        if (prefix.size() > vfs_max_prefix) {
            return Error::bad_name;
        }
        // Only the normal form is accepted, so resolution can compare prefixes byte for byte.
        KAAL_TRY(const std::string_view normal, normalise(prefix, 0));
        if (normal != prefix) {
            return Error::invalid_argument;
        }
        // stat, readdir and statfs results land in the buffer whole.
        if (client.buffer().size() < sizeof(FsDirEntry)) {
            return Error::no_space;
        }
        Mount* free = nullptr;
        for (Mount& m : mounts_) {
            if (m.client != nullptr && m.prefix_view() == prefix) {
                return Error::exists;
            }
            free = free == nullptr && m.client == nullptr ? &m : free;
        }
        if (free == nullptr) {
            return Error::out_of_slots;
        }
        std::memcpy(free->prefix.data(), prefix.data(), prefix.size());
        free->len = prefix.size();
        free->client = &client;
        return {};
    }

    Result<int> open(std::string_view path, std::uint32_t flags) {
        // A free descriptor first: the service must not open a handle nobody can close.
        std::size_t slot = MaxFds;
        for (std::size_t i = 0; i < MaxFds && slot == MaxFds; ++i) {
            slot = fds_[i].client != nullptr ? slot : i;
        }
        if (slot == MaxFds) {
            return Error::out_of_slots; // EMFILE
        }
        KAAL_TRY(const Resolved r, resolve(path, 0));
        FsCommand cmd{};
        cmd.op = FsOp::open;
        cmd.flags = flags;
        KAAL_TRY(const FsCompletion done, r.client->call(cmd, r.rest));
        if (done.value > std::numeric_limits<std::uint32_t>::max()) {
            return Error::malformed_message; // handles are 32 bits on the wire
        }
        fds_[slot] = Fd{r.client, static_cast<std::uint32_t>(done.value), 0, 0, false};
        return static_cast<int>(slot);
    }

    Result<std::size_t> read(int fd, std::span<std::uint8_t> out) {
        KAAL_TRY(Fd * f, file(fd));
        KAAL_TRY(const std::size_t n, read_at(*f, out, f->position));
        f->position += n;
        return n;
    }

    Result<std::size_t> write(int fd, std::span<const std::uint8_t> in) {
        KAAL_TRY(Fd * f, file(fd));
        KAAL_TRY(const std::size_t n, write_at(*f, in, f->position));
        f->position += n;
        return n;
    }

    Result<std::size_t> pread(int fd, std::span<std::uint8_t> out, std::uint64_t offset) {
        KAAL_TRY(Fd * f, file(fd));
        return read_at(*f, out, offset);
    }

    Result<std::size_t> pwrite(int fd, std::span<const std::uint8_t> in, std::uint64_t offset) {
        KAAL_TRY(Fd * f, file(fd));
        return write_at(*f, in, offset);
    }

    // Seeking a directory to 0 from the start also restarts readdir (rewinddir).
    Result<std::uint64_t> seek(int fd, std::int64_t offset, Whence whence) {
        KAAL_TRY(Fd * f, file(fd));
        std::uint64_t base = 0;
        switch (whence) {
        case Whence::set: break;
        case Whence::current: base = f->position; break;
        case Whence::end: {
            KAAL_TRY(const VfsStat s, fstat(fd));
            base = s.size;
            break;
        }
        default: return Error::invalid_argument;
        }
        constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        std::uint64_t target = 0;
        if (offset < 0) {
            // -(offset + 1) + 1: the magnitude of INT64_MIN without overflowing
            const std::uint64_t back = static_cast<std::uint64_t>(-(offset + 1)) + 1;
            if (back > base) {
                return Error::invalid_argument; // before the start of the file
            }
            target = base - back;
        } else {
            const auto forward = static_cast<std::uint64_t>(offset);
            if (base > max || forward > max - base) {
                return Error::invalid_argument; // past what an off_t can say
            }
            target = base + forward;
        }
        f->position = target;
        if (target == 0 && whence == Whence::set) {
            f->cookie = 0;
            f->dir_end = false;
        }
        return target;
    }

    // The descriptor goes even if the service reports an error, as POSIX close does: there is
    // nothing the caller could retry it with.
    Status close(int fd) {
        KAAL_TRY(Fd * f, file(fd));
        const Fd gone = *f;
        *f = Fd{};
        FsCommand cmd{};
        cmd.op = FsOp::close;
        cmd.handle = gone.handle;
        return gone.client->call(cmd).error();
    }

    Status truncate(int fd, std::uint64_t size) {
        KAAL_TRY(Fd * f, file(fd));
        FsCommand cmd{};
        cmd.op = FsOp::truncate;
        cmd.handle = f->handle;
        cmd.offset = size;
        return f->client->call(cmd).error();
    }

    Result<VfsStat> stat(std::string_view path) {
        KAAL_TRY(const Resolved r, resolve(path, 0));
        return stat_on(*r.client, r.rest, 0);
    }

    Result<VfsStat> fstat(int fd) {
        KAAL_TRY(Fd * f, file(fd));
        return stat_on(*f->client, {}, f->handle);
    }

    // Mount points are not listed in their parent's directory: a listing is one service's
    // directory, as it is on Linux, where a mount point shows only if the parent filesystem has
    // a directory of that name.
    Result<bool> readdir(int fd, VfsDirEntry& out) {
        KAAL_TRY(Fd * f, file(fd));
        if (f->dir_end) {
            return false; // the service's cookie 0 would start over
        }
        FsCommand cmd{};
        cmd.op = FsOp::readdir;
        cmd.handle = f->handle;
        cmd.offset = f->cookie;
        cmd.data = 0;
        cmd.length = sizeof(FsDirEntry);
        KAAL_TRY(const FsCompletion done, f->client->call(cmd));
        if (done.value2 == 0) {
            f->dir_end = true;
            return false;
        }
        if (done.value == 0) {
            return Error::malformed_message; // an entry, but a cookie that starts over
        }
        // Copied out of the shared buffer once, then checked: the service could change it.
        FsDirEntry wire{};
        std::memcpy(&wire, f->client->buffer().data(), sizeof wire);
        if (wire.name_len > fs_max_name) {
            return Error::malformed_message;
        }
        std::memcpy(out.name.data(), wire.name, wire.name_len);
        out.name[wire.name_len] = '\0';
        out.name_len = wire.name_len;
        out.stat = from_wire(wire.stat);
        f->cookie = done.value;
        return true;
    }

    Status mkdir(std::string_view path) { return path_op(FsOp::mkdir, path); }
    Status rmdir(std::string_view path) { return path_op(FsOp::rmdir, path); }
    Status unlink(std::string_view path) { return path_op(FsOp::unlink, path); }

    Status rename(std::string_view from, std::string_view to) {
        KAAL_TRY(const Resolved a, resolve(from, 0));
        KAAL_TRY(const Resolved b, resolve(to, 1));
        if (a.mount_point || b.mount_point) {
            return Error::busy;
        }
        if (a.client != b.client) {
            return Error::unsupported; // EXDEV: a rename is one service's directory update
        }
        FsCommand cmd{};
        cmd.op = FsOp::rename;
        return a.client->call(cmd, a.rest, b.rest).error();
    }

    // The protocol's sync is the whole volume's: the service has no per-file dirty state.
    Status fsync(int fd) {
        KAAL_TRY(Fd * f, file(fd));
        FsCommand cmd{};
        cmd.op = FsOp::sync;
        cmd.handle = f->handle;
        return f->client->call(cmd).error();
    }

    // Every service is asked even if one fails, so one broken disk does not leave the others
    // unsynced; the first error is returned.
    Status sync() {
        Status first{};
        for (std::size_t i = 0; i < MaxMounts; ++i) {
            Client* c = mounts_[i].client;
            bool seen = false;
            for (std::size_t j = 0; j < i; ++j) {
                seen = seen || mounts_[j].client == c;
            }
            if (c == nullptr || seen) {
                continue; // one client mounted twice is one volume
            }
            FsCommand cmd{};
            cmd.op = FsOp::sync;
            if (auto s = c->call(cmd).error(); s != Error::ok && first.ok()) {
                first = s;
            }
        }
        return first;
    }

    Result<VfsStatfs> statfs(std::string_view path) {
        KAAL_TRY(const Resolved r, resolve(path, 0));
        FsCommand cmd{};
        cmd.op = FsOp::statfs;
        cmd.data = 0;
        cmd.length = sizeof(FsVolumeStats);
        KAAL_CHECK(Status{r.client->call(cmd).error()});
        FsVolumeStats wire{};
        std::memcpy(&wire, r.client->buffer().data(), sizeof wire);
        VfsStatfs out{wire.block_bytes, wire.blocks, wire.free_blocks, {}};
        std::memcpy(out.type.data(), wire.type, out.type.size());
        out.type.back() = '\0'; // the service's bytes are not trusted to end
        return out;
    }

private:
    struct Mount {
        std::array<char, vfs_max_prefix> prefix{};
        std::size_t len = 0;
        Client* client = nullptr; // null: a free entry
        [[nodiscard]] std::string_view prefix_view() const { return {prefix.data(), len}; }
    };

    // The client, not the mount, because nothing here depends on the prefix it was opened by.
    struct Fd {
        Client* client = nullptr; // null: a free descriptor
        std::uint32_t handle = 0; // the service's, in this client's handle table
        std::uint64_t position = 0;
        std::uint64_t cookie = 0; // readdir's, from the service
        bool dir_end = false;
    };

    struct Resolved {
        Client* client = nullptr;
        std::string_view rest; // into scratch_: valid until the next resolve into that slot
        bool mount_point = false;
    };

    // Into scratch_[slot]: two slots, for rename.
    Result<std::string_view> normalise(std::string_view path, std::size_t slot) {
        if (path.empty() || path.front() != '/') {
            return Error::invalid_argument; // no working directory to be relative to
        }
        std::array<char, fs_max_path>& out = scratch_[slot];
        std::size_t len = 0;
        // Plain loops rather than find() and substr(): those call memchr, which the x86_64
        // runtime does not provide, and a range check that can throw, which no component links.
        std::size_t i = 0;
        while (i < path.size()) {
            if (path[i] == '/') {
                ++i;
                continue;
            }
            const std::size_t start = i;
            while (i < path.size() && path[i] != '/') {
                ++i;
            }
            const std::string_view part{path.data() + start, i - start};
            if (part == ".") {
                continue;
            }
            if (part == "..") {
                // Back to the last slash; ".." of the root is the root.
                while (len > 0 && out[len - 1] != '/') {
                    --len;
                }
                if (len > 0) {
                    --len;
                }
                continue;
            }
            if (part.size() + 1 > out.size() - len) {
                return Error::bad_name; // ENAMETOOLONG
            }
            out[len++] = '/';
            std::memcpy(out.data() + len, part.data(), part.size());
            len += part.size();
        }
        if (len == 0) {
            out[len++] = '/';
        }
        return std::string_view{out.data(), len};
    }

    Result<Resolved> resolve(std::string_view path, std::size_t slot) {
        KAAL_TRY(const std::string_view normal, normalise(path, slot));
        const Mount* best = nullptr;
        for (const Mount& m : mounts_) {
            const std::string_view p = m.prefix_view();
            // "/data" holds "/data" and "/data/x", not "/data2"; "/" holds everything.
            const bool holds = m.client != nullptr && normal.size() >= p.size() &&
                               std::string_view{normal.data(), p.size()} == p &&
                               (p == "/" || normal.size() == p.size() || normal[p.size()] == '/');
            best = holds && (best == nullptr || p.size() > best->len) ? &m : best;
        }
        if (best == nullptr) {
            return Error::not_found; // nothing is mounted there
        }
        const std::string_view p = best->prefix_view();
        const bool mount_point = normal == p;
        std::string_view rest =
            p == "/" ? normal
                     : std::string_view{normal.data() + p.size(), normal.size() - p.size()};
        if (rest.empty()) {
            rest = "/"; // the mount's root: the service's own root
        }
        return Resolved{best->client, rest, mount_point};
    }

    Status path_op(FsOp op, std::string_view path) {
        KAAL_TRY(const Resolved r, resolve(path, 0));
        if (r.mount_point) {
            return Error::busy; // the mount's root is the mount table's, not the service's
        }
        FsCommand cmd{};
        cmd.op = op;
        return r.client->call(cmd, r.rest).error();
    }

    Result<Fd*> file(int fd) {
        if (fd < 0 || static_cast<std::size_t>(fd) >= MaxFds ||
            fds_[static_cast<std::size_t>(fd)].client == nullptr) {
            return Error::invalid_argument; // EBADF
        }
        return &fds_[static_cast<std::size_t>(fd)];
    }

    static VfsStat from_wire(const FsStat& s) {
        return VfsStat{s.size, s.directory != 0, s.attributes, s.modified_date, s.modified_time};
    }

    static Result<VfsStat> stat_on(Client& client, std::string_view path, std::uint32_t handle) {
        FsCommand cmd{};
        cmd.op = FsOp::stat;
        cmd.handle = handle;
        cmd.data = 0;
        cmd.length = sizeof(FsStat);
        KAAL_CHECK(Status{client.call(cmd, path).error()});
        FsStat wire{};
        std::memcpy(&wire, client.buffer().data(), sizeof wire);
        return from_wire(wire);
    }

    // The largest piece the buffer and the 32-bit length field allow.
    static std::size_t piece(Client& client, std::size_t left) {
        return std::min(
            {left, client.buffer().size(), std::size_t{std::numeric_limits<std::uint32_t>::max()}});
    }

    // One read or write of `n` bytes at the start of the client's buffer; the bytes moved. A
    // service that claims more than was asked for breaks the protocol.
    Result<std::size_t> io(Fd& f, FsOp op, std::uint64_t offset, std::size_t n) {
        KAAL_TRY(
            const FsCompletion done,
            f.client->call(io_command(op, f.handle, offset, 0, static_cast<std::uint32_t>(n))));
        if (done.value > n) {
            return Error::malformed_message;
        }
        return static_cast<std::size_t>(done.value);
    }

    // A failure after some bytes moved returns those bytes, as POSIX read and write do; the
    // error shows again on the next call.
    Result<std::size_t> read_at(Fd& f, std::span<std::uint8_t> out, std::uint64_t offset) {
        std::size_t total = 0;
        while (total < out.size()) {
            const std::size_t n = piece(*f.client, out.size() - total);
            if (n == 0) {
                return Error::no_space; // no buffer: no progress could ever be made
            }
            auto done = io(f, FsOp::read, offset + total, n);
            if (!done) {
                return total > 0 ? Result<std::size_t>{total} : done.error();
            }
            const std::size_t got = *done;
            copy_bytes(out.data() + total, f.client->buffer().data(), got);
            total += got;
            if (got < n) {
                break; // the end of the file
            }
        }
        return total;
    }

    Result<std::size_t> write_at(Fd& f, std::span<const std::uint8_t> in, std::uint64_t offset) {
        std::size_t total = 0;
        while (total < in.size()) {
            const std::size_t n = piece(*f.client, in.size() - total);
            if (n == 0) {
                return Error::no_space;
            }
            copy_bytes(f.client->buffer().data(), in.data() + total, n);
            auto done = io(f, FsOp::write, offset + total, n);
            if (!done) {
                return total > 0 ? Result<std::size_t>{total} : done.error();
            }
            total += *done;
            if (*done < n) {
                break; // a short write: let the caller see it rather than spin
            }
        }
        return total;
    }

    std::array<Mount, MaxMounts> mounts_{};
    std::array<Fd, MaxFds> fds_{};
    std::array<std::array<char, fs_max_path>, 2> scratch_{};
};

} // namespace kaal::services::fs
