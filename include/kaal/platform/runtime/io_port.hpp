// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/broker/device_bundle.hpp>
#include <kaal/core/result.hpp>
#include <kaal/platform/runtime/sel4.hpp>

// x86 port I/O from user level: every access is an invocation of an IOPort capability covering
// the port (seL4 manual, "IO Ports"; x86 only). The range is checked here first so a driver bug
// is an error value, not a kernel debug message.
namespace kaal::runtime {

class IoPortBus {
public:
    explicit IoPortBus(const IoPortRange& range) : range_(range) {}

    [[nodiscard]] Result<std::uint8_t> in8(Word port) const {
        if (!covers(port)) {
            return Error::range_error;
        }
        const auto got = seL4_X86_IOPort_In8(range_.cap.cptr(), static_cast<seL4_Uint16>(port));
        if (got.error != seL4_NoError) {
            return static_cast<Error>(got.error);
        }
        return static_cast<std::uint8_t>(got.result);
    }

    [[nodiscard]] Status out8(Word port, std::uint8_t value) const {
        if (!covers(port)) {
            return Error::range_error;
        }
        return static_cast<Error>(
            seL4_X86_IOPort_Out8(range_.cap.cptr(), static_cast<seL4_Word>(port), value));
    }

private:
    [[nodiscard]] bool covers(Word port) const {
        return port >= range_.first && port <= range_.last;
    }

    IoPortRange range_;
};

} // namespace kaal::runtime
