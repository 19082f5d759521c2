// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>
#include <optional>

#include <kaal/dddk/virtio/mmio_transport.hpp>
#include <kaal/dddk/virtio/split_queue.hpp>

// The modern virtio-mmio transport of a device with one virtqueue, as a register model for the
// host tests of its driver (virtio 1.2, 4.2.2, and 2.7 for the split queue). "Physical"
// addresses are host addresses. `Device` derives from it (CRTP) and supplies what is its own:
// `process()`, run on a QueueNotify unless `hold` is set, which takes the available chains
// (next_available) and hands them back (complete); and `config(offset)`, its configuration
// space. A reset (Status 0) forgets the queue and the negotiated features; FEATURES_OK is
// refused for a feature the device never offered (3.1.1).
namespace kaal::testing {

template <typename Device>
class VirtioMmioQueueModel {
public:
    using Regs = dddk::virtio::MmioRegisters;
    static constexpr std::uint16_t max_queue = 64;

    // What the device is.
    std::uint32_t version = Regs::modern_version;
    std::uint32_t device_id;
    std::uint64_t features;
    bool hold = false;
    bool needs_reset = false;

    // What the driver did.
    std::uint32_t status = 0;
    std::uint64_t driver_features = 0;
    std::uint32_t interrupt_status = 0;
    unsigned notifies = 0;

    VirtioMmioQueueModel(std::uint32_t id, std::uint64_t offered)
        : device_id(id), features(offered) {}

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
        default:
            return offset >= Regs::config_offset ? device().config(offset - Regs::config_offset)
                                                 : 0;
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
        case Regs::QueueDescLow::offset: low(desc_, v); break;
        case Regs::QueueDescHigh::offset: high(desc_, v); break;
        case Regs::QueueDriverLow::offset: low(avail_, v); break;
        case Regs::QueueDriverHigh::offset: high(avail_, v); break;
        case Regs::QueueDeviceLow::offset: low(used_, v); break;
        case Regs::QueueDeviceHigh::offset: high(used_, v); break;
        case Regs::QueueNotify::offset:
            ++notifies;
            if (!hold) {
                device().process();
            }
            break;
        case Regs::InterruptAck::offset: interrupt_status &= ~v; break;
        case Regs::Status::offset:
            status = v;
            if (v == 0) {
                driver_features = 0;
                queue_ready_ = 0;
                seen_ = 0;
            } else if ((v & dddk::virtio::status::features_ok) != 0 &&
                       (driver_features & ~features) != 0) {
                status &= ~dddk::virtio::status::features_ok;
            }
            break;
        default: break;
        }
    }

    // Chains the driver made available that the device has not taken yet.
    [[nodiscard]] std::uint16_t pending() const {
        return static_cast<std::uint16_t>(as<std::uint16_t>(avail_)[1] - seen_);
    }

protected:
    template <typename T>
    static T* as(Word paddr) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): "physical" addresses are host addresses
        return reinterpret_cast<T*>(paddr);
    }

    // The head of the next chain in the available ring, taken; none when all are taken.
    std::optional<std::uint16_t> next_available() {
        const auto* avail = as<std::uint16_t>(avail_);
        if (seen_ == avail[1]) {
            return std::nullopt;
        }
        return avail[2 + seen_++ % queue_num_];
    }
    [[nodiscard]] const dddk::virtio::QueueDescriptor* descriptor(std::uint16_t index) const {
        return as<dddk::virtio::QueueDescriptor>(desc_) + index;
    }
    // Puts `id` in the used ring with `len` bytes written (2.7.8).
    void complete(std::uint32_t id, std::uint32_t len) {
        auto* used = as<std::uint16_t>(used_);
        auto* ring = reinterpret_cast<dddk::virtio::UsedElement*>(used + 2);
        ring[used[1] % queue_num_] = {id, len};
        ++used[1];
    }

private:
    Device& device() { return static_cast<Device&>(*this); }
    static void low(Word& address, std::uint32_t v) { address = (address & ~0xffffffffULL) | v; }
    static void high(Word& address, std::uint32_t v) {
        address = (address & 0xffffffffULL) | (Word{v} << 32);
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
