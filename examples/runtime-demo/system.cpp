// SPDX-License-Identifier: BSD-2-Clause
// The runtime-mode demo system, as the root task builds it: the serial console (the 16550 driver
// and the multiplexers) with hello as its client; the ipc-ppc client and server (an endpoint)
// and the ipc-ring producer and consumer (a ring buffer in shared memory), the same components
// as their Microkit examples; two components that fault on purpose; and the hostile components
// (examples/hostile), which attack the rest.
#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/composer/serial_console.hpp>

#include "../ipc-ring/ipc_ring_pds.hpp"

using namespace kaal::composer;

void kaal_describe(System& s) {
    // hello's lines come out as it writes them: no "[hello] " prefix in this system.
    SerialConsole serial{s, {.prefix_names = false}};
    auto& hello = s.pd("hello", "runtime_demo_hello").priority(50);
    serial.add_client(hello);

    // A PPC server above its client: it runs on the caller's time in Microkit, and here it must
    // at least preempt it.
    auto& server = s.pd("ppc-server", "ipc_ppc_server").priority(180);
    auto& client = s.pd("ppc-client", "ipc_ppc_client").priority(170);
    s.call(client, "adder", server, "adder");

    ipc_ring::add_pds(s);

    // The faulty components first, so their faults are reported while the rest runs.
    s.pd("crash-null", "runtime_demo_crash_null").priority(240);
    s.pd("crash-cap", "runtime_demo_crash_cap").priority(240);

    // The hostile ones: the two that fault at once run early, like the crash ones; the main one
    // last of all, so it attacks a system that is up.
    auto& hostile = s.pd("hostile", "hostile").priority(20);
    s.call(hostile, "ppc_server", server, "hostile");
    s.channel(hostile, "serial_driver", serial.driver(), "hostile");
    s.pd("hostile-mem", "hostile_mem").priority(232);
    s.pd("hostile-cap", "hostile_cap").priority(231);

    // A memory-mapped device granted to a component: the root task maps the HPET's page.
    s.pd("hpet-clock", "runtime_demo_hpet_clock")
        .priority(60)
        .device(kaal::boards::pc99_x86_64::hpet, "hpet");
}
