// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/component.hpp>
#include <kaal/platform/microkit/abi.hpp>

// libmicrokit owns `main` and the event loop, and calls four C functions: init, notified,
// protected and fault (libmicrokit's microkit.h, Microkit manual "libmicrokit"). `protected`
// is a C++ keyword, so the definition carries its name as an assembler label.
#define KAAL_MICROKIT_ENTRY(Class)                                                                 \
    namespace {                                                                                    \
    ::kaal::detail::ComponentSlot<Class> kaal_component_slot;                                      \
    }                                                                                              \
    extern "C" void init(void) {                                                                   \
        ::kaal::detail::Entry<Class>::init(kaal_component_slot.construct());                       \
    }                                                                                              \
    extern "C" void notified(unsigned ch) {                                                        \
        ::kaal::detail::Entry<Class>::notified(kaal_component_slot.get(), ::kaal::Channel{ch});    \
    }                                                                                              \
    extern "C" seL4_MessageInfo_t kaal_microkit_protected(                                         \
        unsigned ch, seL4_MessageInfo_t msg) __asm__("protected");                                 \
    extern "C" seL4_MessageInfo_t kaal_microkit_protected(unsigned ch, seL4_MessageInfo_t msg) {   \
        return ::kaal::detail::to_sel4(::kaal::detail::Entry<Class>::protected_call(               \
            kaal_component_slot.get(), ::kaal::Channel{ch}, ::kaal::detail::from_sel4(msg)));      \
    }                                                                                              \
    extern "C" seL4_Bool fault(unsigned child, seL4_MessageInfo_t msg,                             \
                               seL4_MessageInfo_t* reply) {                                        \
        const auto action = ::kaal::detail::Entry<Class>::fault(                                   \
            kaal_component_slot.get(), ::kaal::Child{child}, ::kaal::detail::from_sel4(msg));      \
        if (!action) {                                                                             \
            return seL4_False;                                                                     \
        }                                                                                          \
        *reply = ::kaal::detail::to_sel4(*action);                                                 \
        return seL4_True;                                                                          \
    }                                                                                              \
    static_assert(true, "")
