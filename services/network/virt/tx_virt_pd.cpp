// SPDX-License-Identifier: BSD-2-Clause
// The network TX virtualiser as a protection domain, between the clients and the virtio-net
// driver's PD: the checks and the turn-taking are TxVirtualiser's
// (kaal/services/net/tx_virtualiser.hpp, host-tested); the client table is the composer's (the
// NetworkStack building block writes config::NetClients). It maps no device, and the clients'
// transmit regions read-only: it reads a frame's source address and nothing else.
#include <array>
#include <cstddef>
#include <optional>

#include <kaal/core/report_backoff.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/dddk/net_stats.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/net/net_wiring.hpp>
#include <kaal/services/net/tx_virtualiser.hpp>

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
using Virtualiser = net::TxVirtualiser<client_count>;

class TxVirtualiserPd {
public:
    void init() {
        auto driver = kaal::dddk::net::attach_queue(config::driver_queue);
        if (!driver) {
            print("net-tx: FAILED: cannot attach the driver's queue: ", driver.error(), "\n");
            return;
        }
        const auto queues = net::attach_client_queues<client_count>(wiring, "net-tx");
        if (!queues) {
            return;
        }
        const auto clients = kaal::array_of<client_count>([&](std::size_t i) {
            const auto& w = wiring[i];
            return net::TxClient{
                (*queues)[i], {net::client_data(w), w.data_size}, *w.data_paddr, w.mac};
        });
        virtualiser_.emplace(*driver, clients);
        print("net-tx: ", client_count, " clients\n");
        serve();
    }

    void notified(kaal::Channel ch) {
        // From a client: frames to send. From the driver: sent buffers, or room in its ring.
        for (std::size_t i = 0; i < client_count; ++i) {
            wakes_[i] += ch == wiring[i].channel ? 1U : 0U;
        }
        if (virtualiser_) {
            serve();
        }
    }

private:
    void serve() {
        const auto signals = virtualiser_->serve();
        if (signals.driver) {
            static_cast<void>(kaal::notify(config::driver));
            ++signals_;
        }
        namespace dn = kaal::dddk::net;
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the page there
        auto& page = *reinterpret_cast<dn::NetStatsPage*>(config::net_stats);
        for (std::size_t i = 0; i < client_count; ++i) {
            if ((signals.clients & (std::uint64_t{1} << i)) != 0) {
                static_cast<void>(kaal::notify(wiring[i].channel));
                ++signals_;
            }
            const auto& c = virtualiser_->client_counters(i);
            dn::publish(page.clients[i].tx_frames, c.frames);
            dn::publish(page.clients[i].tx_bytes, c.bytes);
            dn::publish(page.clients[i].tx_refused, c.refused);
            dn::publish(page.clients[i].tx_wakes, wakes_[i]);
            const std::uint64_t refused = virtualiser_->client_counters(i).refused;
            if (refused != reported_[i] && kaal::worth_reporting(refused)) {
                print("net-tx: client ", i, ": ", refused, " frames refused\n");
            }
            reported_[i] = refused;
        }
        dn::publish(page.tx_signals, signals_);
    }

    std::optional<Virtualiser> virtualiser_;
    std::array<std::uint64_t, client_count> reported_{};
    std::array<std::uint64_t, client_count> wakes_{};
    std::uint64_t signals_ = 0;
};

} // namespace

KAAL_COMPONENT(TxVirtualiserPd);
