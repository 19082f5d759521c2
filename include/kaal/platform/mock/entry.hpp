// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/component.hpp>

// In mock mode a component is a host program: `main` names the PD after the class, constructs
// the component and runs its init hook. Tests that need to deliver events drive
// `kaal::Dispatch<Class>` directly instead.
#define KAAL_MOCK_ENTRY(Class)                                                                     \
    int main() {                                                                                   \
        ::kaal::mock::current_pd().name = #Class;                                                  \
        static ::kaal::detail::ComponentSlot<Class> slot;                                          \
        ::kaal::detail::Entry<Class>::init(slot.construct());                                           \
        return 0;                                                                                  \
    }                                                                                              \
    static_assert(true, "")
