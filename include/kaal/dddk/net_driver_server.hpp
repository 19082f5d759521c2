// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/platform/message.hpp>

// A network driver's side of its two queues (net_queue.hpp), whatever the device: free receive
// buffers from the RX virtualiser into the device and received frames back; frames from the TX
// virtualiser into the device and sent (or refused) ones back. Only descriptors move; between
// the virtualisers and the driver a descriptor's offset is the buffer's physical address, which
// goes to the device as is. The device-specific part is the driver (drivers/network/virtio); the
// PD around both is a few lines (drivers/network/virtio/virtio_net_pd.cpp).
//
//   rx: the server pops rx.free() (buffers) and pushes rx.active() (frames);
//   tx: the server pops tx.active() (frames) and pushes tx.free() (buffers, as they came).
//
// No buffer is ever lost or held back. A descriptor is taken off a ring only when the ring it
// goes back on has a place for it besides those already promised to buffers in the device: a
// receive buffer only while rx.active() has more free slots than buffers the device holds, a
// frame only while tx.free() has more than frames the device holds. A producer's free_slots()
// never shrinks behind it (ring_buffer.hpp, clamp_head), and each push spends a place that
// was counted for it, so every push the server makes succeeds; none waits. Nothing bounds the
// number of buffers a virtualiser owns, so the check is not idle: with more buffers than a
// ring's capacity it is what keeps the last ones in the free ring until there is room.
//
// Who may call: the driver PD's one thread, for every function.
namespace kaal::dddk {

// Which virtualisers the caller must notify.
struct NetPeers {
    bool rx_virt = false;
    bool tx_virt = false;
    NetPeers& operator|=(NetPeers other) {
        rx_virt = rx_virt || other.rx_virt;
        tx_virt = tx_virt || other.tx_virt;
        return *this;
    }
    friend constexpr bool operator==(NetPeers, NetPeers) = default;
};

// What the server needs of a driver besides handle_irq(on_received, on_sent), collect_sent(
// on_sent) and prepare_to_sleep(on_sent), which call back with (paddr, bytes, cookie).
template <typename D>
concept QueueableNetDriver = requires(D& d, Word paddr, std::uint32_t bytes, std::uint32_t cookie) {
    { d.rx_room() } -> std::convertible_to<std::size_t>;
    { d.tx_room() } -> std::convertible_to<std::size_t>;
    { d.rx_in_flight() } -> std::convertible_to<std::size_t>;
    { d.tx_in_flight() } -> std::convertible_to<std::size_t>;
    { d.give_rx_buffer(paddr, bytes, cookie) } -> std::same_as<Status>;
    { d.transmit(paddr, bytes, cookie) } -> std::same_as<Status>;
    { d.failed() } -> std::convertible_to<bool>;
    d.notify_device();
};

template <QueueableNetDriver Driver>
class NetDriverServer {
public:
    NetDriverServer(Driver& driver, net::NetQueue rx, net::NetQueue tx)
        : driver_(&driver), rx_(rx), tx_(tx) {}

    // The device's interrupt: received frames onto rx.active(), sent ones onto tx.free(). The
    // caller acks the IRQ, then calls serve(), which refills what the interrupt emptied. After
    // it, device_failed() says whether the device asked for a reset.
    NetPeers handle_irq() {
        if (!driver_->failed()) {
            static_cast<void>(driver_->handle_irq(
                [this](Word paddr, std::uint32_t bytes, std::uint32_t cookie) {
                    received(paddr, bytes, cookie);
                },
                [this](Word paddr, std::uint32_t bytes, std::uint32_t cookie) {
                    sent(paddr, bytes, cookie);
                }));
        }
        return flush();
    }

    // Every notification, from a virtualiser or after handle_irq, and last before the PD
    // returns to its event loop: receive buffers into the device while it has room, frames
    // likewise, then the driver's check before sleeping (prepare_to_sleep), which may return
    // frames and so make room for another pass.
    NetPeers serve() {
        if (driver_->failed()) {
            return flush();
        }
        const auto on_sent = [this](Word paddr, std::uint32_t bytes, std::uint32_t cookie) {
            sent(paddr, bytes, cookie);
        };
        do {
            driver_->collect_sent(on_sent);
            give_rx_buffers();
            transmit_frames();
            driver_->notify_device();
        } while (driver_->prepare_to_sleep(on_sent) != 0);
        return flush();
    }

    [[nodiscard]] bool device_failed() const { return driver_->failed(); }
    // Frames the driver refused (no Ethernet frame, or too long), returned unsent.
    [[nodiscard]] std::size_t refused_frames() const { return refused_frames_; }
    // Receive buffers the driver refused (too small for a frame): a virtualiser that breaks
    // net_queue.hpp's sizes. They are kept out of circulation, since giving them back would
    // only bring them here again.
    [[nodiscard]] std::size_t refused_buffers() const { return refused_buffers_; }

private:
    // Stops when the device is full (a received frame frees a place, and its interrupt brings
    // the server back), when rx.active() has no unpromised place (buffers in the device will
    // make one when their frames are read; with none there, the RX virtualiser's reading is
    // asked to signal), or when rx.free() is empty after asking for a signal and looking again
    // (consumer_may_sleep: the lost wake-up).
    void give_rx_buffers() {
        for (;;) {
            if (driver_->rx_room() == 0) {
                return;
            }
            if (rx_.active().free_slots() <= driver_->rx_in_flight()) {
                if (driver_->rx_in_flight() != 0 || rx_.active().producer_may_sleep()) {
                    return;
                }
                continue;
            }
            auto buffer = rx_.free().pop();
            if (!buffer) {
                if (rx_.free().consumer_may_sleep()) {
                    return;
                }
                continue;
            }
            popped_rx_free_ = true;
            if (!driver_->give_rx_buffer(static_cast<Word>(buffer->offset), buffer->length,
                                         buffer->cookie)) {
                ++refused_buffers_;
            }
        }
    }

    // The same for frames: the device full (prepare_to_sleep arms its interrupt), no unpromised
    // place on tx.free() (the device's frames will make one; with none there, the TX
    // virtualiser's reading is asked to signal), or tx.active() empty after the recheck.
    void transmit_frames() {
        for (;;) {
            if (driver_->tx_room() == 0) {
                return;
            }
            if (tx_.free().free_slots() <= driver_->tx_in_flight()) {
                if (driver_->tx_in_flight() != 0 || tx_.free().producer_may_sleep()) {
                    return;
                }
                continue;
            }
            auto frame = tx_.active().pop();
            if (!frame) {
                if (tx_.active().consumer_may_sleep()) {
                    return;
                }
                continue;
            }
            popped_tx_active_ = true;
            if (!driver_->transmit(static_cast<Word>(frame->offset), frame->length,
                                   frame->cookie)) {
                ++refused_frames_;
                return_to_tx_virt(*frame);
            }
        }
    }

    void received(Word paddr, std::uint32_t bytes, std::uint32_t cookie) {
        // Cannot fail: the buffer's place was counted before it went to the device.
        static_cast<void>(rx_.active().push({paddr, bytes, cookie}));
        pushed_rx_active_ = true;
    }

    void sent(Word paddr, std::uint32_t bytes, std::uint32_t cookie) {
        return_to_tx_virt({paddr, bytes, cookie});
    }

    void return_to_tx_virt(const ipc::BufferDescriptor& frame) {
        // Cannot fail: the frame's place was counted before it was taken off tx.active().
        static_cast<void>(tx_.free().push(frame));
        pushed_tx_free_ = true;
    }

    // P2-P3 of each ring this pass produced into, and the wake-up of a producer that found
    // one it consumed from full. Each ring's request is taken whatever the others say.
    NetPeers flush() {
        const bool rx_frames = pushed_rx_active_ && rx_.active().consumer_needs_signal();
        const bool rx_room = popped_rx_free_ && rx_.free().producer_needs_signal();
        const bool tx_buffers = pushed_tx_free_ && tx_.free().consumer_needs_signal();
        const bool tx_room = popped_tx_active_ && tx_.active().producer_needs_signal();
        pushed_rx_active_ = popped_rx_free_ = pushed_tx_free_ = popped_tx_active_ = false;
        return {rx_frames || rx_room, tx_buffers || tx_room};
    }

    Driver* driver_;
    net::NetQueue rx_;
    net::NetQueue tx_;
    std::size_t refused_frames_ = 0;
    std::size_t refused_buffers_ = 0;
    bool pushed_rx_active_ = false;
    bool popped_rx_free_ = false;
    bool pushed_tx_free_ = false;
    bool popped_tx_active_ = false;
};

} // namespace kaal::dddk
