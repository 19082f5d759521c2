// SPDX-License-Identifier: BSD-2-Clause
// virtio_blk_driver: the virtio-blk driver as a protection domain. It alone maps the device (its
// virtio-mmio transport and IRQ) and serves one client, the block virtualiser, through one
// queue (kaal/dddk/block_driver_queue.hpp). Its DMA pool holds only the virtqueue, the request
// headers and the status bytes: the data is wherever the virtualiser's physical addresses say.
// What it owes the virtualiser is in its journal, a region of its own that a restart does not
// refill (kaal/dddk/block_driver_journal.hpp): a restarted instance resets the device and
// submits again what the dead one had taken and not answered. The BlockStorage building block
// (kaal/composer/block_storage.hpp) writes its configuration.
#include <optional>

#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/dddk/block_driver_server.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>

#include "kaal_config.hpp"
#include "virtio_blk_driver.hpp"

namespace {

namespace board = kaal::boards::qemu_virt_aarch64;
using kaal::Word;
using kaal::debug::print;
using Driver = kaal::drivers::block::VirtioBlkDriver<kaal::dddk::MmioBus>;
using Server = kaal::dddk::BlockDriverServer<Driver>;

constexpr const kaal::DeviceDesc& transport = *board::table.find(board::virtio_mmio(31));
static_assert(Driver::dma_bytes <= config::blk_dma_size);

class VirtioBlkPd {
public:
    void init() {
        auto driver = kaal::dddk::virtio::make_mmio_driver<kaal::drivers::block::VirtioBlkDriver>(
            transport, config::blk_regs, config::blk_irq, config::blk_dma, config::blk_dma_paddr);
        if (!driver) {
            print("blk-driver: FAILED: no virtio-blk device: ", driver.error(), "\n");
            return;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the queue there
        void* region = reinterpret_cast<void*>(config::virt_queue);
        auto queue = kaal::dddk::BlockDriverQueue::attach(region);
        if (!queue) {
            print("blk-driver: FAILED: cannot attach the virtualiser's queue: ", queue.error(),
                  "\n");
            return;
        }
        // NOLINTNEXTLINE(performance-no-int-to-ptr): and the journal there
        auto journal = kaal::dddk::BlockDriverJournal::attach(
            reinterpret_cast<void*>(config::journal), config::journal_size);
        if (!journal) {
            print("blk-driver: FAILED: no journal: ", journal.error(), "\n");
            return;
        }
        driver_.emplace(*driver);
        server_.emplace(*driver_, *queue, *journal);
        print("blk-driver: virtio-blk, ", driver_->capacity_sectors(), " sectors",
              driver_->read_only() ? ", read-only" : "",
              driver_->has_flush() ? ", FLUSH" : ", no volatile cache (no FLUSH)", "\n");
        // A dead instance may have died between an interrupt and its ack, which would leave the
        // IRQ masked for good; the device's reset cleared its interrupt status, so an ack now
        // is harmless on a first start too.
        static_cast<void>(kaal::irq_ack(config::blk_irq));
        if (const std::size_t owed = server_->resume(); owed != 0) {
            print("blk-driver: submitted again the ", owed,
                  " requests its last instance had taken and not answered\n");
        }
        server_->publish_info();
        // Requests the virtualiser queued before this PD ran are taken now; with none, the
        // server asks for a signal, which the virtualiser's first push then sends.
        static_cast<void>(server_->serve());
        static_cast<void>(
            server_->complete([this](auto&& on_complete) { driver_->deliver_early(on_complete); }));
        static_cast<void>(kaal::notify(config::virt));
    }

    void notified(kaal::Channel ch) {
        if (!server_) {
            return;
        }
        bool notify = false;
        if (ch == config::blk_irq) {
            notify = server_->complete([this](auto&& on_complete) {
                if (!driver_->handle_irq(on_complete)) {
                    print("blk-driver: FAILED: the device needs a reset\n");
                }
            });
            static_cast<void>(kaal::irq_ack(config::blk_irq));
        }
        // The IRQ freed descriptors, or the virtualiser queued requests: take what fits.
        notify = server_->serve() || notify;
        // A flush on a device without FLUSH completes in the driver, with no interrupt to
        // report it: collect those here, or the virtualiser would wait for the next one.
        notify = server_->complete([this](auto&& on_complete) {
            driver_->deliver_early(on_complete);
        }) || notify;
        if (notify) {
            static_cast<void>(kaal::notify(config::virt));
        }
    }

private:
    std::optional<Driver> driver_;
    std::optional<Server> server_;
};

} // namespace

KAAL_COMPONENT(VirtioBlkPd);
