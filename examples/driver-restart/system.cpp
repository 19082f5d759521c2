// SPDX-License-Identifier: BSD-2-Clause
// The serial driver killed in the middle of a flood and restarted: the console carries on.
//
// The serial console building block and two of system-composition's clients: greeter floods
// 5000 numbered lines at boot, shout answers typed lines in capitals. The supervisor supervises
// the PL011 driver with a restart policy and, 200 ms after it starts, injects a fault into it
// (Supervisor::inject_fault), whatever it is doing then. The driver's restart runs init() again
// on its initial data: start() puts the UART in a known state, the rings carry on from the
// indices in shared memory (kaal/ipc/ring_buffer.hpp), and the flood goes on.
//
// Priorities, highest first: the time service, which the supervisor calls; the supervisor,
// above the driver so that the fault lands wherever the driver is, not only where it waits;
// then the serial stack and its clients as in system-composition.
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/supervisor.hpp>
#include <kaal/composer/time_service.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    TimeService time{s, {.priority = 254}};
    // Once it has restarted the driver, the supervisor faults itself, as a bug in it would: its
    // parent, Microkit's monitor, reports it, and the system carries on without it.
    Supervisor supervisor{s, {.priority = 252, .time = &time, .fault_after_restarts = 1}};
    SerialConsole serial{s};
    serial.add_client(s.pd("shout", "composition_shout").priority(110));
    serial.add_client(s.pd("greeter", "composition_greeter").priority(100));
    supervisor.supervise(serial.driver(), {.restarts = 1, .backoff_ns = 10'000'000})
        .inject_fault(serial.driver(), 200'000'000);
}
