// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include <kaal/dddk/net_queue.hpp>
#include <kaal/dddk/virtio/mmio_transport.hpp>
#include <kaal/dddk/virtio/split_queue.hpp>

#include "virtio_net.hpp"

// A virtio-net device behind a modern virtio-mmio transport, as a register and DMA model for host
// tests (virtio 1.2, 4.2.2 and 5.1). "Physical" addresses are host addresses. It receives the
// frames a test hands to receive() into the next available receive chain (or drops them, as a
// device with no buffer does), sends every available transmit chain on a QueueNotify (unless
// `hold_tx`; then on send()) and records the frames, and interrupts as a device does: always for
// the receive queue, for the transmit queue only while the driver's avail.flags allow it
// (2.7.7). The test can make it misbehave: used elements naming no chain, used lengths that are
// no frame, DEVICE_NEEDS_RESET, doorbells suppressed, a MAC that changes while it is read.
namespace kaal::testing {

class VirtioNetModel {
public:
    using Regs = dddk::virtio::MmioRegisters;
    using Header = drivers::network::virtio_net::NetHeader;
    static constexpr std::uint16_t max_queue = 256;
    static constexpr unsigned rx = 0;
    static constexpr unsigned tx = 1;

    // What the device is.
    std::uint32_t version = Regs::modern_version;
    std::uint32_t device_id = drivers::network::virtio_net::device_id;
    std::uint64_t features =
        dddk::virtio::feature_version_1 | drivers::network::virtio_net::feature::mac;
    std::array<std::uint8_t, 6> mac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    std::uint32_t queue_num_max = max_queue;
    bool hold_tx = false;
    // While nonzero, each MAC byte read bumps ConfigGeneration and changes the MAC to this one.
    unsigned mac_changes = 0;
    std::array<std::uint8_t, 6> changed_mac{0x02, 0, 0, 0, 0, 0x42};

    // What the driver did.
    std::uint32_t status = 0;
    std::uint64_t driver_features = 0;
    std::uint32_t interrupt_status = 0;
    std::array<unsigned, 2> doorbells{};
    std::vector<unsigned> config_read_widths;
    std::vector<std::vector<std::uint8_t>> sent;
    unsigned bad_chains = 0;         // chains not of the shape [12-byte header][buffer]
    unsigned nonzero_tx_headers = 0; // transmit headers asking for something
    unsigned dropped_no_buffer = 0;  // frames received while the driver had given no buffer
    unsigned dropped_too_big = 0;    // frames larger than the buffer (as QEMU without MRG_RXBUF)
    unsigned tx_interrupts_suppressed = 0; // transmit completions the flag kept quiet

    std::uint64_t read(Word offset, unsigned bytes) {
        if (offset >= Regs::config_offset) {
            config_read_widths.push_back(bytes);
            std::uint64_t value = 0;
            for (unsigned i = 0; i < bytes; ++i) {
                value |= std::uint64_t{config_byte(offset - Regs::config_offset + i)} << (8 * i);
            }
            return value;
        }
        switch (offset) {
        case Regs::MagicValue::offset: return Regs::magic;
        case Regs::Version::offset: return version;
        case Regs::DeviceId::offset: return device_id;
        case Regs::VendorId::offset: return 0x554d4551; // "QEMU"
        case Regs::DeviceFeatures::offset:
            return static_cast<std::uint32_t>(features >> (32 * device_features_sel_));
        case Regs::QueueNumMax::offset: return queue_num_max;
        case Regs::QueueReady::offset: return selected().ready;
        case Regs::InterruptStatus::offset: return interrupt_status;
        case Regs::Status::offset: return status;
        case Regs::ConfigGeneration::offset: return generation_;
        default: return 0;
        }
    }

    void write(Word offset, unsigned, std::uint64_t value) {
        const auto v = static_cast<std::uint32_t>(value);
        Queue& q = selected();
        switch (offset) {
        case Regs::DeviceFeaturesSel::offset: device_features_sel_ = v & 1; break;
        case Regs::DriverFeaturesSel::offset: driver_features_sel_ = v & 1; break;
        case Regs::DriverFeatures::offset:
            driver_features |= std::uint64_t{v} << (32 * driver_features_sel_);
            break;
        case Regs::QueueSel::offset: queue_sel_ = v; break;
        case Regs::QueueNum::offset: q.num = static_cast<std::uint16_t>(v); break;
        case Regs::QueueReady::offset: q.ready = v; break;
        case Regs::QueueDescLow::offset: q.desc = (q.desc & ~0xffffffffULL) | v; break;
        case Regs::QueueDescHigh::offset: q.desc = (q.desc & 0xffffffffULL) | (value << 32); break;
        case Regs::QueueDriverLow::offset: q.avail = (q.avail & ~0xffffffffULL) | v; break;
        case Regs::QueueDriverHigh::offset:
            q.avail = (q.avail & 0xffffffffULL) | (value << 32);
            break;
        case Regs::QueueDeviceLow::offset: q.used = (q.used & ~0xffffffffULL) | v; break;
        case Regs::QueueDeviceHigh::offset:
            q.used = (q.used & 0xffffffffULL) | (value << 32);
            break;
        case Regs::QueueNotify::offset:
            if (v < 2) {
                ++doorbells[v];
                if (v == tx && !hold_tx) {
                    send();
                }
            }
            break;
        case Regs::InterruptAck::offset: interrupt_status &= ~v; break;
        case Regs::Status::offset:
            status = v;
            if (v == 0) { // reset
                driver_features = 0;
                queues_ = {};
            } else if ((v & dddk::virtio::status::features_ok) != 0 &&
                       (driver_features & ~features) != 0) {
                status &= ~dddk::virtio::status::features_ok; // features it never offered
            }
            break;
        default: break;
        }
    }

    // Receive buffers the driver made available and the device has not used.
    [[nodiscard]] unsigned rx_buffers() const {
        return static_cast<std::uint16_t>(avail_idx(rx) - queues_[rx].seen);
    }
    [[nodiscard]] unsigned tx_pending() const {
        return static_cast<std::uint16_t>(avail_idx(tx) - queues_[tx].seen);
    }
    [[nodiscard]] std::uint16_t avail_flags(unsigned queue) const {
        return as<std::uint16_t>(queues_[queue].avail)[0];
    }
    [[nodiscard]] std::uint16_t queue_size(unsigned queue) const { return queues_[queue].num; }

    // VIRTQ_USED_F_NO_NOTIFY on one queue: the device asks for no doorbells.
    void suppress_doorbells(unsigned queue, bool suppress) {
        as<std::uint16_t>(queues_[queue].used)[0] = suppress ? 1 : 0;
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
            --queues_[rx].seen; // QEMU's virtqueue_unpop: the buffer stays for the next frame
            return false;
        }
        Header header{};
        header.num_buffers = 1; // 5.1.6.4: without MRG_RXBUF
        std::memcpy(as<std::uint8_t>(chain.header->addr), &header, sizeof header);
        std::memcpy(as<std::uint8_t>(chain.buffer->addr), frame.data(), frame.size());
        complete(rx, chain.head, static_cast<std::uint32_t>(sizeof header + frame.size()));
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
        complete(rx, chain.head, used_len);
        return true;
    }

    // A used element naming `id`, which the device never took: a device bug.
    void inject_used(unsigned queue, std::uint32_t id, std::uint32_t len) {
        complete(queue, id, len);
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
            complete(tx, chain.head, 0);
        }
    }

    // 2.1.2: the device hit an error it cannot recover from, and says so with a configuration
    // change interrupt.
    void break_device() {
        status |= dddk::virtio::status::device_needs_reset;
        interrupt_status |= 2;
    }

private:
    struct Queue {
        std::uint16_t num = 0;
        std::uint32_t ready = 0;
        Word desc = 0;
        Word avail = 0;
        Word used = 0;
        std::uint16_t seen = 0; // avail entries taken
    };
    struct Chain {
        std::uint16_t head;
        const dddk::virtio::QueueDescriptor* header;
        const dddk::virtio::QueueDescriptor* buffer;
    };

    template <typename T>
    static T* as(Word paddr) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): "physical" addresses are host addresses
        return reinterpret_cast<T*>(paddr);
    }

    Queue& selected() { return queues_[queue_sel_ < 2 ? queue_sel_ : 0]; }
    [[nodiscard]] std::uint16_t avail_idx(unsigned queue) const {
        return as<std::uint16_t>(queues_[queue].avail)[1];
    }

    std::uint8_t config_byte(Word offset) {
        if (offset >= mac.size()) {
            return 0;
        }
        const std::uint8_t value = mac[offset];
        if (mac_changes != 0) {
            --mac_changes;
            ++generation_;
            mac = changed_mac;
        }
        return value;
    }

    // The next available chain of `queue`, checked for the driver's shape: two descriptors,
    // the first the 12-byte header, both device-writable on the receive queue and neither on
    // the transmit queue.
    bool take(unsigned queue, Chain& chain) {
        Queue& q = queues_[queue];
        if (q.ready == 0 || q.seen == avail_idx(queue)) {
            return false;
        }
        const std::uint16_t head = as<std::uint16_t>(q.avail)[2 + q.seen % q.num];
        ++q.seen;
        const auto* descriptors = as<dddk::virtio::QueueDescriptor>(q.desc);
        const auto* first = descriptors + head;
        const auto* second = descriptors + first->next;
        const std::uint16_t writable = queue == rx ? dddk::virtio::QueueDescriptor::write_flag : 0;
        if ((first->flags & dddk::virtio::QueueDescriptor::next_flag) == 0 ||
            first->len != sizeof(Header) ||
            (first->flags & dddk::virtio::QueueDescriptor::write_flag) != writable ||
            (second->flags & dddk::virtio::QueueDescriptor::next_flag) != 0 ||
            (second->flags & dddk::virtio::QueueDescriptor::write_flag) != writable) {
            ++bad_chains;
        }
        chain = {head, first, second};
        return true;
    }

    void complete(unsigned queue, std::uint32_t id, std::uint32_t len) {
        Queue& q = queues_[queue];
        auto* used = as<std::uint16_t>(q.used);
        auto* ring = reinterpret_cast<dddk::virtio::UsedElement*>(used + 2);
        ring[used[1] % q.num] = {id, len};
        ++used[1];
        if (queue == tx && (avail_flags(tx) & 1) != 0) {
            ++tx_interrupts_suppressed;
        } else {
            interrupt_status |= 1;
        }
    }

    unsigned device_features_sel_ = 0;
    unsigned driver_features_sel_ = 0;
    unsigned queue_sel_ = 0;
    std::uint32_t generation_ = 0;
    std::array<Queue, 2> queues_{};
};

} // namespace kaal::testing
