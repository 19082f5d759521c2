// SPDX-License-Identifier: BSD-2-Clause
// A component with a bug: it invokes a CPtr whose slot holds no capability. kaal::notify would
// refuse (the channel is not wired), so it calls libsel4 directly, as buggy code would. seL4
// turns a failed lookup on a blocking send into a cap fault for the fault handler (seL4 manual,
// "Faults": capability faults), which is the root task.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

namespace {

// Beyond the component's 256-slot CNode: the guard does not match, so the lookup fails.
constexpr seL4_CPtr empty_slot = 0x10000;

class CrashCap {
public:
    void init() {
        kaal::debug::print("crash-cap: signalling CPtr ", empty_slot,
                           ", which names no slot of its CSpace\n");
        seL4_Signal(empty_slot);
        kaal::debug::print("crash-cap: signal returned (FAILED: expected a cap fault)\n");
    }
};

} // namespace

KAAL_COMPONENT(CrashCap);
