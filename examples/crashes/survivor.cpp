// SPDX-License-Identifier: BSD-2-Clause
// Runs below the crashing components, so it starts once they have faulted: it shows that the
// system goes on.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

namespace {

class Survivor {
public:
    void init() { kaal::debug::print("survivor: running after the faults\n"); }
};

} // namespace

KAAL_COMPONENT(Survivor);
