// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/platform/debug.hpp>
#include <kaal/platform/runtime/sel4.hpp>

// x86 port I/O from user level, as the DDDK's PortIoOps (kaal/dddk/port_io_bus.hpp): every access
// is an invocation of an IOPort capability covering the port (seL4 manual, "IO Ports"; x86 only).
// PortIoBus::create has already checked that the driver's ports lie in the capability's range,
// so the kernel can refuse an access only if the platform handed the driver a wrong capability:
// that is reported on the debug console and the read returns all ones, as a port with no device
// behind it reads on a PC.
namespace kaal::runtime {

class Sel4PortIoOps {
public:
    explicit Sel4PortIoOps(Word cap) : cap_(cap) {}

    [[nodiscard]] std::uint8_t in8(Word port) const {
        const auto got = seL4_X86_IOPort_In8(cap_, static_cast<seL4_Uint16>(port));
        return checked(got.error, port) ? got.result : std::uint8_t{0xff};
    }
    [[nodiscard]] std::uint16_t in16(Word port) const {
        const auto got = seL4_X86_IOPort_In16(cap_, static_cast<seL4_Uint16>(port));
        return checked(got.error, port) ? got.result : std::uint16_t{0xffff};
    }
    [[nodiscard]] std::uint32_t in32(Word port) const {
        const auto got = seL4_X86_IOPort_In32(cap_, static_cast<seL4_Uint16>(port));
        return checked(got.error, port) ? got.result : ~std::uint32_t{0};
    }
    void out8(Word port, std::uint8_t value) const {
        static_cast<void>(checked(seL4_X86_IOPort_Out8(cap_, port, value), port));
    }
    void out16(Word port, std::uint16_t value) const {
        static_cast<void>(checked(seL4_X86_IOPort_Out16(cap_, port, value), port));
    }
    void out32(Word port, std::uint32_t value) const {
        static_cast<void>(checked(seL4_X86_IOPort_Out32(cap_, port, value), port));
    }

private:
    static bool checked(int error, Word port) {
        if (error != seL4_NoError) {
            debug::print("kaal: I/O port ", debug::hex(port),
                         " refused: ", static_cast<Error>(error), "\n");
            return false;
        }
        return true;
    }

    Word cap_;
};

} // namespace kaal::runtime
