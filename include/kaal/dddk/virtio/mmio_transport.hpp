// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/dddk/barrier.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/register.hpp>
#include <kaal/dddk/register_block.hpp>

// The virtio-mmio transport, modern interface only (Virtual I/O Device (VIRTIO) Version 1.2,
// 4.2 "Virtio Over MMIO"; section numbers below are that spec's). QEMU's virt machine has 32
// transports of 0x200 bytes from 0x0a000000; they are legacy (Version 1) unless QEMU runs with
// `-global virtio-mmio.force-legacy=false`, and a legacy one is refused here with a message
// that says so. A transport with no device behind it reads DeviceID 0.
namespace kaal::dddk::virtio {

struct MmioRegisters {
    template <Word Offset, Access Mode = Access::read_write>
    using Register = dddk::Register<Offset, 32, Mode>;

    // 4.2.2 "MMIO Device Register Layout".
    struct MagicValue : Register<0x000, Access::read_only> {};
    struct Version : Register<0x004, Access::read_only> {};
    struct DeviceId : Register<0x008, Access::read_only> {};
    struct VendorId : Register<0x00c, Access::read_only> {};
    struct DeviceFeatures : Register<0x010, Access::read_only> {};
    struct DeviceFeaturesSel : Register<0x014, Access::write_only> {};
    struct DriverFeatures : Register<0x020, Access::write_only> {};
    struct DriverFeaturesSel : Register<0x024, Access::write_only> {};
    struct QueueSel : Register<0x030, Access::write_only> {};
    struct QueueNumMax : Register<0x034, Access::read_only> {};
    struct QueueNum : Register<0x038, Access::write_only> {};
    struct QueueReady : Register<0x044> {};
    struct QueueNotify : Register<0x050, Access::write_only> {};
    struct InterruptStatus : Register<0x060, Access::read_only> {
        struct UsedBuffer : Bitfield<0, 1> {};
        struct ConfigChange : Bitfield<1, 1> {};
    };
    struct InterruptAck : Register<0x064, Access::write_only> {};
    struct Status : Register<0x070> {};
    struct QueueDescLow : Register<0x080, Access::write_only> {};
    struct QueueDescHigh : Register<0x084, Access::write_only> {};
    struct QueueDriverLow : Register<0x090, Access::write_only> {};
    struct QueueDriverHigh : Register<0x094, Access::write_only> {};
    struct QueueDeviceLow : Register<0x0a0, Access::write_only> {};
    struct QueueDeviceHigh : Register<0x0a4, Access::write_only> {};
    struct ConfigGeneration : Register<0x0fc, Access::read_only> {};
    static constexpr Word config_offset = 0x100; // the device-specific configuration space
    static constexpr Word span = 0x200;

    static constexpr std::uint32_t magic = 0x7472'6976; // "virt", little-endian
    static constexpr std::uint32_t modern_version = 2;
};

// 2.1 "Device Status Field".
namespace status {
inline constexpr std::uint32_t acknowledge = 1;
inline constexpr std::uint32_t driver = 2;
inline constexpr std::uint32_t driver_ok = 4;
inline constexpr std::uint32_t features_ok = 8;
inline constexpr std::uint32_t device_needs_reset = 64;
inline constexpr std::uint32_t failed = 128;
} // namespace status

// 6 "Reserved Feature Bits": the modern interface, which this transport requires.
inline constexpr std::uint64_t feature_version_1 = std::uint64_t{1} << 32;

// One transport: the steps of 3.1.1 "Driver Requirements: Device Initialization" that do not
// depend on the device type, in the order the spec gives them.
template <RegisterBus Bus>
class MmioTransport {
public:
    using Regs = MmioRegisters;

    // Checks that `bus` is a modern virtio-mmio transport with a device of type `device_id`
    // behind it (5 "Device Types": 2 is a block device). unsupported: a legacy transport;
    // no_such_device: no device, or another type.
    static Result<MmioTransport> probe(Bus bus, std::uint32_t device_id) {
        const RegisterBlock<Bus> regs{bus};
        if (regs.template read<Regs::MagicValue>() != Regs::magic) {
            return Error::no_such_device;
        }
        if (regs.template read<Regs::Version>() != Regs::modern_version) {
            return Error::unsupported;
        }
        if (regs.template read<Regs::DeviceId>() != device_id) {
            return Error::no_such_device;
        }
        return MmioTransport(bus);
    }

    // Reset, ACKNOWLEDGE, DRIVER, then the features: VERSION_1 and whichever of `wanted` the
    // device offers; FEATURES_OK, read back (3.1.1 step 6: the device may refuse the subset).
    // Returns the features both sides now use.
    Result<std::uint64_t> negotiate(std::uint64_t wanted) {
        KAAL_CHECK(reset());
        set_status(status::acknowledge);
        set_status(status::acknowledge | status::driver);
        const std::uint64_t offered = device_features();
        if ((offered & feature_version_1) == 0) {
            fail();
            return Error::unsupported;
        }
        const std::uint64_t accepted = offered & (wanted | feature_version_1);
        regs_.template write<Regs::DriverFeaturesSel>(0);
        regs_.template write<Regs::DriverFeatures>(static_cast<std::uint32_t>(accepted));
        regs_.template write<Regs::DriverFeaturesSel>(1);
        regs_.template write<Regs::DriverFeatures>(static_cast<std::uint32_t>(accepted >> 32));
        set_status(status::acknowledge | status::driver | status::features_ok);
        if ((regs_.template read<Regs::Status>() & status::features_ok) == 0) {
            fail();
            return Error::unsupported;
        }
        return accepted;
    }

    // 4.2.3.2 "Virtqueue Configuration": `size` entries (at most QueueNumMax) at the three
    // physical addresses; range_error if the device offers fewer, already_claimed if the queue
    // is in use.
    Status set_up_queue(std::uint32_t index, std::uint32_t size, Word descriptors, Word available,
                        Word used) {
        regs_.template write<Regs::QueueSel>(index);
        if (regs_.template read<Regs::QueueReady>() != 0) {
            return Error::already_claimed;
        }
        const std::uint32_t most = regs_.template read<Regs::QueueNumMax>();
        if (most == 0 || size > most) {
            return Error::range_error;
        }
        regs_.template write<Regs::QueueNum>(size);
        write64<Regs::QueueDescLow, Regs::QueueDescHigh>(descriptors);
        write64<Regs::QueueDriverLow, Regs::QueueDriverHigh>(available);
        write64<Regs::QueueDeviceLow, Regs::QueueDeviceHigh>(used);
        regs_.template write<Regs::QueueReady>(1);
        return {};
    }

    // 3.1.1 step 8: the device is live.
    void driver_ok() {
        set_status(status::acknowledge | status::driver | status::features_ok | status::driver_ok);
    }

    // The doorbell. The caller ordered its queue's stores before it (SplitQueue::needs_notify).
    void notify(std::uint32_t queue) { regs_.template write<Regs::QueueNotify>(queue); }

    // Reads and acknowledges the interrupt's causes (4.2.2: InterruptACK clears the bits
    // written), before the driver looks at its queues: a completion after that raises the
    // interrupt again, so none is missed.
    std::uint32_t take_interrupt() {
        const std::uint32_t causes = regs_.template read<Regs::InterruptStatus>();
        regs_.template write<Regs::InterruptAck>(causes);
        io_read_barrier();
        return causes;
    }

    [[nodiscard]] bool needs_reset() const {
        return (regs_.template read<Regs::Status>() & status::device_needs_reset) != 0;
    }

    // A 32-bit field of the device's configuration space, read as 4.2.2 allows (aligned, its
    // own width); 64-bit fields in two halves, retried while ConfigGeneration changes (2.5.1
    // "Driver Requirements: Device Configuration Space"), a bounded number of times.
    [[nodiscard]] std::uint32_t config32(Word offset) const {
        return bus_.template read<std::uint32_t>(Regs::config_offset + offset);
    }
    [[nodiscard]] Result<std::uint64_t> config64(Word offset) const {
        constexpr int attempts = 16;
        for (int i = 0; i < attempts; ++i) {
            const std::uint32_t before = regs_.template read<Regs::ConfigGeneration>();
            const std::uint64_t low = config32(offset);
            const std::uint64_t high = config32(offset + 4);
            if (regs_.template read<Regs::ConfigGeneration>() == before) {
                return (high << 32) | low;
            }
        }
        return Error::illegal_operation; // the configuration never held still
    }

    // 2.1.2: writing 0 resets the device; it is reset when Status reads back 0, which a working
    // device does at once. Everything it did by DMA is then complete.
    Status reset() {
        constexpr int polls = 1'000'000;
        regs_.template write<Regs::Status>(0);
        for (int i = 0; i < polls; ++i) {
            if (regs_.template read<Regs::Status>() == 0) {
                io_completion_barrier();
                return {};
            }
        }
        return Error::no_such_device; // it does not reset: not a device to trust with DMA
    }

    void fail() { set_status(regs_.template read<Regs::Status>() | status::failed); }

private:
    explicit MmioTransport(Bus bus) : bus_(bus), regs_(bus) {}

    void set_status(std::uint32_t value) { regs_.template write<Regs::Status>(value); }

    [[nodiscard]] std::uint64_t device_features() {
        regs_.template write<Regs::DeviceFeaturesSel>(0);
        const std::uint64_t low = regs_.template read<Regs::DeviceFeatures>();
        regs_.template write<Regs::DeviceFeaturesSel>(1);
        const std::uint64_t high = regs_.template read<Regs::DeviceFeatures>();
        return (high << 32) | low;
    }

    template <typename Low, typename High>
    void write64(Word value) {
        regs_.template write<Low>(static_cast<std::uint32_t>(value));
        regs_.template write<High>(static_cast<std::uint32_t>(value >> 32));
    }

    Bus bus_;
    RegisterBlock<Bus> regs_;
};

} // namespace kaal::dddk::virtio
