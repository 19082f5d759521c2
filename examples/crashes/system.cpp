// SPDX-License-Identifier: BSD-2-Clause
// Three components with a bug each, under a supervisor, and one without that must keep running.
// The priorities put the faults in one order: crash-null, crash-cap, crash-assert, then the
// survivor runs. Microkit: the supervisor PD is their parent and reports each fault; runtime
// mode: the KaaL root task does, in the same words (kaal/platform/fault_report.hpp).
#include <kaal/composer/supervisor.hpp>
#include <kaal/composer/system.hpp>

void kaal_describe(kaal::composer::System& s) {
    kaal::composer::Supervisor supervisor{s};
    supervisor.supervise(s.pd("crash-null", "crashes_null").priority(103));
    supervisor.supervise(s.pd("crash-cap", "crashes_cap").priority(102));
    supervisor.supervise(s.pd("crash-assert", "crashes_assert").priority(101));
    s.pd("survivor", "crashes_survivor").priority(50);
}
