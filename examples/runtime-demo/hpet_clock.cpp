// SPDX-License-Identifier: BSD-2-Clause
// hpet-clock: a component granted a memory-mapped device in runtime mode. The root task mapped
// the HPET's register page into its VSpace (uncached) from the grant in its description; this
// component reads the capabilities register, starts the main counter and watches it advance
// (IA-PC HPET specification 1.0a, 2.3.4 "General Capabilities and ID Register", 2.3.5 "General
// Configuration Register", 2.3.7 "Main Counter Value Register"). Registers are read as 32-bit
// halves, which every HPET accepts.
#include <cstdint>

#include <kaal/broker/granted_resources.hpp>
#include <kaal/dddk/bus.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

namespace {

constexpr kaal::Word capabilities_low = 0x000;
constexpr kaal::Word capabilities_high = 0x004; // the counter's period in femtoseconds
constexpr kaal::Word configuration = 0x010;     // bit 0: ENABLE_CNF, the main counter runs
constexpr kaal::Word main_counter_low = 0x0f0;

class HpetClock {
public:
    void init() {
        const auto bundle = kaal::granted_device(*kaal::runtime::start_info, 0);
        const auto bus = bundle ? kaal::dddk::MmioBus::create(bundle->mmio, main_counter_low + 8)
                                : kaal::Result<kaal::dddk::MmioBus>{bundle.error()};
        if (!bus) {
            kaal::debug::print("hpet-clock: FAILED: no HPET registers in the grant: ", bus.error(),
                               "\n");
            return;
        }
        const auto period_fs = bus->read<std::uint32_t>(capabilities_high);
        const auto vendor = bus->read<std::uint32_t>(capabilities_low) >> 16;
        bus->write<std::uint32_t>(configuration, bus->read<std::uint32_t>(configuration) | 1U);
        const auto first = bus->read<std::uint32_t>(main_counter_low);
        std::uint32_t later = first;
        for (unsigned spin = 0; spin < 1'000'000 && later - first < 1000; ++spin) {
            later = bus->read<std::uint32_t>(main_counter_low);
        }
        kaal::debug::print(
            "hpet-clock: registers granted at ", kaal::debug::hex(bundle->mmio.vaddr), ", vendor ",
            kaal::debug::hex(vendor), ", period ", period_fs, " fs; the main counter ",
            later - first >= 1000 ? "advanced" : "did not advance (FAILED)", " by ", later - first,
            " ticks\n");
    }
};

} // namespace

KAAL_COMPONENT(HpetClock);
