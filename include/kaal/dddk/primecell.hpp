// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/dddk/bus.hpp>

// ARM PrimeCell identification (every PrimeCell TRM, "Peripheral Identification Registers" and
// "PrimeCell Identification Registers"): the last 32 bytes of a PrimeCell's 4 KiB register page
// hold PeriphID0-3 at 0xfe0-0xfec (part number in bits 11:0, designer in 19:12, revision in
// 23:20) and CellID0-3 at 0xff0-0xffc, which read 0x0d, 0xf0, 0x05, 0xb1 on every PrimeCell.
// A driver checks both before it trusts the page: a mapping of the wrong device (or of none)
// then fails at start with a clear error instead of misbehaving.
namespace kaal::dddk {

struct PrimeCellId {
    std::uint32_t part;     // 0x011 PL011, 0x031 PL031, ...
    std::uint32_t designer; // 0x41: ARM
    std::uint32_t revision;
};

inline constexpr Word primecell_id_end = 0x1000; // the registers end with the ID block

// Reads the identification of the PrimeCell at `bus`, whose span covers its 4 KiB;
// no_such_device if the cell ID is not a PrimeCell's.
template <RegisterBus Bus>
Result<PrimeCellId> read_primecell_id(const Bus& bus) {
    std::uint32_t periph = 0;
    std::uint32_t cell = 0;
    for (unsigned i = 0; i < 4; ++i) {
        periph |= (bus.template read<std::uint32_t>(0xfe0 + 4 * i) & 0xffU) << (8 * i);
        cell |= (bus.template read<std::uint32_t>(0xff0 + 4 * i) & 0xffU) << (8 * i);
    }
    if (cell != 0xb105'f00dU) {
        return Error::no_such_device;
    }
    return PrimeCellId{periph & 0xfff, (periph >> 12) & 0xff, (periph >> 20) & 0xf};
}

} // namespace kaal::dddk
