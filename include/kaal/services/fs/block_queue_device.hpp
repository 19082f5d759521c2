// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include <kaal/core/copy_bytes.hpp>
#include <kaal/core/result.hpp>
#include <kaal/dddk/block_queue.hpp>

// The FAT library's BlockDevice over a block queue to the virtualiser: what the filesystem
// service sees of its partition. Requests go out in pieces of `bounce` (the service's DMA data
// region, which the device reads and writes), several in flight at once so the device works on
// one while the next is queued; the caller's bytes are copied to or from the bounce region.
// Unless they lie in a window: memory the virtualiser also lets the device reach for this
// service (its clients' data regions, kaal::composer::BlockStorage::add_window). Whole sectors
// there go straight between the disk and the caller's bytes, with no copy and no bounce.
//
// read, write and flush are synchronous, as the FAT library is: each waits for its responses.
// `wait()` returns once the queue's channel may have been notified (kaal::wait_for on seL4,
// which keeps the PD answering other events meanwhile; a function that plays the virtualiser in
// host tests). Before waiting, the response ring asks for a signal and is re-checked, so a
// response that lands between the last look and the wait is not slept through.
//
// Deferred transfers let the service overlap one command's disk time with the next command
// (fs_server.hpp). Between open_batch and close_batch, start_read and start_write put whole
// sectors in a window in flight and return without waiting; the batch finishes when the last of
// them is answered, and take_finished hands it back. Responses are taken whenever this device
// looks (a synchronous wait, poll), so a batch can finish while another call waits.
//
// Ordering. The virtualiser and the device may answer requests in any order (virtio 1.2 2.7.13:
// used buffers need not come back in the order made available), so nothing here may rely on
// it: a request that overlaps a write still in flight, or a write that overlaps any request
// still in flight, waits for those before it is sent. A read therefore sees every write sent
// before it, and a write lands after every earlier request to its sectors. flush waits for
// everything in flight: VIRTIO_BLK_T_FLUSH covers only writes already completed (virtio 1.2
// 5.2.6.1).
namespace kaal::services::fs {

template <typename Wait, typename Notify>
class BlockQueueDevice {
public:
    static constexpr std::size_t sector = 512;
    // Every request in flight has a slot in the ring, so none waits there for room.
    static constexpr std::size_t max_in_flight = dddk::block_queue_capacity;
    static constexpr std::size_t max_batches = 32;
    static constexpr std::size_t max_windows = 16;
    // A request into a window: as large as the raw benchmark's (docs/performance.md), so that
    // several are in flight for one large transfer.
    static constexpr std::size_t window_piece_bytes = 0x2'0000;
    // A synchronous round: as many pieces as a large transfer needs to keep the device busy.
    static constexpr std::size_t round_pieces = 8;

    using Batch = std::uint32_t;

    BlockQueueDevice(dddk::BlockQueue queue, std::span<std::uint8_t> bounce, Wait wait,
                     Notify notify)
        : queue_(queue), bounce_(bounce), wait_(wait), notify_(notify) {}

    // `region`, as mapped here, which the device reaches at `block_offset` among this queue's
    // offsets. Errors: no_space (max_windows already), invalid_argument (an offset that is not
    // sector-aligned, or a region that overlaps the bounce region or another window).
    Status add_window(std::span<std::uint8_t> region, Word block_offset) {
        if (windows_count_ == max_windows) {
            return Error::no_space;
        }
        const auto overlaps = [&region](std::span<const std::uint8_t> other) {
            return region.data() < other.data() + other.size() &&
                   other.data() < region.data() + region.size();
        };
        if (block_offset % sector != 0 || region.empty() || overlaps(bounce_)) {
            return Error::invalid_argument;
        }
        for (std::size_t i = 0; i < windows_count_; ++i) {
            if (overlaps(windows_[i].region)) {
                return Error::invalid_argument;
            }
        }
        windows_[windows_count_++] = {region, block_offset};
        return {};
    }

    // The partition's size, once the virtualiser has published it (dddk::BlockQueueInfo).
    [[nodiscard]] bool ready() { return queue_.info->published(); }
    [[nodiscard]] std::uint64_t sector_count() const { return sectors_; }
    [[nodiscard]] bool read_only() const { return read_only_; }
    Status start() {
        if (!queue_.info->published()) {
            return Error::queue_empty;
        }
        sectors_ = queue_.info->sectors;
        read_only_ = queue_.info->read_only != 0;
        return sectors_ == 0 ? Status{Error::not_found} : Status{};
    }

    Status read(std::uint64_t lba, std::span<std::uint8_t> out) {
        return transfer(dddk::BlockRequestMessage::read, lba, out.data(), out.size());
    }
    Status write(std::uint64_t lba, std::span<const std::uint8_t> in) {
        if (read_only_) {
            return Error::not_permitted;
        }
        // transfer only reads through the pointer for a write
        return transfer(dddk::BlockRequestMessage::write, lba, const_cast<std::uint8_t*>(in.data()),
                        in.size());
    }
    Status flush() {
        KAAL_CHECK(drain());
        std::array<std::size_t, 1> slot{};
        KAAL_TRY(slot[0], submit({dddk::BlockRequestMessage::flush, 0, 0, 0, 0}, no_batch));
        return await(slot);
    }

    // ---- deferred transfers -----------------------------------------------------------------

    // A batch for the transfers started until close_batch. Error: out_of_slots when every
    // batch is in flight or finished and not yet taken.
    Result<Batch> open_batch() {
        for (std::size_t b = 0; b < max_batches; ++b) {
            if (!batches_[b].used) {
                batches_[b] = BatchState{true, true, 0, Error::ok};
                open_ = static_cast<Batch>(b);
                return open_;
            }
        }
        return Error::out_of_slots;
    }

    // Ends the batch: true when some of it is still in flight (take_finished reports it
    // later), false when all of it is done, with the error of any piece that failed. Error:
    // invalid_argument for a batch that is not the open one.
    Result<bool> close_batch(Batch b) {
        if (b != open_) {
            return Error::invalid_argument;
        }
        open_ = no_batch;
        BatchState& s = batches_[b];
        s.open = false;
        if (s.left != 0) {
            return true;
        }
        const Error status = s.status;
        s = BatchState{};
        if (status != Error::ok) {
            return status;
        }
        return false;
    }

    // Whole sectors of a window, put in flight in the open batch: true if they were, false if
    // the caller must move them itself (no open batch, or not whole sectors in one window).
    Result<bool> start_read(std::uint64_t lba, std::span<std::uint8_t> out) {
        return start(dddk::BlockRequestMessage::read, lba, out.data(), out.size());
    }
    Result<bool> start_write(std::uint64_t lba, std::span<const std::uint8_t> in) {
        if (read_only_) {
            return Error::not_permitted;
        }
        return start(dddk::BlockRequestMessage::write, lba, const_cast<std::uint8_t*>(in.data()),
                     in.size());
    }

    // Takes every response already there, without waiting; then `done(batch, status)` for each
    // batch that has finished, which is free again afterwards.
    template <typename Done>
    void take_finished(Done&& done) {
        take_responses();
        for (std::size_t b = 0; finished_ != 0 && b < max_batches; ++b) {
            BatchState& s = batches_[b];
            if (s.used && !s.open && s.left == 0) {
                const Error status = s.status;
                s = BatchState{};
                --finished_;
                done(static_cast<Batch>(b), status);
            }
        }
    }

    // Deferred requests in flight?
    [[nodiscard]] bool busy() const { return deferred_in_flight_ != 0; }

    // True when nothing is in flight, or when the response ring has asked for a signal and is
    // still empty: then the caller may sleep until this queue's channel is notified.
    [[nodiscard]] bool may_sleep() {
        return deferred_in_flight_ == 0 || queue_.responses.consumer_may_sleep();
    }

    // Waits until no deferred request is in flight (their batches are then finished).
    Status drain() {
        while (deferred_in_flight_ != 0) {
            KAAL_CHECK(wait_for_response());
        }
        return {};
    }

    // Requests answered with an id this device never used: a confused or hostile peer.
    [[nodiscard]] std::uint64_t bogus_responses() const { return bogus_; }

private:
    static constexpr Batch no_batch = ~Batch{0};

    struct Piece {
        bool used = false;
        bool done = false;
        bool abandoned = false; // its waiter gave up (a failed wait): freed when answered
        bool write = false;
        Batch batch = no_batch;
        std::uint64_t id = 0;
        std::uint64_t lba = 0;
        std::uint32_t count = 0;
        Error status = Error::ok;
    };
    struct BatchState {
        bool used = false;
        bool open = false;
        std::uint32_t left = 0; // pieces in flight
        Error status = Error::ok;
    };
    struct Window {
        std::span<std::uint8_t> region;
        Word block_offset = 0;
    };

    // The block offset of `bytes` at `data` if they lie wholly in one window, sector-aligned in
    // it (the protocol's offsets are whole sectors).
    [[nodiscard]] std::optional<Word> window_offset(const std::uint8_t* data,
                                                    std::size_t bytes) const {
        for (std::size_t i = 0; i < windows_count_; ++i) {
            const Window& w = windows_[i];
            const auto at = reinterpret_cast<std::uintptr_t>(data);
            const auto base = reinterpret_cast<std::uintptr_t>(w.region.data());
            if (at >= base && at - base < w.region.size()) {
                const std::uintptr_t in = at - base;
                if (bytes > w.region.size() - in || in % sector != 0) {
                    return std::nullopt;
                }
                return w.block_offset + in;
            }
        }
        return std::nullopt;
    }

    Status transfer(std::uint32_t op, std::uint64_t lba, std::uint8_t* data, std::size_t bytes) {
        if (bytes % sector != 0) {
            return Error::invalid_argument;
        }
        if (const auto offset = window_offset(data, bytes)) {
            return transfer_direct(op, lba, *offset, bytes);
        }
        return transfer_bounced(op, lba, data, bytes);
    }

    Result<bool> start(std::uint32_t op, std::uint64_t lba, std::uint8_t* data, std::size_t bytes) {
        const auto offset = window_offset(data, bytes);
        if (open_ == no_batch || bytes % sector != 0 || !offset) {
            return false;
        }
        for (std::size_t done = 0; done < bytes;) {
            const std::size_t len = std::min(window_piece_bytes, bytes - done);
            KAAL_CHECK(submit({op, static_cast<std::uint32_t>(len / sector), lba + done / sector,
                               *offset + done, 0},
                              open_));
            done += len;
        }
        kick();
        return true;
    }

    // Rounds of pieces, straight between the disk and the window.
    Status transfer_direct(std::uint32_t op, std::uint64_t lba, Word offset, std::size_t bytes) {
        while (bytes > 0) {
            std::array<std::size_t, round_pieces> slots{};
            std::size_t n = 0;
            std::size_t round = 0;
            while (n < round_pieces && round < bytes) {
                const std::size_t len = std::min(window_piece_bytes, bytes - round);
                KAAL_CHECK(add_to_round({op, static_cast<std::uint32_t>(len / sector),
                                         lba + round / sector, offset + round, 0},
                                        slots, n));
                round += len;
            }
            KAAL_CHECK(await(std::span{slots.data(), n}));
            offset += round;
            lba += round / sector;
            bytes -= round;
        }
        return {};
    }

    // One round: as many pieces as the bounce region holds, all in flight, then copied.
    Status transfer_bounced(std::uint32_t op, std::uint64_t lba, std::uint8_t* data,
                            std::size_t bytes) {
        const std::size_t piece_bytes =
            std::max<std::size_t>(sector, bounce_.size() / round_pieces / sector * sector);
        while (bytes > 0) {
            std::array<std::size_t, round_pieces> slots{};
            std::size_t n = 0;
            std::size_t round = 0;
            while (n < round_pieces && round < bytes && round + sector <= bounce_.size()) {
                const std::size_t len =
                    std::min({piece_bytes, bytes - round, bounce_.size() - round});
                if (op == dddk::BlockRequestMessage::write) {
                    copy_bytes(bounce_.data() + round, data + round, len);
                }
                KAAL_CHECK(add_to_round(
                    {op, static_cast<std::uint32_t>(len / sector), lba + round / sector, round, 0},
                    slots, n));
                round += len;
            }
            KAAL_CHECK(await(std::span{slots.data(), n}));
            if (op == dddk::BlockRequestMessage::read) {
                copy_bytes(data, bounce_.data(), round);
            }
            data += round;
            lba += round / sector;
            bytes -= round;
        }
        return {};
    }

    // Does a request for [lba, lba + count) have to wait for one in flight? See the top. The
    // counts spare a read the scan while no write is in flight, the common case.
    [[nodiscard]] bool conflicts(std::uint64_t lba, std::uint32_t count, bool write) const {
        if (write ? in_flight_ == 0 : writes_in_flight_ == 0) {
            return false;
        }
        // Nor the scan when it lies outside every piece in flight: a large transfer's pieces
        // follow one another.
        if (lba >= span_end_ || lba + count <= span_first_) {
            return false;
        }
        return std::any_of(pieces_.begin(), pieces_.end(), [&](const Piece& p) {
            return p.used && !p.done && (write || p.write) && lba < p.lba + p.count &&
                   p.lba < lba + count;
        });
    }

    // Queues a request in a free slot, once nothing it conflicts with is in flight, without
    // signalling: a round's requests reach the virtualiser with one signal (kick), so it takes
    // them all in one wake-up instead of preempting this PD after each (it runs at a higher
    // priority, include/kaal/composer/file_system.hpp). Returns the slot.
    Result<std::size_t> submit(dddk::BlockRequestMessage m, Batch batch) {
        const bool write = m.op == dddk::BlockRequestMessage::write;
        for (;;) {
            const auto free = std::find_if(pieces_.begin(), pieces_.end(),
                                           [](const Piece& p) { return !p.used; });
            if (free != pieces_.end() && !conflicts(m.sector, m.count, write)) {
                const auto slot = static_cast<std::size_t>(free - pieces_.begin());
                // The slot is in the id, so an answer finds its piece without a search (and a
                // forged one finds a piece with another id).
                m.id = ++last_id_ * max_in_flight + slot;
                *free = Piece{true, false, false, write, batch, m.id, m.sector, m.count};
                span_first_ = in_flight_ == 0 ? m.sector : std::min(span_first_, m.sector);
                span_end_ =
                    in_flight_ == 0 ? m.sector + m.count : std::max(span_end_, m.sector + m.count);
                ++in_flight_;
                writes_in_flight_ += write ? 1 : 0;
                if (batch != no_batch) {
                    ++batches_[batch].left;
                    ++deferred_in_flight_;
                }
                // Room is certain: every request in flight holds a slot here, and there are
                // no more of those than the ring has.
                KAAL_CHECK(queue_.requests.push(m));
                return slot;
            }
            KAAL_CHECK(wait_for_response());
        }
    }

    // Queues a piece of a synchronous round as slots[n++]; when it cannot be, the round's
    // earlier pieces are abandoned, for nobody will wait for them.
    Status add_to_round(dddk::BlockRequestMessage m, std::span<std::size_t> slots, std::size_t& n) {
        auto slot = submit(m, no_batch);
        if (!slot) {
            abandon(slots.first(n));
            return slot.error();
        }
        slots[n++] = *slot;
        return {};
    }

    void kick() {
        if (queue_.requests.consumer_needs_signal()) {
            notify_();
        }
    }

    // Sends what is queued and waits for any response.
    Status wait_for_response() {
        kick();
        if (take_responses() == 0 && queue_.responses.consumer_may_sleep()) {
            KAAL_CHECK(wait_());
        }
        take_responses();
        return {};
    }

    // Every response there, matched to its piece; a piece done frees its slot once its waiter
    // has seen it (await), or at once for a deferred one, whose batch keeps the status.
    std::size_t take_responses() {
        std::size_t taken = 0;
        while (auto r = queue_.responses.pop()) {
            ++taken;
            Piece* p = &pieces_[r->id % max_in_flight];
            if (!p->used || p->done || p->id != r->id) {
                ++bogus_;
                continue;
            }
            p->done = true;
            --in_flight_;
            writes_in_flight_ -= p->write ? 1 : 0;
            p->status = to_error(r->status, r->count == p->count);
            if (p->abandoned) {
                *p = Piece{};
            } else if (p->batch != no_batch) {
                BatchState& b = batches_[p->batch];
                b.status = b.status == Error::ok ? p->status : b.status;
                --b.left;
                finished_ += b.left == 0 && !b.open ? 1 : 0;
                --deferred_in_flight_;
                *p = Piece{};
            }
        }
        if (taken != 0 && queue_.responses.producer_needs_signal()) {
            notify_();
        }
        return taken;
    }

    Status await(std::span<const std::size_t> slots) {
        kick();
        const auto all_done = [&] {
            return std::all_of(slots.begin(), slots.end(),
                               [&](std::size_t s) { return pieces_[s].done; });
        };
        take_responses();
        while (!all_done()) {
            if (auto waited = wait_for_response(); !waited) {
                abandon(slots);
                return waited;
            }
        }
        Error status = Error::ok;
        for (const std::size_t s : slots) {
            status = status == Error::ok ? pieces_[s].status : status;
            pieces_[s] = Piece{};
        }
        return status == Error::ok ? Status{} : Status{status};
    }

    // A synchronous round that cannot be waited for: its answered pieces are freed now, the
    // others when their answers come.
    void abandon(std::span<const std::size_t> slots) {
        for (const std::size_t s : slots) {
            pieces_[s].abandoned = true;
            pieces_[s] = pieces_[s].done ? Piece{} : pieces_[s];
        }
    }

    static Error to_error(std::uint32_t status, bool whole) {
        using M = dddk::BlockResponseMessage;
        switch (status) {
        case M::ok: return whole ? Error::ok : Error::io_error;
        case M::io_error: return Error::io_error;
        case M::unsupported: return Error::unsupported;
        case M::out_of_range: return Error::range_error;
        case M::read_only: return Error::not_permitted;
        case M::no_partition: return Error::not_found;
        default: return Error::invalid_argument;
        }
    }

    dddk::BlockQueue queue_;
    std::span<std::uint8_t> bounce_;
    std::array<Window, max_windows> windows_{};
    std::size_t windows_count_ = 0;
    Wait wait_;
    Notify notify_;
    std::uint64_t sectors_ = 0;
    bool read_only_ = false;
    std::uint64_t last_id_ = 0;
    std::uint64_t bogus_ = 0;
    std::array<Piece, max_in_flight> pieces_{};
    std::size_t in_flight_ = 0; // pieces sent and not yet answered
    std::size_t writes_in_flight_ = 0;
    // Every piece in flight lies in [span_first_, span_end_): it only grows while any is.
    std::uint64_t span_first_ = 0;
    std::uint64_t span_end_ = 0;
    std::array<BatchState, max_batches> batches_{};
    Batch open_ = no_batch;
    std::size_t deferred_in_flight_ = 0;
    std::size_t finished_ = 0; // batches closed, all answered, not yet taken
};

} // namespace kaal::services::fs
