// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>

#include <kaal/core/array_of.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/platform/debug.hpp>

// What both virtualiser PDs do first: attach every client's queue, as the composer's table
// (config::NetClients) names them, and make the per-client views from it; a queue that does not
// attach is reported with the PD's name and the client's index, and the PD then serves no one.
namespace kaal::services::net {

template <std::size_t N, typename Wiring>
bool client_queues_attach(const Wiring& wiring, const char* pd) {
    for (std::size_t i = 0; i < N; ++i) {
        if (auto queue = dddk::net::attach_queue(*wiring[i].queue); !queue) {
            debug::print(pd, ": FAILED: cannot attach client ", i, "'s queue: ", queue.error(),
                         "\n");
            return false;
        }
    }
    return true;
}

// The clients' views, once client_queues_attach said every queue attaches.
template <std::size_t N, typename Wiring, typename Make>
auto client_views(const Wiring& wiring, Make&& make) {
    return array_of<N>([&](std::size_t i) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the region there
        auto* data = reinterpret_cast<std::byte*>(*wiring[i].data);
        return make(*dddk::net::attach_queue(*wiring[i].queue), data, wiring[i]);
    });
}

} // namespace kaal::services::net
