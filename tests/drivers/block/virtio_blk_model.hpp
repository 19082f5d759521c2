// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include <kaal/dddk/virtio/mmio_transport.hpp>
#include <kaal/dddk/virtio/split_queue.hpp>

#include "virtio_blk.hpp"

// A virtio-blk device behind a modern virtio-mmio transport, as a register model for host tests
// (virtio 1.2, 4.2.2 and 5.2). "Physical" addresses are host addresses. On a QueueNotify it
// takes every available chain, unless `hold` is set (the requests then stay in flight until
// process() is called), performs it on `disk`, writes the status byte and the used ring, and
// raises the used-buffer interrupt.
namespace kaal::testing {

class VirtioBlkModel {
public:
    using Regs = dddk::virtio::MmioRegisters;
    static constexpr std::uint16_t max_queue = 64;

    explicit VirtioBlkModel(std::uint64_t sectors) : disk(sectors * 512) {}

    // What the device is.
    std::uint32_t version = Regs::modern_version;
    std::uint32_t device_id = drivers::block::virtio_blk::device_id;
    std::uint64_t features =
        dddk::virtio::feature_version_1 | drivers::block::virtio_blk::feature::flush;
    std::vector<std::uint8_t> disk;
    bool hold = false;
    int fail_next = -1; // a status byte to answer the next request with instead of doing it
    bool report_bogus_used = false; // the next completion is preceded by one naming no chain

    // What the driver did.
    std::uint32_t status = 0;
    std::uint64_t driver_features = 0;
    unsigned flushes = 0;
    unsigned requests = 0;
    std::uint32_t interrupt_status = 0;

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
        case Regs::Status::offset: return status;
        case Regs::ConfigGeneration::offset: return 0;
        case Regs::config_offset: return static_cast<std::uint32_t>(disk.size() / 512);
        case Regs::config_offset + 4: return static_cast<std::uint32_t>((disk.size() / 512) >> 32);
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

    // Performs every chain made available and not yet taken.
    void process() {
        using namespace drivers::block::virtio_blk;
        const auto* avail = as<std::uint16_t>(avail_);
        while (seen_ != avail[1]) {
            const std::uint16_t head = avail[2 + seen_ % queue_num_];
            ++seen_;
            ++requests;
            const auto* d0 = descriptor(head);
            const auto* h = as<RequestHeader>(d0->addr);
            std::uint8_t result = status::ok;
            const dddk::virtio::QueueDescriptor* last = d0;
            std::uint32_t written = 0;
            if (h->type == request::flush) {
                ++flushes;
                last = descriptor(d0->next);
            } else {
                const auto* data = descriptor(d0->next);
                last = descriptor(data->next);
                const std::uint64_t at = h->sector * 512;
                if (at + data->len > disk.size()) {
                    result = status::io_error;
                } else if (h->type == request::in) {
                    std::memcpy(as<std::uint8_t>(data->addr), disk.data() + at, data->len);
                    written = data->len;
                } else if (h->type == request::out) {
                    std::memcpy(disk.data() + at, as<std::uint8_t>(data->addr), data->len);
                } else {
                    result = status::unsupported;
                }
            }
            if (fail_next >= 0) {
                result = static_cast<std::uint8_t>(fail_next);
                fail_next = -1;
            }
            *as<std::uint8_t>(last->addr) = result;
            if (report_bogus_used) {
                report_bogus_used = false;
                complete(max_queue + 1, 0);
            }
            complete(head, written + 1);
        }
        interrupt_status |= 1;
    }

private:
    template <typename T>
    static T* as(Word paddr) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): "physical" addresses are host addresses
        return reinterpret_cast<T*>(paddr);
    }
    [[nodiscard]] const dddk::virtio::QueueDescriptor* descriptor(std::uint16_t index) const {
        return as<dddk::virtio::QueueDescriptor>(desc_) + index;
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
