// SPDX-License-Identifier: BSD-2-Clause
// The network RX virtualiser as a protection domain, between the virtio-net driver's PD
// (drivers/network/virtio/virtio_net_pd.cpp) and its clients: the routing and copying are
// RxVirtualiser's (kaal/services/net/rx_virtualiser.hpp, host-tested); the client table is the
// composer's (the NetworkStack building block writes config::NetClients). It maps no device, and
// its receive buffers read-only: only the device writes them.
#include <array>
#include <cstddef>
#include <optional>
#include <utility>

#include <kaal/core/array_of.hpp>
#include <kaal/core/report_backoff.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/net/net_wiring.hpp>
#include <kaal/services/net/rx_virtualiser.hpp>

#include "kaal_config.hpp"

namespace {

using kaal::Word;
using kaal::debug::print;
namespace net = kaal::services::net;
constexpr auto& wiring = config::NetClients::clients;
constexpr std::size_t client_count = wiring.size();
static_assert(client_count > 0, "a network virtualiser without clients");
using Virtualiser = net::RxVirtualiser<client_count>;

class RxVirtualiserPd {
public:
    void init() {
        auto driver = kaal::dddk::net::attach_queue(config::driver_queue);
        if (!driver) {
            print("net-rx: FAILED: cannot attach the driver's queue: ", driver.error(), "\n");
            return;
        }
        for (std::size_t i = 0; i < client_count; ++i) {
            if (auto queue = kaal::dddk::net::attach_queue(*wiring[i].queue); !queue) {
                print("net-rx: FAILED: cannot attach client ", i, "'s queue: ", queue.error(),
                      "\n");
                return;
            }
        }
        const auto clients = kaal::array_of<client_count>([](std::size_t i) {
            // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the region there
            auto* data = reinterpret_cast<std::byte*>(*wiring[i].data);
            return net::RxClient{*kaal::dddk::net::attach_queue(*wiring[i].queue),
                                 {data, wiring[i].data_size},
                                 wiring[i].mac};
        });
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the buffers there
        const auto* buffers = reinterpret_cast<const std::byte*>(config::rx_buffers);
        virtualiser_.emplace(
            *driver, net::RxBuffers{buffers, config::rx_buffers_paddr, config::rx_buffers_size},
            clients);
        const std::size_t given = virtualiser_->give_all_buffers();
        print("net-rx: ", client_count, " clients, ", given, " receive buffers\n");
        route();
    }

    void notified(kaal::Channel ch) {
        // A client's notification means it returned buffers, which are taken as frames need
        // them; only the driver's brings work, but a pass costs nothing when there is none.
        static_cast<void>(ch);
        if (virtualiser_) {
            route();
        }
    }

private:
    void route() {
        const auto signals = virtualiser_->route();
        if (signals.driver) {
            static_cast<void>(kaal::notify(config::driver));
        }
        for (std::size_t i = 0; i < client_count; ++i) {
            if ((signals.clients & (std::uint64_t{1} << i)) != 0) {
                static_cast<void>(kaal::notify(wiring[i].channel));
            }
        }
        const auto& c = virtualiser_->counters();
        if (c.malformed != reported_malformed_ && kaal::worth_reporting(c.malformed)) {
            print("net-rx: ", c.malformed, " malformed frames from the driver\n");
        }
        reported_malformed_ = c.malformed;
    }

    std::optional<Virtualiser> virtualiser_;
    std::uint64_t reported_malformed_ = 0;
};

} // namespace

KAAL_COMPONENT(RxVirtualiserPd);
