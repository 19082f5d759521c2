// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include <kaal/dddk/net_queue.hpp>

#include "../virtio_mmio_queue_model.hpp"
#include "virtio_net.hpp"

// A virtio-net device (virtio 1.2, 5.1) behind the modern virtio-mmio transport model, with its
// receive and transmit queues, as a register and DMA model for host tests. It receives the
// frames a test hands to receive() into the next available receive chain (or drops them, as a
// device with no buffer does), sends every available transmit chain on a QueueNotify (unless
// `hold_tx`; then on send()) and records the frames, and interrupts as a device does: always for
// the receive queue, for the transmit queue only while the driver's avail.flags allow it
// (2.7.7). The test can make it misbehave: used elements naming no chain, used lengths that are
// no frame, DEVICE_NEEDS_RESET, doorbells suppressed, a MAC that changes while it is read.
namespace kaal::testing {

class VirtioNetModel : public VirtioMmioQueueModel<VirtioNetModel, 2> {
public:
    using Header = drivers::network::virtio_net::NetHeader;
    static constexpr std::uint16_t max_queue = 256;
    static constexpr unsigned rx = 0;
    static constexpr unsigned tx = 1;

    VirtioNetModel()
        : VirtioMmioQueueModel(drivers::network::virtio_net::device_id,
                               dddk::virtio::feature_version_1 |
                                   drivers::network::virtio_net::feature::mac) {
        queue_num_max = max_queue;
    }

    // What the device is.
    std::array<std::uint8_t, 6> mac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    bool hold_tx = false;
    // While nonzero, each MAC byte read bumps ConfigGeneration and changes the MAC to this one.
    unsigned mac_changes = 0;
    std::array<std::uint8_t, 6> changed_mac{0x02, 0, 0, 0, 0, 0x42};

    // What the driver did.
    std::array<unsigned, 2> doorbells{};
    std::vector<unsigned> config_read_widths;
    std::vector<std::vector<std::uint8_t>> sent;
    unsigned bad_chains = 0;         // chains not of the shape [12-byte header][buffer]
    unsigned nonzero_tx_headers = 0; // transmit headers asking for something
    unsigned dropped_no_buffer = 0;  // frames received while the driver had given no buffer
    unsigned dropped_too_big = 0;    // frames larger than the buffer (as QEMU without MRG_RXBUF)
    unsigned tx_interrupts_suppressed = 0; // transmit completions the flag kept quiet

    // Its configuration space (5.1.4): the MAC, read a byte (or more) at a time.
    std::uint64_t config(Word offset, unsigned bytes) {
        config_read_widths.push_back(bytes);
        std::uint64_t value = 0;
        for (unsigned i = 0; i < bytes; ++i) {
            value |= std::uint64_t{config_byte(offset + i)} << (8 * i);
        }
        return value;
    }

    void doorbell(std::uint32_t index) {
        if (index < 2) {
            ++doorbells[index];
            if (index == tx && !hold_tx) {
                send();
            }
        }
    }

    // Receive buffers the driver made available and the device has not used.
    [[nodiscard]] unsigned rx_buffers() const { return pending(rx); }
    [[nodiscard]] unsigned tx_pending() const { return pending(tx); }
    [[nodiscard]] std::uint16_t avail_flags(unsigned index) const {
        return as<std::uint16_t>(queue(index).avail)[0];
    }
    [[nodiscard]] std::uint16_t queue_size(unsigned index) const { return queue(index).num; }

    // VIRTQ_USED_F_NO_NOTIFY on one queue: the device asks for no doorbells.
    void suppress_doorbells(unsigned index, bool suppress) {
        as<std::uint16_t>(queue(index).used)[0] = suppress ? 1 : 0;
    }

    // A frame from the wire into the next receive buffer. False if it was dropped: no buffer,
    // or one too small.
    bool receive(std::span<const std::uint8_t> frame) {
        Chain chain{};
        if (!take(rx, chain)) {
            ++dropped_no_buffer;
            return false;
        }
        if (frame.size() > chain.buffer->len) {
            ++dropped_too_big;
            unpop(rx); // the buffer stays for the next frame
            return false;
        }
        Header header{};
        header.num_buffers = 1; // 5.1.6.4: without MRG_RXBUF
        std::memcpy(as<std::uint8_t>(chain.header->addr), &header, sizeof header);
        std::memcpy(as<std::uint8_t>(chain.buffer->addr), frame.data(), frame.size());
        finish(rx, chain.head, static_cast<std::uint32_t>(sizeof header + frame.size()));
        return true;
    }

    // Takes the next receive buffer and reports `used_len` for it, whatever it wrote: a device
    // bug. `frame` is written first if it fits.
    bool receive_claiming(std::span<const std::uint8_t> frame, std::uint32_t used_len) {
        Chain chain{};
        if (!take(rx, chain)) {
            return false;
        }
        std::memcpy(as<std::uint8_t>(chain.buffer->addr), frame.data(),
                    std::min<std::size_t>(frame.size(), chain.buffer->len));
        finish(rx, chain.head, used_len);
        return true;
    }

    // A used element naming `id`, which the device never took: a device bug.
    void inject_used(unsigned index, std::uint32_t id, std::uint32_t len) {
        finish(index, id, len);
    }

    // Sends every available transmit chain.
    void send() {
        Chain chain{};
        while (take(tx, chain)) {
            Header header{};
            std::memcpy(&header, as<std::uint8_t>(chain.header->addr), sizeof header);
            const Header zero{};
            if (std::memcmp(&header, &zero, sizeof header) != 0) {
                ++nonzero_tx_headers;
            }
            const auto* data = as<std::uint8_t>(chain.buffer->addr);
            sent.emplace_back(data, data + chain.buffer->len);
            finish(tx, chain.head, 0);
        }
    }

    // 2.1.2: the device hit an error it cannot recover from, and says so with a configuration
    // change interrupt.
    void break_device() {
        status |= dddk::virtio::status::device_needs_reset;
        interrupt_status |= 2;
    }

private:
    struct Chain {
        std::uint16_t head;
        const dddk::virtio::QueueDescriptor* header;
        const dddk::virtio::QueueDescriptor* buffer;
    };

    std::uint8_t config_byte(Word offset) {
        if (offset >= mac.size()) {
            return 0;
        }
        const std::uint8_t value = mac[offset];
        if (mac_changes != 0) {
            --mac_changes;
            ++generation;
            mac = changed_mac;
        }
        return value;
    }

    // The next available chain of queue `index`, checked for the driver's shape: two descriptors,
    // the first the 12-byte header, both device-writable on the receive queue and neither on
    // the transmit queue.
    bool take(unsigned index, Chain& chain) {
        if (queue(index).ready == 0) {
            return false;
        }
        const auto head = next_available(index);
        if (!head) {
            return false;
        }
        const auto* descriptors = descriptor(0, index);
        const auto* first = descriptors + *head;
        const auto* second = descriptors + first->next;
        const std::uint16_t writable = index == rx ? dddk::virtio::QueueDescriptor::write_flag : 0;
        if ((first->flags & dddk::virtio::QueueDescriptor::next_flag) == 0 ||
            first->len != sizeof(Header) ||
            (first->flags & dddk::virtio::QueueDescriptor::write_flag) != writable ||
            (second->flags & dddk::virtio::QueueDescriptor::next_flag) != 0 ||
            (second->flags & dddk::virtio::QueueDescriptor::write_flag) != writable) {
            ++bad_chains;
        }
        chain = {*head, first, second};
        return true;
    }

    // Completes a chain and interrupts as the driver asked: always for the receive queue, for
    // the transmit queue unless VIRTQ_AVAIL_F_NO_INTERRUPT (2.7.7).
    void finish(unsigned index, std::uint32_t id, std::uint32_t len) {
        complete(id, len, index);
        if (index == tx && (avail_flags(tx) & 1) != 0) {
            ++tx_interrupts_suppressed;
        } else {
            interrupt_status |= 1;
        }
    }
};

} // namespace kaal::testing
