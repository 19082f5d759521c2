// SPDX-License-Identifier: BSD-2-Clause
// hostile_cap: invokes capability slots it was not given. An empty slot of its CNode is refused
// with an error (seL4 manual, "Errors": seL4_InvalidCapability); a CPtr that names no slot at all,
// on a blocking send, is a cap fault for its fault handler, which stops it.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

namespace {

constexpr seL4_CPtr empty_slot = 200;       // in its CNode, past every slot it was given
constexpr seL4_CPtr foreign_cptr = 0x10000; // past its CNode altogether

class HostileCap {
public:
    void init() {
        // In Microkit mode only the second attempt is made: the debug kernel prints the first's
        // refusal straight to the UART, where it could land inside a line the TX mux is sending.
#if defined(KAAL_PLATFORM_RUNTIME)
        const seL4_MessageInfo_t refused = seL4_Call(empty_slot, seL4_MessageInfo_new(0, 0, 0, 0));
        kaal::debug::print("hostile_cap: a call on empty slot ", empty_slot, " was refused with ",
                           static_cast<kaal::Error>(seL4_MessageInfo_get_label(refused)),
                           "; now sending on CPtr ", kaal::debug::hex(foreign_cptr),
                           ", which names no slot\n");
#else
        static_cast<void>(empty_slot);
#endif
        seL4_Send(foreign_cptr, seL4_MessageInfo_new(0, 0, 0, 0));
        kaal::debug::print("hostile_cap: FAILED: the send did not fault\n");
    }
};

} // namespace

KAAL_COMPONENT(HostileCap);
