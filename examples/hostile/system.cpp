// SPDX-License-Identifier: BSD-2-Clause
// The serial console with a hostile client beside it (hostile.cpp says what it tries). hostile
// is the parent of hostile_mem and hostile_cap, which fault on purpose: their faults come to
// its fault() hook, not to the monitor.
#include <kaal/composer/serial_console.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    SerialConsole serial{s};
    auto& echo = s.pd("echo", "composition_echo").priority(110);
    // Lowest, so it attacks a running system: everything else has started first.
    auto& hostile = s.pd("hostile", "hostile").priority(90);
    serial.add_client(echo, {.may_select_input = true});
    serial.add_client(hostile);
    hostile.child(s.pd("hostile_mem", "hostile_mem").priority(80), 0);
    hostile.child(s.pd("hostile_cap", "hostile_cap").priority(80), 1);
}
