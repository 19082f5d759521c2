// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <kaal/broker/device_bundle.hpp>
#include <kaal/broker/device_table.hpp>
#include <kaal/core/result.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/dddk/register_block.hpp>
#include <kaal/dddk/virtio/mmio_transport.hpp>
#include <kaal/dddk/virtio/split_queue.hpp>
#include <kaal/dddk/virtio/transport_bundle.hpp>
#include <kaal/platform/channel.hpp>

#include "virtio_net.hpp"

// The virtio-net driver: one receive queue (virtqueue 0) and one transmit queue (virtqueue 1),
// many frames in flight on each, no offloads. Zero-copy: a frame buffer is named by its physical
// address and stays in the DMA region of whoever owns it (the RX and TX virtualisers); each
// chain is [the driver's own virtio_net_hdr][the frame buffer], so the driver's DMA pool holds
// only the two queues and one header per descriptor head, and the driver never touches a frame.
//
// What a device can do to it. Every used element is checked against what the driver itself
// recorded when it posted the chain: one that names no chain is skipped and counted
// (SplitQueue::collect), and a receive whose length is not a header plus an Ethernet frame that
// fits the buffer it was given is dropped, counted, and its buffer posted again, so neither a
// short nor an overlong length reaches the RX virtualiser, and no buffer is lost. A device that
// sets DEVICE_NEEDS_RESET is marked failed and used no further.
//
// Interrupts. Receive interrupts stay on: a frame may arrive at any time. Transmit interrupts
// are suppressed (VIRTQ_AVAIL_F_NO_INTERRUPT, 2.7.7) while the driver runs, because it collects
// the transmit queue on every pass anyway; prepare_to_sleep() turns them back on when the
// driver would otherwise sleep with frames in the device, so a finished frame's buffer always
// returns even on a link that carries nothing else. (Keeping them off across a sleep while
// fewer than half the queue is in flight would save that interrupt, but could strand up to 63
// sent buffers in the used ring: a client whose whole transmit pool is among them then waits
// for a run of the driver that nothing causes.) Doorbells are rung only when the device asks
// (VIRTQ_USED_F_NO_NOTIFY, 2.7.10).
//
// Who may call: the driver PD's one thread, for every function.
namespace kaal::drivers::network {

// "52:54:00:12:34:56": a MAC as people read it, lowercase, for the driver's report.
constexpr std::array<char, 18> mac_text(const dddk::net::MacAddress& mac) {
    constexpr const char* digits = "0123456789abcdef";
    std::array<char, 18> text{};
    for (std::size_t i = 0; i < mac.bytes.size(); ++i) {
        text[3 * i] = digits[mac.bytes[i] >> 4U];
        text[3 * i + 1] = digits[mac.bytes[i] & 0xfU];
        text[3 * i + 2] = i + 1 < mac.bytes.size() ? ':' : '\0';
    }
    return text;
}

template <dddk::RegisterBus Bus>
class VirtioNetDriver {
    using Transport = dddk::virtio::MmioTransport<Bus>;

public:
    // QEMU's virtio-net offers a QueueNumMax of 256 on both queues (its rx_queue_size and
    // tx_queue_size properties, 256 at the least), and the driver uses all of it: a chain is
    // two descriptors, so up to 128 frames are in flight each way.
    static constexpr std::uint16_t queue_size = 256;
    static constexpr std::uint16_t chain_length = 2;
    using Queue = dddk::virtio::SplitQueue<queue_size>;
    using Header = virtio_net::NetHeader;
    static constexpr std::uint32_t header_bytes = sizeof(Header);

    // The driver's DMA pool: the receive queue, the transmit queue, then one header per
    // descriptor head of each.
    static constexpr std::size_t rx_queue_offset = 0;
    static constexpr std::size_t tx_queue_offset = (Queue::bytes + 15) & ~std::size_t{15};
    static constexpr std::size_t rx_headers_offset =
        (tx_queue_offset + Queue::bytes + 15) & ~std::size_t{15};
    static constexpr std::size_t tx_headers_offset =
        rx_headers_offset + std::size_t{header_bytes} * queue_size;
    static constexpr std::size_t dma_bytes =
        tx_headers_offset + std::size_t{header_bytes} * queue_size;

    // 5.1.6.3.1: without MRG_RXBUF a receive buffer SHOULD hold 1526 bytes, a header and the
    // largest frame; the frame part of a chain is the caller's buffer, so it must hold that frame.
    static constexpr std::uint32_t min_rx_buffer_bytes = dddk::net::max_frame_bytes;

    // Finds the device behind the transport and brings it up (3.1.1, 5.1.5 "Device
    // Initialization") into `out`, which is left empty on error. In place, because the driver is
    // some 12 KiB (a record per descriptor head and the queues' free lists): built on the stack
    // and copied out, as a Result would be, it would take more than the PD's stack. Errors:
    // no_such_device (no network device there), unsupported (a legacy transport, a device
    // without VERSION_1, or one without a MAC of its own), no_space (the DMA pool is too small),
    // range_error (a queue smaller than queue_size), and the transport's.
    static Status create_in(std::optional<VirtioNetDriver>& out, Bus bus, const DmaPool& dma) {
        out.reset();
        if (!dma.present() || dma.size < dma_bytes) {
            return Error::no_space;
        }
        KAAL_TRY(auto transport, Transport::probe(bus, virtio_net::device_id));
        KAAL_TRY(const std::uint64_t features, transport.negotiate(virtio_net::feature::mac));
        // 5.1.5: without VIRTIO_NET_F_MAC the driver would have to make an address up; the
        // composer gives every client its own and the device's must be a real one to report.
        if ((features & virtio_net::feature::mac) == 0) {
            transport.fail();
            return Error::unsupported;
        }
        auto mac = read_mac(bus);
        if (!mac) {
            transport.fail();
            return mac.error();
        }
        KAAL_TRY(auto rx,
                 Queue::create({dma.vaddr + rx_queue_offset, dma.paddr + rx_queue_offset}));
        KAAL_TRY(auto tx,
                 Queue::create({dma.vaddr + tx_queue_offset, dma.paddr + tx_queue_offset}));
        const auto set_up = [&transport](std::uint32_t index, const Queue& queue) {
            return transport.set_up_queue(index, queue_size, queue.descriptors_paddr(),
                                          queue.available_paddr(), queue.used_paddr());
        };
        if (auto set = set_up(virtio_net::receive_queue, rx); !set) {
            transport.fail();
            return set.error();
        }
        if (auto set = set_up(virtio_net::transmit_queue, tx); !set) {
            transport.fail();
            return set.error();
        }
        // While it runs the driver collects the transmit queue itself (prepare_to_sleep).
        tx.set_interrupts(false);
        transport.driver_ok();
        out.emplace(Private{}, transport, rx, tx, dma, *mac);
        return {};
    }

    // The same as a value, for callers with stack to spare (host tests).
    static Result<VirtioNetDriver> create(Bus bus, const DmaPool& dma) {
        std::optional<VirtioNetDriver> driver;
        KAAL_CHECK(create_in(driver, bus, dma));
        return *driver;
    }

private:
    struct Private {};

public:
    // For create_in's emplace only: no one else can name Private.
    VirtioNetDriver(Private, Transport transport, const Queue& rx, const Queue& tx,
                    const DmaPool& dma, const dddk::net::MacAddress& mac)
        : transport_(transport), rx_(rx), tx_(tx), dma_(dma), mac_(mac) {}

    [[nodiscard]] const dddk::net::MacAddress& mac() const { return mac_; }
    [[nodiscard]] bool failed() const { return failed_; }

    // Buffers the device can take now, and those it holds.
    [[nodiscard]] std::uint16_t rx_room() const { return rx_.free_descriptors() / chain_length; }
    [[nodiscard]] std::uint16_t tx_room() const { return tx_.free_descriptors() / chain_length; }
    [[nodiscard]] std::uint16_t rx_in_flight() const { return rx_in_flight_; }
    [[nodiscard]] std::uint16_t tx_in_flight() const { return tx_in_flight_; }

    // Lends the device a receive buffer of `bytes` at physical `paddr`; it comes back through
    // handle_irq's on_received with the same paddr and cookie, holding a frame. The device sees
    // it after notify_device(). Errors: invalid_argument (smaller than min_rx_buffer_bytes),
    // queue_full (rx_room() is 0), io_error (the device failed).
    Status give_rx_buffer(Word paddr, std::uint32_t bytes, std::uint32_t cookie) {
        if (failed_) {
            return Error::io_error;
        }
        if (bytes < min_rx_buffer_bytes) {
            return Error::invalid_argument;
        }
        KAAL_TRY(const std::uint16_t head, add(rx_, rx_headers_offset, true, paddr, bytes));
        rx_slots_[head] = {paddr, bytes, cookie};
        ++rx_in_flight_;
        rx_added_ = true;
        return {};
    }

    // Sends the `bytes`-byte Ethernet frame (no FCS) at physical `paddr`, which the device reads
    // in place until handle_irq's or collect_sent's on_sent gives it back with the same paddr,
    // bytes and cookie. The device sees it after notify_device(). Errors: invalid_argument (not
    // a frame: shorter than an Ethernet header, or longer than net::max_frame_bytes, which the
    // device would have to segment), queue_full (tx_room() is 0), io_error (the device failed).
    Status transmit(Word paddr, std::uint32_t bytes, std::uint32_t cookie) {
        if (failed_) {
            return Error::io_error;
        }
        if (bytes < dddk::net::header_bytes || bytes > dddk::net::max_frame_bytes) {
            return Error::invalid_argument;
        }
        const std::uint16_t head = tx_.next_head();
        // The device reads this header; it is rewritten for every frame so that nothing a buggy
        // device scribbled over the pool is taken as an offload request.
        tx_header(head) = Header{0, virtio_net::gso_none, 0, 0, 0, 0, 0};
        KAAL_TRY(const std::uint16_t added, add(tx_, tx_headers_offset, false, paddr, bytes));
        static_cast<void>(added); // == head: add() takes the free list's head
        tx_slots_[head] = {paddr, bytes, cookie};
        ++tx_in_flight_;
        tx_added_ = true;
        return {};
    }

    // Hands the device every buffer and frame added since the last call, ringing each queue's
    // doorbell only if the device asked for it (SplitQueue::needs_notify: its full barrier
    // orders the avail.idx store before the doorbell's MMIO write, 2.7.13.3).
    void notify_device() {
        kick(rx_, rx_added_, virtio_net::receive_queue);
        kick(tx_, tx_added_, virtio_net::transmit_queue);
    }

    // The device's interrupt: acknowledges it first (a completion after that raises it again),
    // then each received frame to `on_received(paddr, frame_bytes, cookie)` and each sent one
    // to `on_sent(paddr, bytes, cookie)`. Malformed receives are dropped and their buffers
    // posted again. Returns false if the device asked to be reset (DEVICE_NEEDS_RESET, 2.1.2):
    // it is then marked FAILED and the driver takes nothing more; what it finished before is
    // still delivered.
    template <typename OnReceived, typename OnSent>
    bool handle_irq(OnReceived&& on_received, OnSent&& on_sent) {
        if (failed_) {
            return false;
        }
        static_cast<void>(transport_.take_interrupt());
        collect_received(on_received);
        collect_sent(on_sent);
        notify_device(); // the dropped frames' buffers, posted again
        if (transport_.needs_reset()) {
            failed_ = true;
            transport_.fail();
            return false;
        }
        return true;
    }

    // Sent frames collected on any pass of the driver, interrupt or not. The driver is running
    // and will call prepare_to_sleep() before it stops, so the transmit interrupt is turned off
    // until then: a frame finishing meanwhile is collected by the pass, not announced.
    template <typename OnSent>
    std::size_t collect_sent(OnSent&& on_sent) {
        if (failed_) {
            return 0;
        }
        tx_.set_interrupts(false);
        return collect_tx(on_sent);
    }

    // Last, before the driver returns to its event loop: with frames still in the device, turns
    // the transmit interrupt on and collects once more (the recheck SplitQueue::set_interrupts
    // explains), so a frame the device finished before it could see the flag is returned now and
    // any later one interrupts. Returns how many the recheck returned: if any, the caller has
    // room again and must make another pass before it sleeps. With no frame in the device no
    // interrupt can be due, and it stays off.
    template <typename OnSent>
    [[nodiscard]] std::size_t prepare_to_sleep(OnSent&& on_sent) {
        if (failed_ || tx_in_flight_ == 0) {
            return 0;
        }
        tx_.set_interrupts(true);
        return collect_tx(on_sent);
    }

    [[nodiscard]] bool tx_interrupts_wanted() const { return tx_.interrupts_wanted(); }
    // Receives dropped because their length was not a frame that fits its buffer.
    [[nodiscard]] std::size_t dropped_frames() const { return dropped_; }
    // Used elements, on either queue, that named no chain of the driver's.
    [[nodiscard]] std::size_t bogus_completions() const { return rx_.bogus() + tx_.bogus(); }

private:
    struct Slot {
        Word paddr;
        std::uint32_t bytes;
        std::uint32_t cookie;
    };

    // 5.1.4's mac, byte by byte (4.2.2), retried while ConfigGeneration changes: six reads are
    // not atomic, and a device may change its address between them (2.5.1 "Driver
    // Requirements: Device Configuration Space"), a bounded number of times.
    static Result<dddk::net::MacAddress> read_mac(Bus bus) {
        using Regs = dddk::virtio::MmioRegisters;
        const dddk::RegisterBlock<Bus> regs{bus};
        constexpr int attempts = 16;
        for (int i = 0; i < attempts; ++i) {
            const std::uint32_t before = regs.template read<Regs::ConfigGeneration>();
            dddk::net::MacAddress mac;
            for (unsigned b = 0; b < virtio_net::config::mac_bytes; ++b) {
                mac.bytes[b] = bus.template read<std::uint8_t>(Regs::config_offset +
                                                               virtio_net::config::mac + b);
            }
            if (regs.template read<Regs::ConfigGeneration>() == before) {
                return mac;
            }
        }
        return Error::illegal_operation; // the configuration never held still
    }

    // A chain of the driver's header for the head add() hands out next, then the caller's buffer.
    Result<std::uint16_t> add(Queue& queue, std::size_t headers_offset, bool device_writes,
                              Word paddr, std::uint32_t bytes) {
        if (queue.free_descriptors() < chain_length) {
            return Error::queue_full;
        }
        const Word header_paddr =
            dma_.paddr + headers_offset + std::size_t{header_bytes} * queue.next_head();
        const std::array<dddk::virtio::QueueBuffer, chain_length> chain{{
            {header_paddr, header_bytes, device_writes},
            {paddr, bytes, device_writes},
        }};
        return queue.add(chain);
    }

    // needs_notify() answers for the queue, not for this batch: a queue with nothing new gets
    // no doorbell even if the device would take one.
    void kick(Queue& queue, bool& added, std::uint32_t index) {
        if (!added) {
            return;
        }
        added = false;
        queue.publish();
        if (queue.needs_notify()) {
            transport_.notify(index);
        }
    }

    template <typename OnSent>
    std::size_t collect_tx(OnSent& on_sent) {
        return tx_.collect([&](std::uint16_t head, std::uint32_t) {
            --tx_in_flight_;
            const Slot& frame = tx_slots_[head];
            on_sent(frame.paddr, frame.bytes, frame.cookie);
        });
    }

    // A used length that is not a header plus a frame of 14 to max_frame_bytes that fits the
    // buffer is the device's bug or malice: the frame is dropped and the buffer posted again.
    template <typename OnReceived>
    void collect_received(OnReceived& on_received) {
        rx_.collect([&](std::uint16_t head, std::uint32_t written) {
            --rx_in_flight_;
            const Slot buffer = rx_slots_[head];
            const std::uint32_t frame = written >= header_bytes ? written - header_bytes : 0;
            if (frame < dddk::net::header_bytes || frame > buffer.bytes ||
                frame > dddk::net::max_frame_bytes) {
                ++dropped_;
                // Cannot fail: collect() has just freed this chain's two descriptors, and the
                // buffer was accepted once already.
                static_cast<void>(give_rx_buffer(buffer.paddr, buffer.bytes, buffer.cookie));
                return;
            }
            on_received(buffer.paddr, frame, buffer.cookie);
        });
    }

    // NOLINTBEGIN(performance-no-int-to-ptr): the driver's DMA pool, mapped there
    [[nodiscard]] Header& tx_header(std::uint16_t head) const {
        return reinterpret_cast<Header*>(dma_.vaddr + tx_headers_offset)[head];
    }
    // NOLINTEND(performance-no-int-to-ptr)

    Transport transport_;
    Queue rx_;
    Queue tx_;
    DmaPool dma_;
    dddk::net::MacAddress mac_;
    // By descriptor head: what the driver posted, the only record a completion is checked against.
    std::array<Slot, queue_size> rx_slots_{};
    std::array<Slot, queue_size> tx_slots_{};
    std::uint16_t rx_in_flight_ = 0;
    std::uint16_t tx_in_flight_ = 0;
    std::size_t dropped_ = 0;
    bool rx_added_ = false; // chains added since notify_device()
    bool tx_added_ = false;
    bool failed_ = false;
};

using MmioVirtioNetDriver = VirtioNetDriver<dddk::MmioBus>;

inline Status make_virtio_net_driver(std::optional<MmioVirtioNetDriver>& out,
                                     const DeviceBundle& bundle, const DmaPool& dma) {
    KAAL_TRY(const auto bus, dddk::MmioBus::create(bundle.mmio, dddk::virtio::MmioRegisters::span));
    return MmioVirtioNetDriver::create_in(out, bus, dma);
}

// The same from a Microkit PD's mappings (dddk/virtio/transport_bundle.hpp).
inline Status make_virtio_net_driver(std::optional<MmioVirtioNetDriver>& out,
                                     const DeviceDesc& transport, Word regs_page, Channel irq,
                                     Word dma_vaddr, Word dma_paddr) {
    KAAL_TRY(const DeviceBundle bundle,
             dddk::virtio::transport_bundle(transport, regs_page, irq, dma_vaddr, dma_paddr,
                                            MmioVirtioNetDriver::dma_bytes));
    return make_virtio_net_driver(out, bundle, bundle.dma);
}

} // namespace kaal::drivers::network
