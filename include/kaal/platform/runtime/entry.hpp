// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/component.hpp>
#include <kaal/platform/runtime/channel_ops.hpp>

// A runtime-mode component's event loop. It is libmicrokit's loop in behaviour, so components
// run unchanged in both modes: wait on the input endpoint, whose bound notification delivers
// signals (seL4 manual, "Binding Notification Objects"); a badge with the PPC bit is a protected
// call, answered with ReplyRecv so the reply and the next wait are one system call.
namespace kaal::runtime {

template <typename C>
[[noreturn]] void run_component(C& component) {
    detail::Entry<C>::init(component);
    bool have_reply = false;
    seL4_MessageInfo_t reply = seL4_MessageInfo_new(0, 0, 0, 0);
    for (;;) {
        seL4_Word badge = 0;
        const seL4_MessageInfo_t tag =
            have_reply ? seL4_ReplyRecv(input_cap, reply, &badge) : seL4_Recv(input_cap, &badge);
        have_reply = false;
        if ((badge & ppc_badge_bit) != 0) {
            reply = detail::to_sel4(detail::Entry<C>::protected_call(
                component, Channel{static_cast<unsigned>(badge & badge_channel_mask)},
                detail::from_sel4(tag)));
            have_reply = true;
            continue;
        }
        for (unsigned ch = 0; badge != 0; ++ch, badge >>= 1) {
            if ((badge & 1U) != 0) {
                detail::Entry<C>::notified(component, Channel{ch});
            }
        }
    }
}

} // namespace kaal::runtime

// The start code (platform/runtime/component_start.cpp) calls kaal_component_main once the IPC
// buffer, TLS and constructors are set up.
#define KAAL_RUNTIME_ENTRY(Class)                                                                  \
    namespace {                                                                                    \
    ::kaal::detail::ComponentSlot<Class> kaal_component_slot;                                      \
    }                                                                                              \
    extern "C" [[noreturn]] void kaal_component_main() {                                           \
        ::kaal::runtime::run_component(kaal_component_slot.construct());                           \
    }                                                                                              \
    static_assert(true, "")
