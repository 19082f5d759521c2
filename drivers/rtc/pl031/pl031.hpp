// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/dddk/primecell.hpp>
#include <kaal/dddk/register.hpp>
#include <kaal/dddk/register_block.hpp>

// The ARM PL031 real-time clock (ARM DDI 0224, "PrimeCell Real Time Clock (PL031) Technical
// Reference Manual"): a 32-bit count of seconds, RTCDR, that QEMU virt starts at the host's time
// (UTC, seconds since 1970). The time service reads it once at boot; its resolution is one
// second, which bounds the wall clock's accuracy.
namespace kaal::drivers::rtc {

struct Pl031 {
    struct Dr : dddk::Register<0x000, 32, dddk::Access::read_only> {}; // 3.3.1 data register
    struct Cr : dddk::Register<0x00c, 32> {                            // 3.3.4 control register
        struct Start : Bitfield<0, 1> {};
    };
    // 3.3.10-3.3.17: the PrimeCell identification (kaal/dddk/primecell.hpp).
    static constexpr Word register_span = 0x1000;
};

// Seconds since 1970 (UTC), after checking that the registers are a PL031's (its PrimeCell
// part number, 0x031). Starts the counter if firmware left it stopped.
template <dddk::RegisterBus Bus>
Result<std::uint32_t> read_seconds(Bus bus) {
    KAAL_TRY(const dddk::PrimeCellId id, dddk::read_primecell_id(bus));
    if (id.part != 0x031) {
        return Error::no_such_device;
    }
    const dddk::RegisterBlock<Bus> regs{bus};
    if (regs.template read<Pl031::Cr::Start>() == 0) {
        regs.template write<Pl031::Cr>(Pl031::Cr::Start::bits(1));
    }
    return regs.template read<Pl031::Dr>();
}

} // namespace kaal::drivers::rtc
