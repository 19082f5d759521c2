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
// The library is synchronous, so each call waits for its responses: `wait()` returns once the
// queue's channel may have been notified (kaal::wait_for on seL4, which keeps the PD answering
// other events meanwhile; a function that plays the virtualiser in host tests). Before waiting,
// the response ring asks for a signal and is re-checked, so a response that lands between the
// last look and the wait is not slept through.
namespace kaal::services::fs {

template <typename Wait, typename Notify>
class BlockQueueDevice {
public:
    static constexpr std::size_t sector = 512;
    static constexpr std::size_t max_in_flight = 8;
    static constexpr std::size_t max_windows = 16;
    // A request into a window: as large as the raw benchmark's (docs/performance.md), so that
    // several are in flight for one large transfer.
    static constexpr std::size_t window_piece_bytes = 0x2'0000;

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
        Piece p{};
        KAAL_CHECK(submit({dddk::BlockRequestMessage::flush, 0, 0, 0, 0}, p));
        return await(std::span{&p, 1});
    }

    // Requests answered with an id this device never used: a confused or hostile peer.
    [[nodiscard]] std::uint64_t bogus_responses() const { return bogus_; }

private:
    struct Piece {
        std::uint64_t id = 0;
        std::uint32_t count = 0;
        bool done = false;
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

    // Rounds of up to max_in_flight pieces, straight between the disk and the window.
    Status transfer_direct(std::uint32_t op, std::uint64_t lba, Word offset, std::size_t bytes) {
        while (bytes > 0) {
            std::array<Piece, max_in_flight> pieces{};
            std::size_t n = 0;
            std::size_t round = 0;
            while (n < max_in_flight && round < bytes) {
                const std::size_t len = std::min(window_piece_bytes, bytes - round);
                KAAL_CHECK(submit({op, static_cast<std::uint32_t>(len / sector),
                                   lba + round / sector, offset + round, 0},
                                  pieces[n]));
                ++n;
                round += len;
            }
            KAAL_CHECK(await(std::span{pieces.data(), n}));
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
            std::max<std::size_t>(sector, bounce_.size() / max_in_flight / sector * sector);
        while (bytes > 0) {
            std::array<Piece, max_in_flight> pieces{};
            std::size_t n = 0;
            std::size_t round = 0;
            while (n < max_in_flight && round < bytes && round + sector <= bounce_.size()) {
                const std::size_t len =
                    std::min({piece_bytes, bytes - round, bounce_.size() - round});
                if (op == dddk::BlockRequestMessage::write) {
                    copy_bytes(bounce_.data() + round, data + round, len);
                }
                KAAL_CHECK(submit(
                    {op, static_cast<std::uint32_t>(len / sector), lba + round / sector, round, 0},
                    pieces[n]));
                ++n;
                round += len;
            }
            KAAL_CHECK(await(std::span{pieces.data(), n}));
            if (op == dddk::BlockRequestMessage::read) {
                copy_bytes(data, bounce_.data(), round);
            }
            data += round;
            lba += round / sector;
            bytes -= round;
        }
        return {};
    }

    // Queues a request without signalling: a round's requests reach the virtualiser with one
    // signal (kick, from await), so it takes them all in one wake-up instead of preempting
    // this PD after each (it runs at a higher priority, include/kaal/composer/file_system.hpp).
    Status submit(dddk::BlockRequestMessage m, Piece& p) {
        m.id = ++last_id_;
        p = Piece{m.id, m.count, false, Error::ok};
        while (!queue_.requests.push(m).ok()) {
            // Full: the virtualiser drains it, once it knows there is something to drain; wait
            // for its signal, then look again.
            kick();
            if (queue_.requests.producer_may_sleep()) {
                KAAL_CHECK(wait_());
            }
        }
        return {};
    }

    void kick() {
        if (queue_.requests.consumer_needs_signal()) {
            notify_();
        }
    }

    Status await(std::span<Piece> pieces) {
        kick();
        std::size_t left = pieces.size();
        while (left > 0) {
            while (auto r = queue_.responses.pop()) {
                Piece* p = nullptr;
                for (Piece& candidate : pieces) {
                    p = !candidate.done && candidate.id == r->id ? &candidate : p;
                }
                if (p == nullptr) {
                    ++bogus_;
                    continue;
                }
                p->done = true;
                p->status = to_error(r->status, r->count == p->count);
                --left;
            }
            if (queue_.responses.producer_needs_signal()) {
                notify_();
            }
            if (left > 0 && queue_.responses.consumer_may_sleep()) {
                KAAL_CHECK(wait_());
            }
        }
        for (const Piece& p : pieces) {
            KAAL_CHECK(Status{p.status});
        }
        return {};
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
};

} // namespace kaal::services::fs
