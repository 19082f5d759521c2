// SPDX-License-Identifier: BSD-2-Clause
// Three components with a bug each and a server that fails three times, under a supervisor, and
// one without that must keep running. The priorities put the faults in one order: crash-null,
// crash-cap, crash-assert, then the doubler's, between which the survivor runs. Microkit: the
// supervisor PD is their parent and reports each fault; runtime mode: the KaaL root task does,
// in the same words (kaal/platform/fault_report.hpp).
#include <optional>

#include <kaal/composer/supervisor.hpp>
#include <kaal/composer/system.hpp>
#include <kaal/composer/time_service.hpp>

void kaal_describe(kaal::composer::System& s) {
    // Microkit: the supervisor times its back-offs with the time service, which it calls, so it
    // runs below it. The runtime root task times them with the PIT and needs none.
    std::optional<kaal::composer::TimeService> time;
    if (s.board() == kaal::composer::Board::qemu_virt_aarch64) {
        time.emplace(s);
    }
    kaal::composer::Supervisor supervisor{s, {.priority = 210, .time = time ? &*time : nullptr}};
    // Stopped at its fault, it then only answers calls; 300 ms in, a fault is injected into what
    // answers them (Microkit), and the supervisor leaves it stopped rather than start it again
    // into a fault storm.
    auto& crash_null = s.pd("crash-null", "crashes_null").priority(103);
    supervisor.supervise(crash_null).inject_fault(crash_null, 300'000'000);
    supervisor.supervise(s.pd("crash-cap", "crashes_cap").priority(102));
    // Restarted once, it fails again (on the same initial data): then it stays stopped.
    supervisor.supervise(s.pd("crash-assert", "crashes_assert").priority(101), {.restarts = 1});
    // A server that fails in init() on its first start and twice during a call, restarted
    // each time with its initial data after 10, 20 and 40 ms, then
    // stopped for good on its fourth failure; its client's first call waits
    // at the endpoint meanwhile, and the two it fails in are answered with peer_restarted.
    auto& doubler = s.pd("doubler", "crashes_doubler").priority(90);
    supervisor.supervise(doubler, {.restarts = 3, .backoff_ns = 10'000'000});
    s.call(s.pd("doubler-client", "crashes_doubler_client").priority(80), "doubler", doubler,
           "client");
    // A notification peer of the doubler, which sees its restart notices.
    s.channel(s.pd("watcher", "crashes_watcher").priority(95), "doubler", doubler, "watcher");
    s.pd("survivor", "crashes_survivor").priority(50);
}
