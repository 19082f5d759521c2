// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <kaal/broker/device_bundle.hpp>
#include <kaal/broker/device_table.hpp>
#include <kaal/core/copy_bytes.hpp>
#include <kaal/core/result.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/virtio/mmio_transport.hpp>
#include <kaal/dddk/virtio/split_queue.hpp>
#include <kaal/dddk/virtio/transport_bundle.hpp>
#include <kaal/platform/channel.hpp>

#include "virtio_rng.hpp"

// The virtio-rng driver: an entropy pool in the driver's DMA region, cut into chunks, each of
// which is either at the device (a one-descriptor, device-writable chain on requestq) or holds
// random bytes the device wrote and nobody has taken yet. take() copies bytes out of the oldest
// filled chunks and hands every chunk it empties straight back to the device, so the pool is
// refilled whenever it is below full, and a byte leaves the pool exactly once: whoever took it
// is the only one who has it.
//
// What a device can do to it: a used element naming no chain of ours is skipped and counted
// (SplitQueue::collect); a length longer than the chunk is cut to the chunk (the rest of the
// chunk is not the device's to vouch for); a chunk that came back with no bytes goes back at
// once. A device that sets DEVICE_NEEDS_RESET is failed and used no further; the bytes already
// in the pool are still served.
//
// Interrupts stay on: the device finishes a chunk only while the driver has handed it one, and
// each finish is wanted. handle_irq() acknowledges before it collects (the transport's
// take_interrupt), so a chunk the device finishes after the collect raises the interrupt again.
//
// Who may call: the driver PD's one thread, for every function.
namespace kaal::drivers::rng {

template <dddk::RegisterBus Bus>
class VirtioRngDriver {
public:
    static constexpr std::uint16_t chunk_count = 8; // also the queue size: one descriptor each
    static constexpr std::size_t chunk_bytes = 256;
    static constexpr std::size_t pool_bytes = chunk_count * chunk_bytes;
    using Queue = dddk::virtio::SplitQueue<chunk_count>;

    // The driver's DMA pool: the queue, then the chunks.
    static constexpr std::size_t pool_offset = (Queue::bytes + 15) & ~std::size_t{15};
    static constexpr std::size_t dma_bytes = pool_offset + pool_bytes;

    // Finds the device behind the transport, brings it up (3.1.1) and hands it every chunk.
    // Errors: no_such_device (no entropy device there), unsupported (a legacy transport or a
    // device without VERSION_1), no_space (the DMA pool is too small), and the transport's.
    static Result<VirtioRngDriver> create(Bus bus, const DmaPool& dma) {
        if (!dma.present() || dma.size < dma_bytes) {
            return Error::no_space;
        }
        KAAL_TRY(auto transport, Transport::probe(bus, virtio_rng::device_id));
        KAAL_CHECK(transport.negotiate(0)); // VERSION_1 alone: 5.4.3 defines no features
        KAAL_TRY(auto queue, Queue::create({dma.vaddr, dma.paddr}));
        if (auto set = transport.set_up_queue(virtio_rng::request_queue, chunk_count,
                                              queue.descriptors_paddr(), queue.available_paddr(),
                                              queue.used_paddr());
            !set) {
            transport.fail();
            return set.error();
        }
        transport.driver_ok();
        VirtioRngDriver driver(transport, queue, dma);
        for (std::uint16_t c = 0; c < chunk_count; ++c) {
            driver.post(c);
        }
        driver.ring_doorbell();
        return driver;
    }

    // Random bytes in the pool now.
    [[nodiscard]] std::size_t available() const { return available_; }
    // Every chunk filled: the device has nothing to do until someone takes bytes.
    [[nodiscard]] bool full() const { return at_device_ == 0 && filled_count_ == chunk_count; }
    [[nodiscard]] bool failed() const { return failed_; }
    [[nodiscard]] std::size_t bogus_completions() const { return queue_.bogus(); }

    // Copies up to out.size() bytes out of the pool, oldest first, and removes them from it;
    // returns how many (0 when it is empty). Every chunk emptied goes back to the device.
    std::size_t take(std::span<std::uint8_t> out) {
        std::size_t copied = 0;
        bool posted = false;
        while (copied < out.size() && filled_count_ != 0) {
            const std::uint16_t c = filled_[filled_first_];
            Chunk& chunk = chunks_[c];
            const std::size_t n = std::min(out.size() - copied, chunk.length - chunk.taken);
            copy_bytes(out.data() + copied, chunk_data(c) + chunk.taken, n);
            chunk.taken += n;
            copied += n;
            available_ -= n;
            if (chunk.taken == chunk.length) {
                filled_first_ = static_cast<std::uint16_t>((filled_first_ + 1) % chunk_count);
                --filled_count_;
                posted = post(c) || posted;
            }
        }
        if (posted) {
            ring_doorbell();
        }
        return copied;
    }

    // The device's interrupt: acknowledges it and collects the chunks the device filled.
    // Returns the bytes that arrived.
    std::size_t handle_irq() {
        if (failed_) {
            return 0;
        }
        static_cast<void>(transport_.take_interrupt());
        const std::size_t arrived = collect();
        if (transport_.needs_reset()) {
            failed_ = true;
            transport_.fail();
        }
        return arrived;
    }

    // The used ring without an interrupt: for the PD's recheck after it re-enabled the IRQ.
    // Returns the bytes that arrived.
    std::size_t collect() {
        if (failed_) {
            return 0;
        }
        std::size_t arrived = 0;
        bool posted = false;
        queue_.collect([&](std::uint16_t head, std::uint32_t written) {
            const std::uint16_t c = chunk_at_head_[head];
            --at_device_;
            const std::size_t length = std::min<std::size_t>(written, chunk_bytes);
            if (length == 0) {
                posted = post(c) || posted;
                return;
            }
            chunks_[c] = {length, 0};
            filled_[(filled_first_ + filled_count_) % chunk_count] = c;
            ++filled_count_;
            available_ += length;
            arrived += length;
        });
        if (posted) {
            ring_doorbell();
        }
        return arrived;
    }

private:
    using Transport = dddk::virtio::MmioTransport<Bus>;

    struct Chunk {
        std::size_t length; // random bytes the device wrote
        std::size_t taken;  // of which taken
    };

    VirtioRngDriver(Transport transport, Queue queue, const DmaPool& dma)
        : transport_(transport), queue_(queue), dma_(dma) {}

    // Hands chunk `c` to the device (after ring_doorbell). False once the device has failed:
    // the chunk is then kept empty.
    bool post(std::uint16_t c) {
        if (failed_) {
            return false;
        }
        const std::uint16_t head = queue_.next_head();
        const dddk::virtio::QueueBuffer buffer{dma_.paddr + pool_offset + c * chunk_bytes,
                                               static_cast<std::uint32_t>(chunk_bytes), true};
        // Never queue_full: there is one descriptor per chunk, and this chunk holds none.
        if (!queue_.add(std::span{&buffer, 1}).ok()) {
            return false;
        }
        chunk_at_head_[head] = c;
        ++at_device_;
        return true;
    }

    void ring_doorbell() {
        queue_.publish();
        if (queue_.needs_notify()) {
            transport_.notify(virtio_rng::request_queue);
        }
    }

    [[nodiscard]] const std::uint8_t* chunk_data(std::uint16_t c) const {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the driver's DMA pool, mapped there
        return reinterpret_cast<const std::uint8_t*>(dma_.vaddr + pool_offset + c * chunk_bytes);
    }

    Transport transport_;
    Queue queue_;
    DmaPool dma_;
    std::array<Chunk, chunk_count> chunks_{};
    std::array<std::uint16_t, chunk_count> chunk_at_head_{};
    // The filled chunks in the order they arrived: a ring of chunk_count.
    std::array<std::uint16_t, chunk_count> filled_{};
    std::uint16_t filled_first_ = 0;
    std::uint16_t filled_count_ = 0;
    std::uint16_t at_device_ = 0;
    std::size_t available_ = 0;
    bool failed_ = false;
};

} // namespace kaal::drivers::rng
