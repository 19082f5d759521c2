// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/composer/system.hpp>

// The ipc-ring pair as a piece of a description, for its own system (system.cpp) and for any
// other that runs it beside the rest (examples/runtime-demo): two PDs stream items through a
// queue pair (the ring region) whose descriptors point into a data region. The consumer maps
// the data read-only: it only checks what arrives.
namespace ipc_ring {

inline void add_pds(kaal::composer::System& s) {
    using kaal::composer::Perms;
    auto& ring = s.region("ring", 0x1000);
    auto& data = s.region("data", 0x1000);
    // Higher priority for the producer, so it fills every free buffer before the consumer runs
    // and each notification moves a whole batch.
    auto& producer = s.pd("producer", "ipc_ring_producer").priority(101);
    auto& consumer = s.pd("consumer", "ipc_ring_consumer").priority(100);
    producer.map(ring, "ring_region").map(data, "data_region");
    consumer.map(ring, "ring_region").map(data, "data_region", Perms::r);
    s.channel(producer, "peer", consumer, "peer");
}

} // namespace ipc_ring
