// SPDX-License-Identifier: BSD-2-Clause
// The network TX virtualiser as a protection domain, between the clients and the virtio-net
// driver's PD: the checks and the turn-taking are TxVirtualiser's
// (kaal/services/net/tx_virtualiser.hpp, host-tested); the client table is the composer's (the
// NetworkStack building block writes config::NetClients). It maps no device, and the clients'
// transmit regions read-only: it reads a frame's source address and nothing else.
#include <array>
#include <cstddef>
#include <optional>

#include <kaal/core/array_of.hpp>
#include <kaal/core/report_backoff.hpp>
#include <kaal/dddk/net_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/net/net_wiring.hpp>
#include <kaal/services/net/tx_virtualiser.hpp>

#include "kaal_config.hpp"

namespace {

using kaal::Word;
using kaal::debug::print;
namespace net = kaal::services::net;
constexpr auto& wiring = config::NetClients::clients;
constexpr std::size_t client_count = wiring.size();
static_assert(client_count > 0, "a network virtualiser without clients");
using Virtualiser = net::TxVirtualiser<client_count>;

class TxVirtualiserPd {
public:
    void init() {
        auto driver = kaal::dddk::net::attach_queue(config::driver_queue);
        if (!driver) {
            print("net-tx: FAILED: cannot attach the driver's queue: ", driver.error(), "\n");
            return;
        }
        for (std::size_t i = 0; i < client_count; ++i) {
            if (auto queue = kaal::dddk::net::attach_queue(*wiring[i].queue); !queue) {
                print("net-tx: FAILED: cannot attach client ", i, "'s queue: ", queue.error(),
                      "\n");
                return;
            }
        }
        const auto clients = kaal::array_of<client_count>([](std::size_t i) {
            // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the region there
            auto* data = reinterpret_cast<std::byte*>(*wiring[i].data);
            return net::TxClient{*kaal::dddk::net::attach_queue(*wiring[i].queue),
                                 {data, wiring[i].data_size},
                                 *wiring[i].data_paddr,
                                 wiring[i].mac};
        });
        virtualiser_.emplace(*driver, clients);
        print("net-tx: ", client_count, " clients\n");
        serve();
    }

    void notified(kaal::Channel ch) {
        // From a client: frames to send. From the driver: sent buffers, or room in its ring.
        static_cast<void>(ch);
        if (virtualiser_) {
            serve();
        }
    }

private:
    void serve() {
        const auto signals = virtualiser_->serve();
        if (signals.driver) {
            static_cast<void>(kaal::notify(config::driver));
        }
        for (std::size_t i = 0; i < client_count; ++i) {
            if ((signals.clients & (std::uint64_t{1} << i)) != 0) {
                static_cast<void>(kaal::notify(wiring[i].channel));
            }
            const std::uint64_t refused = virtualiser_->client_counters(i).refused;
            if (refused != reported_[i] && kaal::worth_reporting(refused)) {
                print("net-tx: client ", i, ": ", refused, " frames refused\n");
            }
            reported_[i] = refused;
        }
    }

    std::optional<Virtualiser> virtualiser_;
    std::array<std::uint64_t, client_count> reported_{};
};

} // namespace

KAAL_COMPONENT(TxVirtualiserPd);
