// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>

#include <kaal/platform/message.hpp>
#include <kaal/platform/object_type.hpp>

namespace kaal {

// Devices are named by what they are, not where they are, so that a driver asks for
// `{serial, 0}` on every board and the board's table says which UART that is.
enum class DeviceKind : std::uint8_t {
    serial,
    interrupt_controller,
    timer,
    virtio_mmio,
    pit,  // x86 8254 programmable interval timer
    hpet, // x86 high precision event timer
    rtc,  // a real-time clock: the wall-clock time, kept while the machine is off
};

struct DeviceId {
    DeviceKind kind = DeviceKind::serial;
    std::uint8_t index = 0;
    friend constexpr bool operator==(DeviceId, DeviceId) = default;
};

inline constexpr Word no_irq = ~Word{0};

// One device of a board: its MMIO window, IRQ, I/O ports and how much DMA memory its driver
// gets. Absent resources are size 0 / `no_irq` / an empty port range.
struct DeviceDesc {
    DeviceId id;
    const char* name = "";
    const char* compatible = ""; // the device tree's compatible string, for people and logs
    Word mmio_paddr = 0;
    Word mmio_size = 0;
    Word irq = no_irq;
    Word io_port_first = 1;
    Word io_port_last = 0; // first > last: no ports
    Word dma_bytes = 0;
    bool kernel_owned = false; // the kernel uses it; no component may claim it

    [[nodiscard]] constexpr bool has_io_ports() const { return io_port_first <= io_port_last; }
};

// A board's devices: a view of a static table, so the broker needs no copy of it.
class DeviceTable {
public:
    constexpr DeviceTable() = default;
    template <std::size_t N>
    constexpr DeviceTable(Arch arch, const DeviceDesc (&devices)[N]) // NOLINT(*-explicit-*)
        : arch_(arch), devices_(devices), count_(N) {}
    constexpr DeviceTable(Arch arch, const DeviceDesc* devices, std::size_t count)
        : arch_(arch), devices_(devices), count_(count) {}

    [[nodiscard]] constexpr Arch arch() const { return arch_; }
    [[nodiscard]] constexpr std::size_t size() const { return count_; }
    [[nodiscard]] constexpr const DeviceDesc& operator[](std::size_t i) const {
        return devices_[i];
    }
    [[nodiscard]] constexpr const DeviceDesc* find(DeviceId id) const {
        for (std::size_t i = 0; i < count_; ++i) {
            if (devices_[i].id == id) {
                return &devices_[i];
            }
        }
        return nullptr;
    }

private:
    Arch arch_ = native_arch;
    const DeviceDesc* devices_ = nullptr;
    std::size_t count_ = 0;
};

} // namespace kaal
