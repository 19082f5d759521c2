// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <concepts>
#include <cstdint>

#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/port_io_bus.hpp>

// Buses for host tests: every access goes to a device model, an ordinary C++ object that behaves
// like the hardware (FIFOs, flags, interrupt status) and that the test drives from the other
// side (a character arrives on the line, the transmitter shifts out a byte). The model is a
// template parameter, so a driver under test is the same code, inlined the same way, as on seL4;
// only its bus differs.
namespace kaal::dddk {

// What a model provides: an access of `bytes` (1, 2, 4 or 8) at byte `offset` of its register
// block (or, behind MockPortOps, at absolute port number `offset`).
template <typename M>
concept DeviceModel = requires(M& model, Word offset, unsigned bytes, std::uint64_t value) {
    { model.read(offset, bytes) } -> std::convertible_to<std::uint64_t>;
    model.write(offset, bytes, value);
};

template <DeviceModel Model>
class MockBus {
public:
    explicit MockBus(Model& model) : model_(&model) {}

    template <RegisterValue T>
    [[nodiscard]] T read(Word offset) const {
        return static_cast<T>(model_->read(offset, sizeof(T)));
    }
    template <RegisterValue T>
    void write(Word offset, T value) const {
        model_->write(offset, sizeof(T), value);
    }

    [[nodiscard]] Model& model() const { return *model_; }

private:
    Model* model_;
};

// The mock platform's PortIoOps: IN/OUT become model accesses at the absolute port number, so a
// port-I/O driver is tested through the real PortIoBus offset arithmetic.
template <DeviceModel Model>
class MockPortOps {
public:
    explicit MockPortOps(Model& model) : model_(&model) {}

    [[nodiscard]] std::uint8_t in8(Word port) const {
        return static_cast<std::uint8_t>(model_->read(port, 1));
    }
    [[nodiscard]] std::uint16_t in16(Word port) const {
        return static_cast<std::uint16_t>(model_->read(port, 2));
    }
    [[nodiscard]] std::uint32_t in32(Word port) const {
        return static_cast<std::uint32_t>(model_->read(port, 4));
    }
    void out8(Word port, std::uint8_t value) const { model_->write(port, 1, value); }
    void out16(Word port, std::uint16_t value) const { model_->write(port, 2, value); }
    void out32(Word port, std::uint32_t value) const { model_->write(port, 4, value); }

private:
    Model* model_;
};

} // namespace kaal::dddk
