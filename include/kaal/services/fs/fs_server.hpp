// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include <kaal/core/result.hpp>
#include <kaal/services/fs/fat/volume.hpp>
#include <kaal/services/fs/fs_protocol.hpp>

// The filesystem service's logic, without the PD around it (services/fs/fat_fs_pd.cpp), so host
// tests run it against real volumes and hostile clients. It serves several clients of one volume
// (LionsOS's file servers serve one each): every client has its own queue, its own data region
// and its own table of handles, and a handle number means something only in its owner's table.
// The clients take turns, one command each per round, so a busy client cannot starve the others.
//
// The volume is synchronous, but over a device that batches (BatchingDevice: the service's
// BlockQueueDevice) a read or a write need not hold up the next command while its file data
// moves: its metadata work is done at once, its whole sectors in the client's region are left in
// flight, and its completion waits for them. That is done when there is a next command to run
// meanwhile (waiting, or itself in flight), so one client's large transfer does not hold up the
// others, and for every large transfer, so a client streaming a file keeps the disk busy. Only
// reads and writes overlap like that: any other command first waits for everything in flight (a
// truncate or unlink may free clusters a read in flight still reads, and must not hand them to
// another file first). Reads and writes that touch the same sectors are ordered by the device
// (block_queue_device.hpp, "Ordering"). Completions still go out in each client's command order
// (fs_protocol.hpp), held back behind an earlier command still in flight.
namespace kaal::services::fs {

// A block device whose deferred transfers (fat::DeferringBlockDevice) are grouped in batches
// that it reports finished.
template <typename D>
concept BatchingDevice = fat::DeferringBlockDevice<D> && requires(D& d, typename D::Batch b) {
    { d.open_batch() } -> std::same_as<Result<typename D::Batch>>;
    { d.close_batch(b) } -> std::same_as<Result<bool>>;
    { d.busy() } -> std::same_as<bool>;
    { d.may_sleep() } -> std::same_as<bool>;
    { d.drain() } -> std::same_as<Status>;
    d.take_finished([](typename D::Batch, Error) {});
};

template <typename Volume, std::size_t MaxClients, std::size_t HandlesPerClient = 16>
class FsServer {
    using Device = std::remove_reference_t<decltype(std::declval<Volume&>().device())>;

public:
    // Whether reads and writes overlap (see the top).
    static constexpr bool batching = BatchingDevice<Device>;
    // A read or a write this large is left in flight even with nothing yet to overlap it with.
    // Below it, that cost more than it gained on seL4 (256 KiB reads one at a time took 10-100%
    // longer, docs/performance.md "Storage"): the pipelining pays only when a command's own
    // disk time is long against the extra wake-up.
    static constexpr std::uint32_t overlap_bytes = 0x8'0000;

    explicit FsServer(Volume& volume) : volume_(&volume) {}

    // Adds a client: its queue and its data region. Returns its index.
    Result<std::size_t> add_client(const FsQueue& queue, std::span<std::uint8_t> data) {
        if (count_ == MaxClients) {
            return Error::out_of_slots;
        }
        clients_[count_] = Client{};
        clients_[count_].queue.emplace(queue);
        clients_[count_].data = data;
        return count_++;
    }

    // While the volume cannot be used (no filesystem, a corrupt boot sector), every command is
    // answered with `why`, so clients learn it instead of waiting.
    void set_unavailable(Error why) { unavailable_ = why; }
    void set_available() { unavailable_ = Error::ok; }

    // Answers what the device has finished and runs the clients' commands, round-robin, until
    // every command ring is empty or every client with commands has a full completion ring,
    // and no answer from the device is waiting (each re-checked after asking for a signal: the
    // lost wake-up). Call it again when the device's channel or a client's is notified.
    // `notify(i)` is called for each client whose completion ring asks for a signal. Returns
    // the number of commands run.
    template <typename Notify>
    std::size_t serve(Notify&& notify) {
        std::size_t ran = 0;
        for (;;) {
            bool progress = true;
            while (progress) {
                progress = reap();
                for (std::size_t i = 0; i < count_; ++i) {
                    if (run_one(clients_[i])) {
                        progress = true;
                        ++ran;
                    }
                }
            }
            bool more = false;
            for (std::size_t i = 0; i < count_; ++i) {
                Client& c = clients_[i];
                bool woken = false;
                if (!has_room(c)) {
                    // A full completion ring: ask the client for a signal when it frees a slot.
                    // Unless a command is still in flight: the device's signal comes first.
                    woken = !in_flight(c) && !c.queue->completions.producer_may_sleep();
                } else {
                    woken = !c.queue->commands.consumer_may_sleep();
                }
                more = more || woken;
            }
            if constexpr (batching) {
                // Answers that came after the last look: the device's re-check.
                more = more || !volume_->device().may_sleep();
            }
            if (!more) {
                break;
            }
        }
        // One signal per client at most, for either reason: producer_needs_signal() consumed
        // its request for command room, so that request is honoured here even if it asked for
        // no completion signal.
        for (std::size_t i = 0; i < count_; ++i) {
            Client& c = clients_[i];
            const bool wants_completion =
                c.answered && c.queue->completions.consumer_needs_signal();
            if (c.room_owed || wants_completion) {
                notify(i);
            }
            c.answered = false;
            c.room_owed = false;
        }
        return ran;
    }

    // Open handles of a client, for tests and for the PD's report.
    [[nodiscard]] std::size_t open_handles(std::size_t client) const {
        std::size_t n = 0;
        for (const Handle& h : clients_[client].handles) {
            n += h.used ? 1 : 0;
        }
        return n;
    }

private:
    struct Handle {
        bool used = false;
        typename Volume::Handle volume_handle{};
    };
    // A command taken, whose completion waits until it has run and its batch (if it left one
    // in flight) is done, and for the commands before it.
    struct Pending {
        FsCompletion done{};
        std::uint32_t batch = 0;
        bool finished = false;
        bool in_batch = false;
    };
    struct Client {
        std::optional<FsQueue> queue;
        std::span<std::uint8_t> data;
        std::array<Handle, HandlesPerClient> handles{};
        std::array<Pending, fs_queue_capacity> pending{}; // oldest at `first`
        std::size_t first = 0;
        std::size_t pending_count = 0;
        bool answered = false;  // completions pushed since the last serve() ended
        bool room_owed = false; // it slept on a full command ring, and asked to be woken
    };

    // Room in the completion ring for every command run and not yet answered, and one more.
    [[nodiscard]] static bool has_room(Client& c) {
        return c.queue->completions.free_slots() > c.pending_count;
    }
    [[nodiscard]] static bool in_flight(const Client& c) {
        for (std::size_t k = 0; k < c.pending_count; ++k) {
            if (c.pending[(c.first + k) % c.pending.size()].in_batch) {
                return true;
            }
        }
        return false;
    }

    // One command of `c`, if it has one and room for its completion.
    bool run_one(Client& c) {
        if (!has_room(c)) {
            return false;
        }
        auto cmd = c.queue->commands.pop();
        if (!cmd) {
            return false;
        }
        if (c.queue->commands.producer_needs_signal()) {
            c.room_owed = true;
        }
        // has_room bounds pending_count below the completion ring's capacity, which is this.
        // Not finished while it runs: a wait in it may answer the commands before it, and must
        // not answer this one too.
        Pending& p = c.pending[(c.first + c.pending_count++) % c.pending.size()];
        p = Pending{};
        p.done.id = cmd->id;
        if (unavailable_ != Error::ok) {
            p.done.status = unavailable_;
        } else if constexpr (batching) {
            run_batched(c, *cmd, p);
        } else {
            p.done.status = run(c, *cmd, p.done, fat::Defer::no).error();
        }
        p.finished = !p.in_batch;
        answer(c);
        return true;
    }

    // A read or a write in a batch of its own, left in flight; anything else once nothing is.
    void run_batched(Client& c, const FsCommand& cmd, Pending& p) {
        Device& device = volume_->device();
        if (cmd.op != FsOp::read && cmd.op != FsOp::write) {
            if (device.busy()) {
                if (auto drained = device.drain(); !drained) {
                    p.done.status = drained.error();
                    return;
                }
                reap();
            }
            p.done.status = run(c, cmd, p.done, fat::Defer::no).error();
            return;
        }
        // Leaving a command in flight costs a turn of this loop and a wake-up more than waiting
        // for it here (about 1.3 us under -icount, docs/performance.md), so a small one is left
        // only when there is something to overlap it with: another command waiting, or one in
        // flight. A large one always is: its client may be streaming, and runs below this
        // service, so its next command arrives only once this one waits for the disk; waiting
        // here would keep it from starting until this one is done.
        if (cmd.length < overlap_bytes && !device.busy() && !commands_waiting()) {
            p.done.status = run(c, cmd, p.done, fat::Defer::no).error();
            return;
        }
        // No batch free: the command runs as it would without batches.
        auto batch = device.open_batch();
        p.done.status = run(c, cmd, p.done, batch ? fat::Defer::allowed : fat::Defer::no).error();
        if (!batch) {
            return;
        }
        auto left = device.close_batch(*batch);
        if (!left) {
            p.done.status = p.done.status == Error::ok ? left.error() : p.done.status;
        } else if (*left) {
            p.batch = *batch;
            p.in_batch = true;
        }
    }

    [[nodiscard]] bool commands_waiting() {
        for (std::size_t i = 0; i < count_; ++i) {
            if (clients_[i].queue->commands.available() != 0) {
                return true;
            }
        }
        return false;
    }

    // Batches the device has finished mark their commands finished; whatever can be answered
    // is. True if a batch finished.
    bool reap() {
        if constexpr (batching) {
            bool finished = false;
            volume_->device().take_finished([&](std::uint32_t batch, Error status) {
                finished = true;
                for (std::size_t i = 0; i < count_; ++i) {
                    Client& c = clients_[i];
                    for (std::size_t k = 0; k < c.pending_count; ++k) {
                        Pending& p = c.pending[(c.first + k) % c.pending.size()];
                        if (p.in_batch && p.batch == batch) {
                            p.in_batch = false;
                            p.finished = true;
                            p.done.status = p.done.status == Error::ok ? status : p.done.status;
                        }
                    }
                }
            });
            for (std::size_t i = 0; finished && i < count_; ++i) {
                answer(clients_[i]);
            }
            return finished;
        }
        return false;
    }

    // The client's finished commands at the front, in order.
    static void answer(Client& c) {
        while (c.pending_count > 0 && c.pending[c.first].finished) {
            // has_room saw room for every command pending, and only this side pushes.
            static_cast<void>(c.queue->completions.push(c.pending[c.first].done));
            c.first = (c.first + 1) % c.pending.size();
            --c.pending_count;
            c.answered = true;
        }
    }

    [[nodiscard]] static bool in_region(const Client& c, std::uint64_t offset, std::uint64_t len) {
        return offset <= c.data.size() && len <= c.data.size() - offset;
    }

    // A path copied out of the client's region before it is read: the client may rewrite the
    // region while the service works.
    struct Path {
        std::array<char, fs_max_path> bytes{};
        std::size_t len = 0;
        [[nodiscard]] std::string_view view() const { return {bytes.data(), len}; }
    };
    static Result<Path> copy_path(const Client& c, std::uint64_t offset, std::uint32_t len) {
        if (len == 0 || len > fs_max_path || !in_region(c, offset, len)) {
            return Error::malformed_message;
        }
        Path p;
        std::memcpy(p.bytes.data(), c.data.data() + offset, len);
        p.len = len;
        if (std::string_view{p.bytes.data(), len}.find('\0') != std::string_view::npos) {
            return Error::bad_name;
        }
        return p;
    }

    static Result<Handle*> handle(Client& c, std::uint32_t h) {
        if (h >= c.handles.size() || !c.handles[h].used) {
            return Error::invalid_argument; // EBADF: not one of this client's handles
        }
        return &c.handles[h];
    }

    static FsStat to_wire(const fat::Stat& s) {
        return FsStat{s.size,          s.directory ? 1u : 0u, s.attributes,  s.modified.date,
                      s.modified.time, s.created.date,        s.created.time};
    }

    template <typename T>
    static Status put(Client& c, std::uint64_t offset, std::uint32_t len, const T& value) {
        if (len < sizeof(T) || !in_region(c, offset, sizeof(T))) {
            return Error::no_space;
        }
        std::memcpy(c.data.data() + offset, &value, sizeof(T));
        return {};
    }

    Status run(Client& c, const FsCommand& cmd, FsCompletion& done, fat::Defer defer) {
        switch (cmd.op) {
        case FsOp::open: {
            if ((cmd.flags & ~open_flag::all) != 0) {
                return Error::invalid_argument;
            }
            KAAL_TRY(const Path path, copy_path(c, cmd.path, cmd.path_len));
            std::size_t slot = c.handles.size();
            for (std::size_t i = 0; i < c.handles.size() && slot == c.handles.size(); ++i) {
                slot = c.handles[i].used ? slot : i;
            }
            if (slot == c.handles.size()) {
                return Error::out_of_slots; // EMFILE
            }
            const fat::OpenMode mode{
                (cmd.flags & open_flag::create) != 0, (cmd.flags & open_flag::exclusive) != 0,
                (cmd.flags & open_flag::truncate) != 0, (cmd.flags & open_flag::directory) != 0};
            KAAL_TRY(const auto vh, volume_->open(path.view(), mode));
            c.handles[slot] = Handle{true, vh};
            done.value = slot;
            return {};
        }
        case FsOp::close: {
            KAAL_TRY(Handle * h, handle(c, cmd.handle));
            h->used = false;
            return volume_->close(h->volume_handle);
        }
        case FsOp::read:
        case FsOp::write: {
            KAAL_TRY(Handle * h, handle(c, cmd.handle));
            if (!in_region(c, cmd.data, cmd.length)) {
                return Error::range_error;
            }
            std::uint8_t* buf = c.data.data() + cmd.data;
            if (cmd.op == FsOp::read) {
                KAAL_TRY(const std::size_t n,
                         volume_->read(h->volume_handle, cmd.offset, {buf, cmd.length}, defer));
                done.value = n;
            } else {
                KAAL_TRY(const std::size_t n,
                         volume_->write(h->volume_handle, cmd.offset, {buf, cmd.length}, defer));
                done.value = n;
            }
            return {};
        }
        case FsOp::truncate: {
            KAAL_TRY(Handle * h, handle(c, cmd.handle));
            return volume_->truncate(h->volume_handle, cmd.offset);
        }
        case FsOp::stat: {
            fat::Stat s{};
            if (cmd.path_len != 0) {
                KAAL_TRY(const Path path, copy_path(c, cmd.path, cmd.path_len));
                KAAL_TRY(s, volume_->stat(path.view()));
            } else {
                KAAL_TRY(Handle * h, handle(c, cmd.handle));
                KAAL_TRY(s, volume_->stat(h->volume_handle));
            }
            return put(c, cmd.data, cmd.length, to_wire(s));
        }
        case FsOp::readdir: {
            KAAL_TRY(Handle * h, handle(c, cmd.handle));
            if (cmd.offset > 0xffff'ffffu) {
                return Error::range_error;
            }
            if (cmd.length < sizeof(FsDirEntry) || !in_region(c, cmd.data, sizeof(FsDirEntry))) {
                return Error::no_space;
            }
            auto cookie = static_cast<std::uint32_t>(cmd.offset);
            fat::DirEntry e{};
            KAAL_TRY(const bool got, volume_->readdir(h->volume_handle, cookie, e));
            if (got) {
                FsDirEntry wire; // NOLINT(cppcoreguidelines-pro-type-member-init): memset next
                // Padding too: the whole record lands in the client's memory.
                std::memset(&wire, 0, sizeof wire);
                wire.stat = to_wire(e.stat);
                wire.name_len = static_cast<std::uint32_t>(e.name_len);
                std::memcpy(wire.name, e.name.data(), e.name_len);
                KAAL_CHECK(put(c, cmd.data, cmd.length, wire));
            }
            done.value = got ? cookie : 0;
            done.value2 = got ? 1 : 0;
            return {};
        }
        case FsOp::mkdir:
        case FsOp::rmdir:
        case FsOp::unlink: {
            KAAL_TRY(const Path path, copy_path(c, cmd.path, cmd.path_len));
            return cmd.op == FsOp::mkdir   ? volume_->mkdir(path.view())
                   : cmd.op == FsOp::rmdir ? volume_->rmdir(path.view())
                                           : volume_->unlink(path.view());
        }
        case FsOp::rename: {
            KAAL_TRY(const Path from, copy_path(c, cmd.path, cmd.path_len));
            KAAL_TRY(const Path to, copy_path(c, cmd.path2, cmd.path2_len));
            return volume_->rename(from.view(), to.view());
        }
        case FsOp::sync: return volume_->sync();
        case FsOp::statfs: {
            KAAL_TRY(const fat::VolumeStats v, volume_->statfs());
            FsVolumeStats wire{v.cluster_bytes, v.clusters, v.free_clusters, {}};
            const std::string_view type = fat::to_string(v.type);
            std::memcpy(wire.type, type.data(), type.size());
            return put(c, cmd.data, cmd.length, wire);
        }
        }
        return Error::malformed_message; // an op this protocol does not have
    }

    Volume* volume_;
    std::array<Client, MaxClients> clients_{};
    std::size_t count_ = 0;
    Error unavailable_ = Error::ok;
};

} // namespace kaal::services::fs
