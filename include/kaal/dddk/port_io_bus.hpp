// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <concepts>
#include <cstdint>

#include <kaal/broker/device_bundle.hpp>
#include <kaal/core/result.hpp>
#include <kaal/dddk/bus.hpp>

// x86 I/O ports as a register bus. A device behind ports (the 16550 UART at 0x3f8, the 8254 PIT)
// is described with the same Register/Bitfield types as an MMIO device, with each register's
// offset counted in ports from the device's first port, and its driver is written once against
// RegisterBus. Only the instructions differ, and a user-level seL4 thread cannot execute IN/OUT:
// it invokes an IOPort capability instead (seL4 manual, "x86-Specific Objects": the
// seL4_X86_IOPort_In8/16/32 and Out8/16/32 methods, which the kernel checks against the cap's
// port range). So the bus is split in two:
//   - PortIoBus (here): offset arithmetic and the width dispatch, the same on every platform;
//   - the platform's PortIoOps: how one port is read or written. Runtime mode provides one that
//     makes the seL4 invocations on the IoPortRange's cap; mock_bus.hpp provides one that drives a
//     host-side device model. dddk/README.md, "A port-I/O bus", shows how one is written.
namespace kaal::dddk {

// `port` is absolute. Errors: PortIoBus::create has checked that every port the driver can name
// is inside the range the capability covers, so an invocation can fail only if the platform
// gave the driver a wrong capability, a configuration bug the ops report in their own way (the
// seL4 ops print it and return all-ones, as a missing ISA device reads).
template <typename Ops>
concept PortIoOps = std::copy_constructible<Ops> &&
    requires(const Ops& ops, Word port, std::uint8_t v8, std::uint16_t v16, std::uint32_t v32) {
    { ops.in8(port) } -> std::same_as<std::uint8_t>;
    { ops.in16(port) } -> std::same_as<std::uint16_t>;
    { ops.in32(port) } -> std::same_as<std::uint32_t>;
    ops.out8(port, v8);
    ops.out16(port, v16);
    ops.out32(port, v32);
};

template <PortIoOps Ops>
class PortIoBus {
public:
    // `span` is the number of ports the driver's register description uses, from range.first.
    static constexpr Result<PortIoBus> create(const IoPortRange& range, Word span, Ops ops) {
        if (!range.present() || span == 0) {
            return Error::invalid_argument;
        }
        if (span - 1 > range.last - range.first) {
            return Error::range_error;
        }
        return PortIoBus(range.first, ops);
    }

    template <RegisterValue T>
    [[nodiscard]] T read(Word offset) const {
        const Word port = first_ + offset;
        if constexpr (sizeof(T) == 1) {
            return ops_.in8(port);
        } else if constexpr (sizeof(T) == 2) {
            return ops_.in16(port);
        } else {
            static_assert(sizeof(T) == 4, "x86 port I/O is 8, 16 or 32 bits wide");
            return ops_.in32(port);
        }
    }

    template <RegisterValue T>
    void write(Word offset, T value) const {
        const Word port = first_ + offset;
        if constexpr (sizeof(T) == 1) {
            ops_.out8(port, value);
        } else if constexpr (sizeof(T) == 2) {
            ops_.out16(port, value);
        } else {
            static_assert(sizeof(T) == 4, "x86 port I/O is 8, 16 or 32 bits wide");
            ops_.out32(port, value);
        }
    }

    [[nodiscard]] constexpr Word first_port() const { return first_; }

private:
    constexpr PortIoBus(Word first, Ops ops) : first_(first), ops_(ops) {}

    Word first_;
    Ops ops_;
};

} // namespace kaal::dddk
