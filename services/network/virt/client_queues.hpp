// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include <kaal/core/array_of.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/platform/debug.hpp>

// What both virtualiser PDs do first: attach every client's queue, as the composer's table
// (config::NetClients) names them, once each. A queue that does not attach is reported with the
// PD's name and the client's index, and then there are no queues: the PD serves no one.
namespace kaal::services::net {

template <std::size_t N, typename Wiring>
std::optional<std::array<dddk::net::NetQueue, N>> attach_client_queues(const Wiring& wiring,
                                                                       const char* pd) {
    const auto attached =
        array_of<N>([&](std::size_t i) { return dddk::net::attach_queue(*wiring[i].queue); });
    for (std::size_t i = 0; i < N; ++i) {
        if (!attached[i]) {
            debug::print(pd, ": FAILED: cannot attach client ", i,
                         "'s queue: ", attached[i].error(), "\n");
            return std::nullopt;
        }
    }
    return array_of<N>([&](std::size_t i) { return *attached[i]; });
}

// A client's data region, where the composer mapped it in this PD.
template <typename ClientWiring>
std::byte* client_data(const ClientWiring& w) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the region there
    return reinterpret_cast<std::byte*>(*w.data);
}

} // namespace kaal::services::net
