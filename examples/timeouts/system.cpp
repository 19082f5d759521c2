// SPDX-License-Identifier: BSD-2-Clause
// Three clients of the time service, each with 100 timeouts interleaved with the others', some
// cancelled, a fourth that misbehaves and a fifth that sleeps; they report through the serial
// console.
#include <kaal/composer/serial_console.hpp>
#include <kaal/composer/time_service.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    SerialConsole serial{s};
    TimeService time{s};
    for (const char* name : {"alarm-a", "alarm-b", "alarm-c"}) {
        auto& alarm = s.pd(name, "timeout_client").priority(100);
        serial.add_client(alarm, {.input = false});
        time.add_client(alarm);
    }
    // A client that floods the service and calls it badly while the alarms run.
    auto& flood = s.pd("flood", "timeout_flood").priority(100);
    serial.add_client(flood, {.input = false});
    time.add_client(flood);
    // A client written as a sequence: it sleeps, then prints a timestamped line.
    auto& sleeper = s.pd("sleeper", "timeout_sleeper").priority(100);
    serial.add_client(sleeper, {.input = false});
    time.add_client(sleeper);
}
