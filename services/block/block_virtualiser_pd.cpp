// SPDX-License-Identifier: BSD-2-Clause
// The block virtualiser as a protection domain, between its clients and the driver's PD
// (drivers/block/virtio/virtio_blk_pd.cpp): its client table is the composer's (the
// BlockStorage building block writes config::BlockClients into this PD's kaal_config.hpp). Once
// the driver has published the disk's size, it reads the disk's first 34 and last 33 sectors
// (where an MBR or a GPT, with its backup, lies) into its own DMA region, parses the partition
// table from them, tells each client its partition's size (dddk::BlockQueueInfo), and from
// then on serves them, each through its own queue into its own data region. It maps no device:
// a partition table crafted to break the parser can break this PD, never the driver's.
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include <kaal/dddk/block_driver_queue.hpp>
#include <kaal/dddk/block_queue.hpp>
#include <kaal/platform/component.hpp>
#include <kaal/platform/debug.hpp>
#include <kaal/services/block/block_virtualiser.hpp>
#include <kaal/services/block/partition_table.hpp>
#include <kaal/services/block/queued_block_driver.hpp>

#include "kaal_config.hpp"

namespace {

using kaal::Word;
using kaal::dddk::BlockStatus;
using kaal::debug::print;
using namespace kaal::services::block;
constexpr auto& wiring = config::BlockClients::clients;
constexpr std::size_t client_count = wiring.size();
static_assert(client_count > 0, "a block virtualiser without clients");
using Virtualiser = BlockVirtualiser<client_count>;

// The sectors the partition table is read from.
constexpr Word head_offset = 0;
constexpr std::uint32_t head_sectors = 34; // the MBR, the GPT header and 32 sectors of entries
constexpr std::uint32_t tail_sectors = 33; // the backup entries and the backup header
constexpr Word tail_offset = head_offset + head_sectors * sector_bytes;
static_assert(tail_offset + tail_sectors * sector_bytes <= config::blk_dma_size);
// Cookies of the virtualiser's own reads, above every in-flight slot it hands the driver.
constexpr Word head_cookie = 1000;
constexpr Word tail_cookie = 1001;

class BlockVirtualiserPd {
public:
    void init() {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): the composer mapped the queue there
        void* region = reinterpret_cast<void*>(config::driver_queue);
        auto queue = kaal::dddk::BlockDriverQueue::attach(region);
        if (!queue) {
            print("blk-virt: FAILED: cannot attach the driver's queue: ", queue.error(), "\n");
            return;
        }
        driver_.emplace(*queue);
        // The driver may have published the disk's size before this PD ran, and it signals
        // completions only once asked to (collect() asks): both are looked at here.
        from_driver();
    }

    void notified(kaal::Channel ch) {
        if (!driver_) {
            return;
        }
        if (ch == config::driver) {
            from_driver();
        }
        serve();
    }

private:
    void from_driver() {
        if (!started_) {
            start();
        }
        const bool room = driver_->collect(
            [this](Word cookie, BlockStatus status) { completed(cookie, status); });
        if (room) {
            static_cast<void>(kaal::notify(config::driver));
        }
    }

    // Once the driver has published the disk's size: the partition table's sectors.
    void start() {
        if (!driver_->ready()) {
            return;
        }
        started_ = true;
        sectors_ = driver_->capacity_sectors();
        if (sectors_ < head_sectors + tail_sectors) {
            print("blk-virt: FAILED: a disk of ", sectors_, " sectors has no room for a GPT\n");
            return;
        }
        submit_read(0, head_sectors, head_offset, head_cookie);
        submit_read(sectors_ - tail_sectors, tail_sectors, tail_offset, tail_cookie);
        kick();
    }

    void submit_read(std::uint64_t lba, std::uint32_t count, Word offset, Word cookie) {
        const auto sent = driver_->submit(
            {kaal::dddk::BlockRequest::Op::read, lba, config::blk_dma_paddr + offset,
             count * static_cast<std::uint32_t>(sector_bytes), cookie});
        if (!sent) {
            print("blk-virt: FAILED: cannot read the partition table: ", sent.error(), "\n");
        }
    }

    void kick() {
        if (driver_->kick()) {
            static_cast<void>(kaal::notify(config::driver));
        }
    }

    void completed(Word cookie, BlockStatus status) {
        if (cookie == head_cookie || cookie == tail_cookie) {
            startup_ok_ = startup_ok_ && status == BlockStatus::ok;
            if (++startup_reads_ == 2) {
                start_serving();
            }
            return;
        }
        if (virtualiser_) {
            virtualiser_->completed(cookie, status, notify_client);
        }
    }

    // The partition table, from the sectors read at start: every read outside them fails.
    void start_serving() {
        if (!startup_ok_) {
            print("blk-virt: FAILED: the disk's first or last sectors could not be read\n");
            return;
        }
        PartitionProblem problem;
        const auto table = read_partition_table(
            sectors_,
            [this](std::uint64_t lba, std::span<std::uint8_t, sector_bytes> out) {
                Word offset = 0;
                if (lba < head_sectors) {
                    offset = head_offset + lba * sector_bytes;
                } else if (lba >= sectors_ - tail_sectors && lba < sectors_) {
                    offset = tail_offset + (lba - (sectors_ - tail_sectors)) * sector_bytes;
                } else {
                    return kaal::Status{kaal::Error::range_error};
                }
                // NOLINTNEXTLINE(performance-no-int-to-ptr): the DMA pool is mapped there
                std::memcpy(out.data(), reinterpret_cast<const void*>(config::blk_dma + offset),
                            sector_bytes);
                return kaal::Status{};
            },
            problem);
        if (!table) {
            print("blk-virt: FAILED: no usable partition table: ", table.error(), ": ", problem.why,
                  "\n");
            return;
        }
        print("blk-virt: ", table->kind == PartitionTable::Kind::gpt ? "GPT" : "MBR", " with ",
              table->count, " partitions on ", sectors_, " sectors",
              table->note[0] != '\0' ? "; " : "", table->note, "\n");
        for (std::size_t i = 0; i < table->count; ++i) {
            print("blk-virt: partition ", i, ": sectors ", table->partitions[i].first_lba, " to ",
                  table->partitions[i].first_lba + table->partitions[i].sectors - 1, "\n");
        }
        auto queues = attach_queues(std::make_index_sequence<client_count>{});
        if (!queues) {
            print("blk-virt: FAILED: cannot attach the clients' queues\n");
            return;
        }
        // The composer orders the windows by client, so each client's are one run of them.
        for (std::size_t k = 0; k < windows_.size(); ++k) {
            const auto& w = config::BlockClients::windows[k];
            windows_[k] = {w.offset, *w.paddr, w.size};
        }
        std::array<BlockClientConfig, client_count> clients{};
        std::size_t first_window = 0;
        for (std::size_t i = 0; i < client_count; ++i) {
            std::size_t n = 0;
            while (first_window + n < windows_.size() &&
                   config::BlockClients::windows[first_window + n].client == i) {
                ++n;
            }
            clients[i] = {wiring[i].partition, *wiring[i].data_paddr, wiring[i].data_size,
                          std::span{windows_}.subspan(first_window, n)};
            first_window += n;
        }
        if (first_window != windows_.size()) {
            print("blk-virt: FAILED: the composer's windows are not in client order\n");
            return;
        }
        auto made = Virtualiser::create(*queues, clients, *table);
        if (!made) {
            print("blk-virt: FAILED: ", made.error(), "\n");
            return;
        }
        virtualiser_.emplace(*made);
        virtualiser_->publish_info(driver_->read_only());
        for (std::size_t i = 0; i < client_count; ++i) {
            notify_client(i); // it may be waiting for its partition's size
        }
        print("blk-virt: serving ", client_count, " clients\n");
        serve();
    }

    void serve() {
        if (virtualiser_) {
            static_cast<void>(virtualiser_->serve(*driver_, notify_client));
            kick();
        }
    }

    template <std::size_t... I>
    static std::optional<std::array<kaal::dddk::BlockQueue, client_count>>
    attach_queues(std::index_sequence<I...>) {
        // NOLINTBEGIN(performance-no-int-to-ptr): the composer mapped the queues there
        std::array results{
            kaal::dddk::BlockQueue::attach(reinterpret_cast<void*>(*wiring[I].queue))...};
        // NOLINTEND(performance-no-int-to-ptr)
        for (const auto& r : results) {
            if (!r) {
                return std::nullopt;
            }
        }
        return std::array<kaal::dddk::BlockQueue, client_count>{*results[I]...};
    }

    static constexpr auto notify_client = [](std::size_t client) {
        static_cast<void>(kaal::notify(wiring[client].channel));
    };

    std::optional<QueuedBlockDriver> driver_;
    std::array<BlockWindow, config::BlockClients::windows.size()> windows_{};
    std::optional<Virtualiser> virtualiser_;
    std::uint64_t sectors_ = 0;
    unsigned startup_reads_ = 0;
    bool startup_ok_ = true;
    bool started_ = false;
};

} // namespace

KAAL_COMPONENT(BlockVirtualiserPd);
