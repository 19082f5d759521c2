// SPDX-License-Identifier: BSD-2-Clause
// The virtio-blk driver killed with requests in its device and restarted: every request is
// answered once, and the data is right.
//
// The block storage building block (the virtio-blk driver and the block virtualiser) with one
// client, block-stress, which keeps 16 requests in flight through passes of writes and checked
// reads. The supervisor supervises the driver with a restart policy and, 150 ms after it starts,
// injects a fault into it (Supervisor::inject_fault), in the middle of the stress. The restarted
// driver resets the device and submits again what its journal says the dead instance owed
// (kaal/dddk/block_driver_journal.hpp).
//
// Priorities, highest first: the time service, which the supervisor calls; the supervisor,
// above the driver so that the fault lands wherever the driver is; the driver, the virtualiser,
// the client.
#include <kaal/composer/block_storage.hpp>
#include <kaal/composer/supervisor.hpp>
#include <kaal/composer/time_service.hpp>

using namespace kaal::composer;

void kaal_describe(System& s) {
    TimeService time{s, {.priority = 254}};
    Supervisor supervisor{s, {.priority = 252, .time = &time}};
    BlockStorage disk{s};
    disk.add_client(s.pd("block-stress", "block_stress_client").priority(100), 0);
    supervisor.supervise(disk.driver(), {.restarts = 1, .backoff_ns = 10'000'000})
        .inject_fault(disk.driver(), 150'000'000);
}
