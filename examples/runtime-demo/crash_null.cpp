// SPDX-License-Identifier: BSD-2-Clause
// A component with a bug: it reads through a null pointer. The root task must report the VM
// fault with this component's name and the address, and everything else must keep running.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

// Zero, and opaque to the compiler, which would otherwise reject a literal null dereference.
kaal::Word crash_address;

namespace {

class CrashNull {
public:
    void init() {
        kaal::debug::print("crash-null: reading address ", kaal::debug::hex(crash_address), "\n");
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the bug this component exists to show
        const int value = *reinterpret_cast<volatile const int*>(crash_address);
        kaal::debug::print("crash-null: read ", value, " (FAILED: expected a fault)\n");
    }
};

} // namespace

KAAL_COMPONENT(CrashNull);
