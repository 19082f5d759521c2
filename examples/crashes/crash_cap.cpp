// SPDX-License-Identifier: BSD-2-Clause
// A signal on a CPtr that names no capability, straight through libsel4 as buggy code would
// (kaal::notify refuses a channel that is not wired). seL4 turns a failed lookup on a send into
// a cap fault for the thread's fault handler (seL4 manual, "Faults").
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

namespace {

// Beyond the CNode in both modes: the guard does not match, so the lookup fails.
constexpr seL4_CPtr empty_slot = 0x10000;

class CrashCap {
public:
    void init() {
        kaal::debug::print("crash-cap: signalling a CPtr with no capability\n");
        seL4_Signal(empty_slot);
        kaal::debug::print("crash-cap: FAILED: the signal returned\n");
    }
};

} // namespace

KAAL_COMPONENT(CrashCap);
