// SPDX-License-Identifier: BSD-2-Clause
// hostile_mem: writes to an address it does not map, where its neighbours map their queues. The
// write must fault and stop it, and nothing else may notice.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

namespace {

// Where the composer puts every PD's first mapping (System::first_vaddr): a queue of each of
// its neighbours, and nothing of its own.
constexpr kaal::Word neighbours_address = 0x200'0000;

class HostileMem {
public:
    void init() {
        // In Microkit mode it prints only if something is wrong: the kernel's debug output goes
        // straight to the UART and could land inside a line the TX mux is sending.
#if defined(KAAL_PLATFORM_RUNTIME)
        kaal::debug::print("hostile_mem: writing to ", kaal::debug::hex(neighbours_address),
                           ", which it does not map\n");
#endif
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the point is an address it does not own
        *reinterpret_cast<volatile kaal::Word*>(neighbours_address) = 0xbad;
        kaal::debug::print("hostile_mem: FAILED: the write did not fault\n");
    }
};

} // namespace

KAAL_COMPONENT(HostileMem);
