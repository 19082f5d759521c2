// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <kaal/core/copy_bytes.hpp>
#include <kaal/core/result.hpp>
#include <kaal/dddk/block_queue.hpp>

// The FAT library's BlockDevice over a block queue to the virtualiser: what the filesystem
// service sees of its partition. Requests go out in pieces of `bounce` (the service's DMA data
// region, which the device reads and writes), several in flight at once so the device works on
// one while the next is queued; the caller's bytes are copied to or from the bounce region.
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

    BlockQueueDevice(dddk::BlockQueue queue, std::span<std::uint8_t> bounce, Wait wait,
                     Notify notify)
        : queue_(queue), bounce_(bounce), wait_(wait), notify_(notify) {}

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

    // One round: as many pieces as the bounce region holds, all in flight, then copied.
    Status transfer(std::uint32_t op, std::uint64_t lba, std::uint8_t* data, std::size_t bytes) {
        if (bytes % sector != 0) {
            return Error::invalid_argument;
        }
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

    Status submit(dddk::BlockRequestMessage m, Piece& p) {
        m.id = ++last_id_;
        p = Piece{m.id, m.count, false, Error::ok};
        while (!queue_.requests.push(m).ok()) {
            // Full: the virtualiser drains it; wait for its signal, then look again.
            if (queue_.requests.producer_may_sleep()) {
                KAAL_CHECK(wait_());
            }
        }
        if (queue_.requests.consumer_needs_signal()) {
            notify_();
        }
        return {};
    }

    Status await(std::span<Piece> pieces) {
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
    Wait wait_;
    Notify notify_;
    std::uint64_t sectors_ = 0;
    bool read_only_ = false;
    std::uint64_t last_id_ = 0;
    std::uint64_t bogus_ = 0;
};

} // namespace kaal::services::fs
