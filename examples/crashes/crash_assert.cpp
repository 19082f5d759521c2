// SPDX-License-Identifier: BSD-2-Clause
// An assertion that does not hold: kaal_assert names it and the line, and the component stops
// in a fault its supervisor reports.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/platform/panic.hpp>

namespace {

// Opaque to the compiler, so the assertion is checked at run time.
volatile unsigned queued = 9;
constexpr unsigned capacity = 8;

class CrashAssert {
public:
    void init() {
        kaal::debug::print("crash-assert: checking the queue\n");
        kaal_assert(queued <= capacity);
        kaal::debug::print("crash-assert: FAILED: the assertion passed\n");
    }
};

} // namespace

KAAL_COMPONENT(CrashAssert);
