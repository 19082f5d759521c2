// SPDX-License-Identifier: BSD-2-Clause
// The runtime-mode demo system, as the root task builds it: the 16550 serial driver and hello,
// its client; the ipc-ppc client and server (an endpoint) and the ipc-ring producer and consumer
// (a ring buffer in shared memory), unchanged from their Microkit examples; two components
// that fault on purpose; and the hostile component (examples/hostile) in three instances, which
// attack the rest. Read it as you would a .system file.
#include <kaal/broker/boards/pc99_x86_64.hpp>
#include <kaal/platform/runtime/system_description.hpp>

namespace {

using namespace kaal::runtime;

enum : std::size_t {
    serial,
    hello,
    ppc_server,
    ppc_client,
    producer,
    consumer,
    crash_null,
    crash_cap,
    hostile,
    hostile_mem,
    hostile_cap
};
enum : std::size_t { console_tx, console_rx, ring, data };

constexpr MemoryRegion regions[] = {
    {"console_tx", 0x1000},
    {"console_rx", 0x1000},
    {"ring", 0x1000},
    {"data", 0x1000},
};

// The same addresses and variables as examples/ipc-ring/ipc-ring.system.
constexpr Mapping serial_maps[] = {
    {console_tx, 0x4000'0000, true, true, "tx_queue"},
    {console_rx, 0x4000'1000, true, true, "rx_queue"},
};
constexpr Mapping hello_maps[] = {
    {console_tx, 0x4000'0000, true, true, "tx_queue"},
    {console_rx, 0x4000'1000, true, true, "rx_queue"},
};
constexpr Mapping producer_maps[] = {
    {ring, 0x200'0000, true, true, "ring_region"},
    {data, 0x200'1000, true, true, "data_region"},
};
constexpr Mapping consumer_maps[] = {
    {ring, 0x200'0000, true, true, "ring_region"},
    {data, 0x200'1000, false, true, "data_region"},
};

// COM1's I/O ports and IRQ 4, its interrupt arriving on the driver's channel 0.
constexpr DeviceGrant serial_devices[] = {{kaal::boards::pc99_x86_64::com1, 0}};

// Priorities: the faulty components first, so their faults are reported while the rest runs;
// the driver above its client; a PPC server above its client (it runs on the caller's time in
// Microkit, and here it must at least preempt it); hello last, to show the system still runs.
constexpr Component components[] = {
    {"serial", "serial_ns16550", 200, serial_maps, serial_devices},
    {"hello", "runtime_demo_hello", 50, hello_maps, {}},
    {"ppc-server", "ipc_ppc_server", 180, {}, {}},
    {"ppc-client", "ipc_ppc_client", 170, {}, {}},
    {"producer", "ipc_ring_producer", 101, producer_maps, {}},
    {"consumer", "ipc_ring_consumer", 100, consumer_maps, {}},
    {"crash-null", "runtime_demo_crash_null", 240, {}, {}},
    {"crash-cap", "runtime_demo_crash_cap", 240, {}, {}},
    // The hostile instances: the two that fault right away run early, like the crash ones; the
    // main one last of all, so it attacks a system that is up.
    {"hostile", "hostile", 20, {}, {}},
    {"hostile-mem", "hostile", 232, {}, {}},
    {"hostile-cap", "hostile", 231, {}, {}},
};

constexpr Channel channels[] = {
    {{hello, 0, false}, {serial, 1, false}}, // hello's output
    {{hello, 1, false}, {serial, 2, false}}, // what is typed on COM1
    {{ppc_client, 0, true}, {ppc_server, 0, false}}, {{producer, 0, false}, {consumer, 0, false}},
    {{hostile, 0, true}, {ppc_server, 1, false}}, // garbage calls to the server
    {{hostile, 1, false}, {serial, 3, false}},    // a notification flood for the driver
};

} // namespace

const SystemDescription kaal::runtime::system_description{"runtime-demo", regions, components,
                                                          channels};
