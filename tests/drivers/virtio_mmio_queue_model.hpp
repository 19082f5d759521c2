// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include <kaal/dddk/virtio/mmio_transport.hpp>
#include <kaal/dddk/virtio/split_queue.hpp>

// The modern virtio-mmio transport of a device with `Queues` virtqueues, as a register model for
// the host tests of its driver (virtio 1.2, 4.2.2, and 2.7 for the split queue). "Physical"
// addresses are host addresses. `Device` derives from it (CRTP) and supplies what is its own:
// `config(offset, bytes)`, its configuration space, and either `doorbell(queue)`, run on a
// QueueNotify, or `process()`, run on one unless `hold` is set. Either takes the available chains
// (next_available) and hands them back (complete). A reset (Status 0) forgets the queues and the
// negotiated features; FEATURES_OK is refused for a feature the device never offered (3.1.1).
namespace kaal::testing {

template <typename Device, unsigned Queues = 1>
class VirtioMmioQueueModel {
public:
    using Regs = dddk::virtio::MmioRegisters;

    // What the device is.
    std::uint32_t version = Regs::modern_version;
    std::uint32_t device_id;
    std::uint64_t features;
    std::uint32_t queue_num_max = 64;
    std::uint32_t generation = 0; // ConfigGeneration
    bool hold = false;
    bool needs_reset = false;

    // What the driver did.
    std::uint32_t status = 0;
    std::uint64_t driver_features = 0;
    std::uint32_t interrupt_status = 0;
    unsigned notifies = 0;

    VirtioMmioQueueModel(std::uint32_t id, std::uint64_t offered)
        : device_id(id), features(offered) {}

    std::uint64_t read(Word offset, unsigned bytes) {
        if (offset >= Regs::config_offset) {
            return device().config(offset - Regs::config_offset, bytes);
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
        case Regs::Status::offset:
            return needs_reset ? status | dddk::virtio::status::device_needs_reset : status;
        case Regs::ConfigGeneration::offset: return generation;
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
        case Regs::QueueDescLow::offset: low(q.desc, v); break;
        case Regs::QueueDescHigh::offset: high(q.desc, v); break;
        case Regs::QueueDriverLow::offset: low(q.avail, v); break;
        case Regs::QueueDriverHigh::offset: high(q.avail, v); break;
        case Regs::QueueDeviceLow::offset: low(q.used, v); break;
        case Regs::QueueDeviceHigh::offset: high(q.used, v); break;
        case Regs::QueueNotify::offset: ring_doorbell(v); break;
        case Regs::InterruptAck::offset: interrupt_status &= ~v; break;
        case Regs::Status::offset:
            status = v;
            if (v == 0) {
                driver_features = 0;
                queues_ = {};
            } else if ((v & dddk::virtio::status::features_ok) != 0 &&
                       (driver_features & ~features) != 0) {
                status &= ~dddk::virtio::status::features_ok;
            }
            break;
        default: break;
        }
    }

    // Chains the driver made available on `queue` that the device has not taken yet.
    [[nodiscard]] std::uint16_t pending(unsigned queue = 0) const {
        return static_cast<std::uint16_t>(avail_idx(queue) - queues_[queue].seen);
    }

protected:
    struct Queue {
        std::uint16_t num = 0;
        std::uint32_t ready = 0;
        Word desc = 0;
        Word avail = 0;
        Word used = 0;
        std::uint16_t seen = 0; // avail entries taken
    };

    template <typename T>
    static T* as(Word paddr) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): "physical" addresses are host addresses
        return reinterpret_cast<T*>(paddr);
    }

    [[nodiscard]] const Queue& queue(unsigned index) const { return queues_[index]; }
    [[nodiscard]] std::uint16_t avail_idx(unsigned index) const {
        return as<std::uint16_t>(queues_[index].avail)[1];
    }

    // The head of the next chain in `index`'s available ring, taken; none when all are taken.
    std::optional<std::uint16_t> next_available(unsigned index = 0) {
        Queue& q = queues_[index];
        if (q.seen == avail_idx(index)) {
            return std::nullopt;
        }
        return as<std::uint16_t>(q.avail)[2 + q.seen++ % q.num];
    }
    // Puts the last chain taken back, as QEMU's virtqueue_unpop does.
    void unpop(unsigned index) { --queues_[index].seen; }
    [[nodiscard]] const dddk::virtio::QueueDescriptor* descriptor(std::uint16_t at,
                                                                  unsigned index = 0) const {
        return as<dddk::virtio::QueueDescriptor>(queues_[index].desc) + at;
    }
    // Puts `id` in `index`'s used ring with `len` bytes written (2.7.8).
    void complete(std::uint32_t id, std::uint32_t len, unsigned index = 0) {
        const Queue& q = queues_[index];
        auto* used = as<std::uint16_t>(q.used);
        auto* ring = reinterpret_cast<dddk::virtio::UsedElement*>(used + 2);
        ring[used[1] % q.num] = {id, len};
        ++used[1];
    }

private:
    Device& device() { return static_cast<Device&>(*this); }
    Queue& selected() { return queues_[queue_sel_ < Queues ? queue_sel_ : 0]; }

    void ring_doorbell(std::uint32_t index) {
        ++notifies;
        if constexpr (requires(Device & d) { d.doorbell(0U); }) {
            device().doorbell(index);
        } else if (!hold) {
            device().process();
        }
    }

    static void low(Word& address, std::uint32_t v) { address = (address & ~0xffffffffULL) | v; }
    static void high(Word& address, std::uint32_t v) {
        address = (address & 0xffffffffULL) | (Word{v} << 32);
    }

    unsigned device_features_sel_ = 0;
    unsigned driver_features_sel_ = 0;
    unsigned queue_sel_ = 0;
    std::array<Queue, Queues> queues_{};
};

} // namespace kaal::testing
