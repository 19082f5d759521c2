// SPDX-License-Identifier: BSD-2-Clause
// The ipc-ring system: the producer and consumer pair of ipc_ring_pds.hpp, alone.
#include "ipc_ring_pds.hpp"

void kaal_describe(kaal::composer::System& s) {
    ipc_ring::add_pds(s);
}
