// SPDX-License-Identifier: BSD-2-Clause
// A null pointer dereference in a function of its own, so that the report names both the
// function that faulted and the one that called it.
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

namespace {

struct Sensor {
    int id;
    int value;
};

// Opaque to the compiler, which would otherwise see the null and drop the load.
Sensor* volatile sensor = nullptr;

// noipa, not just noinline: GCC would otherwise pass s->value instead of s (IPA-SRA) and do
// the load, and so the fault, in the caller.
[[gnu::noipa]] int read_sensor(const Sensor* s) {
    return s->value; // the fault: a read of address 0x4
}

class CrashNull {
public:
    void init() {
        kaal::debug::print("crash-null: reading the sensor\n");
        const int value = read_sensor(sensor);
        kaal::debug::print("crash-null: FAILED: read ", value, ", expected a fault\n");
    }
};

} // namespace

KAAL_COMPONENT(CrashNull);
