// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include <kaal/composer/system.hpp>

// A virtio-blk disk as one building block: the driver PD (drivers/block/virtio), which alone
// maps the device, and the block virtualiser PD (services/block), which gives each client one
// partition of the disk through the driver; and per client one line:
//
//   kaal::composer::BlockStorage disk{s};
//   disk.add_client(fs, 0);             // partition 0 (the first in the MBR or GPT)
//
// A client's configuration then names `config::blk_queue` (its request/response queue,
// kaal/dddk/block_queue.hpp), `config::blk_data` (its DMA data region, which only it and the
// device reach: the virtualiser maps it read-only, to learn its physical address) and
// `config::blk` (its channel to the virtualiser). QEMU virt only: the disk is the virtio-mmio
// transport QEMU gives the first `-device` (drivers/block/virtio/README.md).
namespace kaal::composer {

struct BlockStorageOptions {
    unsigned priority = 150; // above its clients: a request costs it little and unblocks them
    // Above the virtualiser, as sDDF has it: completions reach the virtualiser at once.
    unsigned driver_priority = 160;
    unsigned transport = 31; // QEMU virt's virtio-mmio transport the disk is on
};

class BlockStorage {
public:
    explicit BlockStorage(System& system, BlockStorageOptions options = {},
                          std::source_location at = std::source_location::current());

    // `partition`: its index in the disk's partition table. `data_bytes`: the client's DMA
    // data region, at most 1 MiB (System::dma_region).
    BlockStorage& add_client(Pd& client, std::size_t partition, Word data_bytes = 0x1'0000,
                             std::source_location at = std::source_location::current());

    // Lets the device reach `region` (a System::dma_region) for `client`, which add_client
    // added: returns where the window starts among the client's offsets into its data region,
    // past that region and past the client's earlier windows. For a service that moves its own
    // clients' data (a filesystem): the disk then reads into and writes from their regions
    // without a copy. The virtualiser maps the region read-only, for its physical address.
    Word add_window(Pd& client, Region& region,
                    std::source_location at = std::source_location::current());

    [[nodiscard]] Pd& virtualiser() { return *state_->virtualiser; }
    [[nodiscard]] Pd& driver() { return *state_->driver; }

private:
    struct Window {
        std::string name; // the virtualiser's for its mapping
        Word offset;
        Word size;
    };
    struct Client {
        Pd* pd;
        std::string ident;
        std::size_t partition;
        Word next_offset; // where its next window goes
        std::vector<Window> windows;
    };
    struct State {
        Pd* virtualiser = nullptr;
        Pd* driver = nullptr;
        std::vector<Client> clients;
    };
    static void write_table(const State& state);

    System& system_;
    std::shared_ptr<State> state_;
};

} // namespace kaal::composer
