// SPDX-License-Identifier: BSD-2-Clause
// virtio_net_driver: the virtio-net driver as a protection domain. It alone maps the device (its
// virtio-mmio transport and IRQ) and serves two peers, the RX and the TX virtualiser, through
// one network queue each (kaal/dddk/net_queue.hpp). Its DMA pool holds only the two virtqueues
// and the virtio_net_hdr of each chain: frames stay in the buffers whose physical addresses the
// virtualisers send. The NetworkStack building block (kaal/composer) writes its configuration.
#include <optional>

#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/dddk/net_driver_server.hpp>
#include <kaal/dddk/net_stats.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"
#include "virtio_net_driver.hpp"

namespace {

namespace board = kaal::boards::qemu_virt_aarch64;
using kaal::debug::print;
using Driver = kaal::drivers::network::MmioVirtioNetDriver;
using Server = kaal::dddk::NetDriverServer<Driver>;

static_assert(config::net_transport < board::virtio_mmio_count);
constexpr const kaal::DeviceDesc& transport =
    *board::table.find(board::virtio_mmio(config::net_transport));
static_assert(Driver::dma_bytes <= config::net_dma_size);

class VirtioNetPd {
public:
    void init() {
        auto rx = kaal::dddk::net::attach_queue(config::rx_queue);
        if (!rx) {
            print("net-driver: FAILED: cannot attach the RX virtualiser's queue: ", rx.error(),
                  "\n");
            return;
        }
        auto tx = kaal::dddk::net::attach_queue(config::tx_queue);
        if (!tx) {
            print("net-driver: FAILED: cannot attach the TX virtualiser's queue: ", tx.error(),
                  "\n");
            return;
        }
        if (auto made = kaal::drivers::network::make_virtio_net_driver(
                driver_, transport, config::net_regs, config::net_irq, config::net_dma,
                config::net_dma_paddr);
            !made) {
            // unsupported is most often a legacy transport: QEMU's default without the option.
            print("net-driver: FAILED: no usable virtio-net device: ", made.error(),
                  made.error() == kaal::Error::unsupported
                      ? " (a legacy transport needs -global virtio-mmio.force-legacy=false)"
                      : "",
                  "\n");
            return;
        }
        server_.emplace(*driver_, *rx, *tx);
        const auto mac = kaal::drivers::network::mac_text(driver_->mac());
        print("net-driver: virtio-net, MAC ", mac.data(), "\n");
        // Buffers and frames the virtualisers queued before this PD ran are taken now; with
        // none, the server asks for a signal, which a virtualiser's first push then sends.
        notify(server_->serve());
    }

    void notified(kaal::Channel ch) {
        if (!server_ || reported_failure_) {
            return;
        }
        kaal::dddk::NetPeers peers;
        if (ch == config::net_irq) {
            peers = server_->handle_irq();
            static_cast<void>(kaal::irq_ack(config::net_irq));
            ++irqs_;
        }
        // The interrupt emptied places in the device, or a virtualiser queued work.
        peers |= server_->serve();
        notify(peers);
        publish_stats();
        if (server_->device_failed()) {
            print("net-driver: FAILED: the device needs a reset\n");
            reported_failure_ = true;
        }
    }

private:
    void notify(kaal::dddk::NetPeers peers) {
        if (peers.rx_virt) {
            static_cast<void>(kaal::notify(config::rx_virt));
            ++signals_;
        }
        if (peers.tx_virt) {
            static_cast<void>(kaal::notify(config::tx_virt));
            ++signals_;
        }
    }

    void publish_stats() const {
        namespace net = kaal::dddk::net;
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the page there
        auto& page = *reinterpret_cast<net::NetStatsPage*>(config::net_stats);
        net::publish(page.driver_irqs, irqs_);
        net::publish(page.driver_irq_acks, irqs_); // one ack per IRQ taken
        net::publish(page.driver_signals, signals_);
        net::publish(page.driver_dropped, driver_->dropped_frames());
    }

    std::optional<Driver> driver_;
    std::optional<Server> server_;
    bool reported_failure_ = false;
    std::uint64_t irqs_ = 0;
    std::uint64_t signals_ = 0;
};

} // namespace

KAAL_COMPONENT(VirtioNetPd);
