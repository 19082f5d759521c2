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

#include <kaal/core/report_backoff.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/dddk/net_stats.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/net/net_wiring.hpp>
#include <kaal/services/net/rx_virtualiser.hpp>

#include "client_queues.hpp"
#include "kaal_config.hpp"

namespace {

using kaal::Word;
using kaal::debug::print;
namespace net = kaal::services::net;
constexpr auto& wiring = config::NetClients::clients;
constexpr std::size_t client_count = wiring.size();
static_assert(client_count > 0, "a network virtualiser without clients");
static_assert(client_count <= kaal::dddk::net::NetStatsPage::max_clients);
using Virtualiser = net::RxVirtualiser<client_count>;

class RxVirtualiserPd {
public:
    void init() {
        auto driver = kaal::dddk::net::attach_queue(config::driver_queue);
        if (!driver) {
            print("net-rx: FAILED: cannot attach the driver's queue: ", driver.error(), "\n");
            return;
        }
        const auto queues = net::attach_client_queues<client_count>(wiring, "net-rx");
        if (!queues) {
            return;
        }
        const auto clients = kaal::array_of<client_count>([&](std::size_t i) {
            const auto& w = wiring[i];
            return net::RxClient{(*queues)[i], {net::client_data(w), w.data_size}, w.mac};
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
        for (std::size_t i = 0; i < client_count; ++i) {
            wakes_[i] += ch == wiring[i].channel ? 1U : 0U;
        }
        if (virtualiser_) {
            route();
        }
    }

private:
    void route() {
        const auto signals = virtualiser_->route();
        if (signals.driver) {
            static_cast<void>(kaal::notify(config::driver));
            ++signals_;
        }
        for (std::size_t i = 0; i < client_count; ++i) {
            if ((signals.clients & (std::uint64_t{1} << i)) != 0) {
                static_cast<void>(kaal::notify(wiring[i].channel));
                ++signals_;
            }
        }
        publish_stats();
        const auto& c = virtualiser_->counters();
        if (c.malformed != reported_malformed_ && kaal::worth_reporting(c.malformed)) {
            print("net-rx: ", c.malformed, " malformed frames from the driver\n");
        }
        reported_malformed_ = c.malformed;
    }

    void publish_stats() const {
        namespace dn = kaal::dddk::net;
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the page there
        auto& page = *reinterpret_cast<dn::NetStatsPage*>(config::net_stats);
        dn::publish(page.rx_signals, signals_);
        dn::publish(page.rx_unclaimed, virtualiser_->counters().unclaimed);
        for (std::size_t i = 0; i < client_count; ++i) {
            const auto& c = virtualiser_->client_counters(i);
            dn::publish(page.clients[i].rx_frames, c.frames);
            dn::publish(page.clients[i].rx_bytes, c.bytes);
            dn::publish(page.clients[i].rx_dropped, c.dropped);
            dn::publish(page.clients[i].rx_wakes, wakes_[i]);
        }
    }

    std::optional<Virtualiser> virtualiser_;
    std::uint64_t reported_malformed_ = 0;
    std::uint64_t signals_ = 0;
    std::array<std::uint64_t, client_count> wakes_{};
};

} // namespace

KAAL_COMPONENT(RxVirtualiserPd);
