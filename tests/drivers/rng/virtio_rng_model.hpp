// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include <kaal/dddk/virtio/mmio_transport.hpp>
#include <kaal/dddk/virtio/split_queue.hpp>

#include "virtio_rng.hpp"

// A virtio entropy device behind a modern virtio-mmio transport, as a register model for host
// tests (virtio 1.2, 4.2.2 and 5.4). "Physical" addresses are host addresses. Its "random"
// bytes are a running counter (0, 1, 2, ... mod 256), so a test can tell exactly which bytes
// it was given and that none came twice. On a QueueNotify it fills every available buffer,
// unless `hold` is set (they then stay at the device until process() is called), writes the
// used ring and raises the used-buffer interrupt.
namespace kaal::testing {

class VirtioRngModel {
public:
    using Regs = dddk::virtio::MmioRegisters;
    static constexpr std::uint16_t max_queue = 64;

    // What the device is.
    std::uint32_t version = Regs::modern_version;
    std::uint32_t device_id = drivers::rng::virtio_rng::device_id;
    std::uint64_t features = dddk::virtio::feature_version_1;
    bool hold = false;
    // Bytes to write into each buffer instead of all of it (5.4.6.2 allows fewer).
    std::optional<std::uint32_t> fill_bytes;
    // A length to report instead of the bytes written: a device that lies.
    std::optional<std::uint32_t> reported_len;
    bool needs_reset = false;

    // What the driver did.
    std::uint32_t status = 0;
    std::uint64_t driver_features = 0;
    std::uint32_t interrupt_status = 0;
    unsigned notifies = 0;
    unsigned buffers_filled = 0;
    unsigned readable_buffers = 0; // buffers without VIRTQ_DESC_F_WRITE (5.4.6.1 forbids them)
    std::uint8_t next_byte = 0;

    std::uint64_t read(Word offset, unsigned) {
        switch (offset) {
        case Regs::MagicValue::offset: return Regs::magic;
        case Regs::Version::offset: return version;
        case Regs::DeviceId::offset: return device_id;
        case Regs::VendorId::offset: return 0x554d4551; // "QEMU"
        case Regs::DeviceFeatures::offset:
            return static_cast<std::uint32_t>(features >> (32 * device_features_sel_));
        case Regs::QueueNumMax::offset: return max_queue;
        case Regs::QueueReady::offset: return queue_ready_;
        case Regs::InterruptStatus::offset: return interrupt_status;
        case Regs::Status::offset:
            return needs_reset ? status | dddk::virtio::status::device_needs_reset : status;
        case Regs::ConfigGeneration::offset: return 0;
        default: return 0;
        }
    }

    void write(Word offset, unsigned, std::uint64_t value) {
        const auto v = static_cast<std::uint32_t>(value);
        switch (offset) {
        case Regs::DeviceFeaturesSel::offset: device_features_sel_ = v & 1; break;
        case Regs::DriverFeaturesSel::offset: driver_features_sel_ = v & 1; break;
        case Regs::DriverFeatures::offset:
            driver_features |= std::uint64_t{v} << (32 * driver_features_sel_);
            break;
        case Regs::QueueNum::offset: queue_num_ = static_cast<std::uint16_t>(v); break;
        case Regs::QueueReady::offset: queue_ready_ = v; break;
        case Regs::QueueDescLow::offset: desc_ = (desc_ & ~0xffffffffULL) | v; break;
        case Regs::QueueDescHigh::offset: desc_ = (desc_ & 0xffffffffULL) | (value << 32); break;
        case Regs::QueueDriverLow::offset: avail_ = (avail_ & ~0xffffffffULL) | v; break;
        case Regs::QueueDriverHigh::offset:
            avail_ = (avail_ & 0xffffffffULL) | (value << 32);
            break;
        case Regs::QueueDeviceLow::offset: used_ = (used_ & ~0xffffffffULL) | v; break;
        case Regs::QueueDeviceHigh::offset: used_ = (used_ & 0xffffffffULL) | (value << 32); break;
        case Regs::QueueNotify::offset:
            ++notifies;
            if (!hold) {
                process();
            }
            break;
        case Regs::InterruptAck::offset: interrupt_status &= ~v; break;
        case Regs::Status::offset:
            status = v;
            if (v == 0) { // reset
                driver_features = 0;
                queue_ready_ = 0;
                seen_ = 0;
            } else if ((v & dddk::virtio::status::features_ok) != 0 &&
                       (driver_features & ~features) != 0) {
                status &= ~dddk::virtio::status::features_ok; // features it never offered
            }
            break;
        default: break;
        }
    }

    // Fills every buffer made available and not yet taken.
    void process() {
        const auto* avail = as<std::uint16_t>(avail_);
        bool any = false;
        while (seen_ != avail[1]) {
            const std::uint16_t head = avail[2 + seen_ % queue_num_];
            ++seen_;
            const auto* d = as<dddk::virtio::QueueDescriptor>(desc_) + head;
            if ((d->flags & dddk::virtio::QueueDescriptor::write_flag) == 0) {
                ++readable_buffers;
            }
            const std::uint32_t n = fill_bytes ? std::min(*fill_bytes, d->len) : d->len;
            auto* bytes = as<std::uint8_t>(d->addr);
            for (std::uint32_t i = 0; i < n; ++i) {
                bytes[i] = next_byte++;
            }
            ++buffers_filled;
            complete(head, reported_len ? *reported_len : n);
            any = true;
        }
        if (any) {
            interrupt_status |= 1;
        }
    }

    // Buffers the driver made available that the device has not filled yet.
    [[nodiscard]] std::uint16_t pending() const {
        return static_cast<std::uint16_t>(as<std::uint16_t>(avail_)[1] - seen_);
    }

private:
    template <typename T>
    static T* as(Word paddr) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): "physical" addresses are host addresses
        return reinterpret_cast<T*>(paddr);
    }
    void complete(std::uint32_t id, std::uint32_t len) {
        auto* used = as<std::uint16_t>(used_);
        auto* ring = reinterpret_cast<dddk::virtio::UsedElement*>(used + 2);
        ring[used[1] % queue_num_] = {id, len};
        ++used[1];
    }

    unsigned device_features_sel_ = 0;
    unsigned driver_features_sel_ = 0;
    std::uint16_t queue_num_ = 0;
    std::uint32_t queue_ready_ = 0;
    Word desc_ = 0;
    Word avail_ = 0;
    Word used_ = 0;
    std::uint16_t seen_ = 0;
};

} // namespace kaal::testing
