// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>

#include <kaal/broker/device_bundle.hpp>
#include <kaal/core/result.hpp>
#include <kaal/platform/message.hpp>

// A bus is how a register access reaches the device. A driver is a template over its bus, so the
// same driver code talks to memory-mapped registers on seL4 (MmioBus), to x86 I/O ports
// (port_io_bus.hpp) or to a host-side model of the device in tests (mock_bus.hpp), and the
// choice is made at compile time: a register read through MmioBus compiles to one load
// instruction, with no virtual call or function pointer in between.
//
// A bus is a small value (a base address, or a base port and its ops) that provides
//   template <typename T> T    read(Word offset) const;
//   template <typename T> void write(Word offset, T value) const;
// for the unsigned widths its device uses. `offset` is in bytes from the start of the device's
// register block. A bus may reject a width at compile time (x86 ports have no 64-bit access).
namespace kaal::dddk {

template <typename B>
concept RegisterBus = std::copy_constructible<B> &&
    requires(const B& bus, Word offset, std::uint32_t value) {
    { bus.template read<std::uint32_t>(offset) } -> std::same_as<std::uint32_t>;
    bus.template write<std::uint32_t>(offset, value);
};

template <typename T>
concept RegisterValue =
    std::unsigned_integral<T> && !std::same_as<T, bool> && sizeof(T) <= sizeof(std::uint64_t);

// Registers mapped into the address space, uncached (a Microkit <map cached="false">, or a frame
// the broker mapped uncached). Each access is a single volatile load or store of exactly the
// register's width: volatile forbids the compiler to drop, repeat, merge or split it, which is
// what a register with side effects (a FIFO data register, a write-to-clear register) needs.
// Ordering against ordinary memory, which only DMA drivers need, is barrier.hpp's job.
class MmioBus {
public:
    // `span` is how many bytes of registers the driver will touch. The region must be mapped
    // and large enough, and its base aligned to the widest access (AArch64 faults on an
    // unaligned access to Device memory; ARM ARM, "Alignment of data accesses").
    static constexpr Result<MmioBus> create(const MmioRegion& region, Word span) {
        if (!region.present() || region.vaddr == 0) {
            return Error::invalid_argument;
        }
        if (span > region.size) {
            return Error::range_error;
        }
        if (region.vaddr % sizeof(std::uint64_t) != 0) {
            return Error::alignment_error;
        }
        return MmioBus(region.vaddr);
    }

    template <RegisterValue T>
    [[nodiscard]] T read(Word offset) const {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the address is a device mapping
        return *reinterpret_cast<const volatile T*>(base_ + offset);
    }

    template <RegisterValue T>
    void write(Word offset, T value) const {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the address is a device mapping
        *reinterpret_cast<volatile T*>(base_ + offset) = value;
    }

    [[nodiscard]] constexpr Word base() const { return base_; }

private:
    constexpr explicit MmioBus(Word base) : base_(base) {}

    Word base_;
};

static_assert(RegisterBus<MmioBus>);

} // namespace kaal::dddk
