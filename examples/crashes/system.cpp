// SPDX-License-Identifier: BSD-2-Clause
// Three components with a bug each and a server that fails three times, under a supervisor, and
// one without that must keep running. The priorities put the faults in one order: crash-null,
// crash-cap, crash-assert, the doubler's three, then the survivor runs. Microkit: the supervisor PD
// is their parent and reports each fault; runtime mode: the KaaL root task does, in the same words
// (kaal/platform/fault_report.hpp).
#include <kaal/composer/supervisor.hpp>
#include <kaal/composer/system.hpp>

void kaal_describe(kaal::composer::System& s) {
    kaal::composer::Supervisor supervisor{s};
    supervisor.supervise(s.pd("crash-null", "crashes_null").priority(103));
    supervisor.supervise(s.pd("crash-cap", "crashes_cap").priority(102));
    // Restarted once, it fails again (on the same initial data): then it stays stopped.
    supervisor.supervise(s.pd("crash-assert", "crashes_assert").priority(101), {.restarts = 1});
    // A server that fails on its first three starts, restarted each time with its initial
    // data; its client's call waits at the endpoint and is answered by the fourth start.
    auto& doubler = s.pd("doubler", "crashes_doubler").priority(90);
    supervisor.supervise(doubler, {.restarts = 3});
    s.call(s.pd("doubler-client", "crashes_doubler_client").priority(80), "doubler", doubler,
           "client");
    s.pd("survivor", "crashes_survivor").priority(50);
}
