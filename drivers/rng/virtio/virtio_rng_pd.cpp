// SPDX-License-Identifier: BSD-2-Clause
// virtio_rng_driver: the virtio-rng driver as a protection domain and the entropy source its
// clients call (kaal/services/entropy/entropy_protocol.hpp). It alone maps the device (its
// virtio-mmio transport and IRQ) and keeps the pool in its DMA region; each client's data page
// is mapped here and at that client only. The EntropySource building block
// (kaal/composer/entropy_source.hpp) writes its configuration.
#include <optional>

#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/entropy/entropy_server.hpp>

#include "kaal_config.hpp"
#include "virtio_rng_driver.hpp"

namespace {

namespace board = kaal::boards::qemu_virt_aarch64;
using kaal::debug::print;
using Driver = kaal::drivers::rng::VirtioRngDriver<kaal::dddk::MmioBus>;

static_assert(config::rng_transport < board::virtio_mmio_count);
constexpr const kaal::DeviceDesc& transport =
    *board::table.find(board::virtio_mmio(config::rng_transport));
static_assert(Driver::dma_bytes <= config::rng_dma_size);

class VirtioRngPd {
public:
    void init() {
        auto driver = kaal::dddk::virtio::make_mmio_driver<kaal::drivers::rng::VirtioRngDriver>(
            transport, config::rng_regs, config::rng_irq, config::rng_dma, config::rng_dma_paddr);
        if (!driver) {
            // unsupported is most often a legacy transport: QEMU's default without the option.
            print("rng-driver: FAILED: no usable virtio-rng device on transport ",
                  config::rng_transport, ": ", driver.error(),
                  driver.error() == kaal::Error::unsupported
                      ? " (a legacy transport needs -global virtio-mmio.force-legacy=false)"
                      : "",
                  "\n");
            return;
        }
        driver_.emplace(*driver);
        print("rng-driver: virtio-rng on transport ", config::rng_transport, ", a pool of ",
              Driver::pool_bytes, " bytes, ", config::EntropyClients::clients.size(), " clients\n");
    }

    void notified(kaal::Channel ch) {
        if (!driver_ || ch != config::rng_irq) {
            return; // a client's notification carries nothing: it calls
        }
        std::size_t arrived = driver_->handle_irq();
        static_cast<void>(kaal::irq_ack(config::rng_irq));
        // The acknowledgement came first, so a chunk finished since raises the IRQ again; this
        // recheck serves it now rather than on that interrupt.
        arrived += driver_->collect();
        if (driver_->failed() && !reported_failure_) {
            print("rng-driver: FAILED: the device needs a reset; serving what the pool holds\n");
            reported_failure_ = true;
        }
        if (arrived != 0 || driver_->failed()) {
            server_.wake([](kaal::Channel client) { static_cast<void>(kaal::notify(client)); });
        }
    }

    kaal::MessageInfo protected_call(kaal::Channel ch, kaal::MessageInfo msg) {
        if (!driver_) {
            return kaal::error_reply(kaal::Error::no_such_device);
        }
        return server_.serve(ch, msg, *driver_);
    }

private:
    std::optional<Driver> driver_;
    kaal::services::entropy::EntropyServer server_{config::EntropyClients::clients};
    bool reported_failure_ = false;
};

} // namespace

KAAL_COMPONENT(VirtioRngPd);
