// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <kaal/core/result.hpp>
#include <kaal/dddk/serial_queue.hpp>
#include <kaal/platform/channel.hpp>
#include <kaal/services/serial/queue_region.hpp>

// What the TX and RX multiplexer components do alike around their muxes: attach the driver's
// queue and each configured client's (a TxClientConfig or RxClientConfig list: name, setvar
// variable, channel), and signal the clients a pump asked for.
namespace kaal::services::serial {

// One client of a multiplexer component, as its Config lists it.
struct MuxClientConfig {
    std::string_view name; // TX: its line prefix; RX: the name input is routed by
    const Word* queue;     // its queue's setvar_vaddr variable
    Channel channel;       // the mux's id of the channel shared with it
    // RX only: whether this client may switch input with SelectInput (a privilege the system
    // description grants; without it a client could take what is typed for another).
    bool may_select_input = false;
};

template <typename Mux, typename Clients>
Status attach_queues(Mux& mux, const Word& driver_queue, const Clients& clients) {
    KAAL_TRY(void* driver, queue_region(driver_queue));
    KAAL_CHECK(
        mux.attach_driver(driver, dddk::serial::queue_region_bytes, dddk::serial::queue_capacity));
    for (const auto& client : clients) {
        KAAL_TRY(void* region, queue_region(*client.queue));
        KAAL_TRY(const unsigned index,
                 mux.add_client(client.name, region, dddk::serial::queue_region_bytes,
                                dddk::serial::queue_capacity, client.may_select_input));
        static_cast<void>(index); // clients are numbered in configuration order
    }
    return {};
}

// The client a notification or call on `ch` came from, or `clients.size()` if none.
template <typename Clients>
constexpr std::size_t client_on(Channel ch, const Clients& clients) {
    std::size_t i = 0;
    while (i < clients.size() && clients[i].channel != ch) {
        ++i;
    }
    return i;
}

// Bit i of `mask` set: client i waits for the mux.
template <typename Clients>
void notify_clients(std::uint32_t mask, const Clients& clients) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
        if (((mask >> i) & 1U) != 0) {
            static_cast<void>(notify(clients[i].channel));
        }
    }
}

} // namespace kaal::services::serial
