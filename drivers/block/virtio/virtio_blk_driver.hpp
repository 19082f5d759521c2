// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include <kaal/broker/device_bundle.hpp>
#include <kaal/broker/device_table.hpp>
#include <kaal/core/result.hpp>
#include <kaal/dddk/block_request.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/virtio/mmio_transport.hpp>
#include <kaal/dddk/virtio/split_queue.hpp>
#include <kaal/dddk/virtio/transport_bundle.hpp>
#include <kaal/platform/channel.hpp>

#include "virtio_blk.hpp"

// The virtio-blk driver: one request queue (virtqueue 0), several requests in flight, each
// completed by the device's interrupt. Zero-copy: a request names its data by physical address,
// in whatever DMA region the caller owns (the block virtualiser translates a client's offsets);
// the driver's own DMA pool holds only the virtqueue, the request headers and the status bytes.
//
// FLUSH is negotiated when the device offers it and sent to the device as a request: a flush
// completes only when the device says its cache reached the medium (5.2.6.2). A device without
// it has no volatile cache to flush (5.2.6.2: writes are then durable on completion), and
// flush() completes at once. A read-only device (VIRTIO_BLK_F_RO) refuses writes here, before
// they reach it.
namespace kaal::drivers::block {

using dddk::BlockRequest;
using dddk::BlockStatus;

template <dddk::RegisterBus Bus>
class VirtioBlkDriver {
public:
    static constexpr std::uint16_t queue_size = 64;
    using Queue = dddk::virtio::SplitQueue<queue_size>;

    // The driver's DMA pool: the queue, then a header per descriptor head, then a status byte
    // per head. Chains are at most three descriptors, so at most queue_size / 2 are in flight
    // (flushes take two).
    static constexpr std::size_t headers_offset = (Queue::bytes + 15) & ~std::size_t{15};
    static constexpr std::size_t status_offset =
        headers_offset + sizeof(virtio_blk::RequestHeader) * queue_size;
    static constexpr std::size_t dma_bytes = status_offset + queue_size;

    // Finds the device behind the transport and brings it up (3.1.1). Errors: no_such_device
    // (no block device there), unsupported (a legacy transport or a device without VERSION_1),
    // no_space (the DMA pool is too small), and the transport's.
    static Result<VirtioBlkDriver> create(Bus bus, const DmaPool& dma) {
        if (!dma.present() || dma.size < dma_bytes) {
            return Error::no_space;
        }
        KAAL_TRY(auto transport, Transport::probe(bus, virtio_blk::device_id));
        KAAL_TRY(const std::uint64_t features,
                 transport.negotiate(virtio_blk::feature::ro | virtio_blk::feature::flush));
        KAAL_TRY(auto queue, Queue::create({dma.vaddr, dma.paddr}));
        if (auto set = transport.set_up_queue(0, queue_size, queue.descriptors_paddr(),
                                              queue.available_paddr(), queue.used_paddr());
            !set) {
            transport.fail();
            return set.error();
        }
        KAAL_TRY(const std::uint64_t capacity, transport.config64(virtio_blk::config::capacity));
        transport.driver_ok();
        return VirtioBlkDriver(transport, queue, dma, features, capacity);
    }

    [[nodiscard]] std::uint64_t capacity_sectors() const { return capacity_; }
    [[nodiscard]] bool read_only() const { return (features_ & virtio_blk::feature::ro) != 0; }
    [[nodiscard]] bool has_flush() const { return (features_ & virtio_blk::feature::flush) != 0; }
    [[nodiscard]] std::size_t in_flight() const { return in_flight_; }
    // Room for one more request of any kind: a read or write takes three descriptors.
    [[nodiscard]] bool can_accept() const { return queue_.free_descriptors() >= 3; }

    // Starts a request; its completion comes through handle_irq. Errors: invalid_argument
    // (bytes not a whole number of sectors, or none), range_error (beyond the device's end),
    // not_permitted (a write to a read-only device), queue_full.
    Status submit(const BlockRequest& r) {
        using virtio_blk::sector_bytes;
        if (r.op == BlockRequest::Op::flush) {
            if (!has_flush()) {
                if (early_count_ - early_taken_ == early_done_.size()) {
                    return Error::queue_full;
                }
                early_done_[early_count_++ % early_done_.size()] = r.cookie;
                return {};
            }
        } else {
            if (r.bytes == 0 || r.bytes % sector_bytes != 0) {
                return Error::invalid_argument;
            }
            const std::uint64_t sectors = r.bytes / sector_bytes;
            if (r.sector > capacity_ || sectors > capacity_ - r.sector) {
                return Error::range_error;
            }
            if (r.op == BlockRequest::Op::write && read_only()) {
                return Error::not_permitted;
            }
        }
        // The header and status byte are the chain head's: the head add() will hand out, which
        // is a descriptor only while one is free.
        const std::size_t needed = r.op == BlockRequest::Op::flush ? 2 : 3;
        if (queue_.free_descriptors() < needed) {
            return Error::queue_full;
        }
        const std::uint16_t head = queue_.next_head();
        std::array<dddk::virtio::QueueBuffer, 3> chain{};
        std::size_t length = 0;
        chain[length++] = {dma_.paddr + headers_offset + head * sizeof(virtio_blk::RequestHeader),
                           sizeof(virtio_blk::RequestHeader), false};
        if (r.op != BlockRequest::Op::flush) {
            chain[length++] = {r.data_paddr, r.bytes, r.op == BlockRequest::Op::read};
        }
        chain[length++] = {dma_.paddr + status_offset + head, 1, true};
        header(head) = {type_of(r.op), 0, r.sector};
        status_byte(head) = 0xff; // the device overwrites it; 0xff is no status it sends
        KAAL_TRY(const std::uint16_t added, queue_.add(std::span{chain.data(), length}));
        static_cast<void>(added); // == head
        cookies_[head] = r.cookie;
        ++in_flight_;
        queue_.publish();
        if (queue_.needs_notify()) {
            transport_.notify(0);
        }
        return {};
    }

    // The device's interrupt: each finished request to `on_complete(cookie, BlockStatus)`.
    // Flushes that needed no device complete here too. Returns false if the device asked to be
    // reset (DEVICE_NEEDS_RESET): it is then failed, and the caller reports it.
    template <typename OnComplete>
    bool handle_irq(OnComplete&& on_complete) {
        static_cast<void>(transport_.take_interrupt());
        deliver_early(on_complete);
        queue_.collect([&](std::uint16_t head, std::uint32_t) {
            --in_flight_;
            on_complete(cookies_[head], to_status(status_byte(head)));
        });
        return !transport_.needs_reset();
    }

    // Flushes that completed without the device, for a caller that does not wait for an IRQ.
    template <typename OnComplete>
    void deliver_early(OnComplete&& on_complete) {
        for (std::size_t i = early_taken_; i < early_count_; ++i) {
            on_complete(early_done_[i % early_done_.size()], BlockStatus::ok);
        }
        early_taken_ = early_count_;
    }

    [[nodiscard]] std::size_t bogus_completions() const { return queue_.bogus(); }

private:
    using Transport = dddk::virtio::MmioTransport<Bus>;

    VirtioBlkDriver(Transport transport, Queue queue, const DmaPool& dma, std::uint64_t features,
                    std::uint64_t capacity)
        : transport_(transport), queue_(queue), dma_(dma), features_(features),
          capacity_(capacity) {}

    static constexpr std::uint32_t type_of(BlockRequest::Op op) {
        switch (op) {
        case BlockRequest::Op::read: return virtio_blk::request::in;
        case BlockRequest::Op::write: return virtio_blk::request::out;
        case BlockRequest::Op::flush: return virtio_blk::request::flush;
        }
        return virtio_blk::request::flush;
    }
    static constexpr BlockStatus to_status(std::uint8_t s) {
        switch (s) {
        case virtio_blk::status::ok: return BlockStatus::ok;
        case virtio_blk::status::unsupported: return BlockStatus::unsupported;
        default: return BlockStatus::io_error; // and any value the spec does not name
        }
    }

    // NOLINTBEGIN(performance-no-int-to-ptr): the driver's DMA pool, mapped there
    [[nodiscard]] virtio_blk::RequestHeader& header(std::uint16_t head) const {
        return reinterpret_cast<virtio_blk::RequestHeader*>(dma_.vaddr + headers_offset)[head];
    }
    [[nodiscard]] volatile std::uint8_t& status_byte(std::uint16_t head) const {
        return reinterpret_cast<volatile std::uint8_t*>(dma_.vaddr + status_offset)[head];
    }
    // NOLINTEND(performance-no-int-to-ptr)

    Transport transport_;
    Queue queue_;
    DmaPool dma_;
    std::uint64_t features_;
    std::uint64_t capacity_;
    std::array<Word, queue_size> cookies_{};
    std::size_t in_flight_ = 0;
    std::array<Word, queue_size> early_done_{};
    std::size_t early_count_ = 0;
    std::size_t early_taken_ = 0;
};

} // namespace kaal::drivers::block
