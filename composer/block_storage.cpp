// SPDX-License-Identifier: BSD-2-Clause
// The block storage building block (block_storage.hpp).
#include <kaal/broker/boards/qemu_virt_aarch64.hpp>
#include <kaal/composer/block_storage.hpp>

namespace kaal::composer {

namespace {

constexpr Word queue_bytes = 0x1000; // kaal::dddk::block_queue_bytes, block_driver_queue.hpp's too
constexpr Word journal_bytes = 0x1000; // kaal::dddk::block_driver_journal_bytes
// The driver's virtqueue, request headers and status bytes (VirtioBlkDriver::dma_bytes).
constexpr Word driver_dma_bytes = 0x4000;
// The sectors the virtualiser reads the partition table from: 34 at the start, 33 at the end
// (services/block/block_virtualiser_pd.cpp).
constexpr Word table_dma_bytes = 0x1'0000;

} // namespace

BlockStorage::BlockStorage(System& s, BlockStorageOptions options, std::source_location at)
    : system_(s), state_(std::make_shared<State>()) {
    // The driver's and the virtualiser's Result-built objects, and the partition table's
    // sectors, need more than 4 KiB of stack.
    Pd& driver = s.pd("blk-driver", "virtio_blk_driver", at).priority(options.driver_priority, at);
    driver.stack_size(0x4000, at);
    Pd& virt = s.pd("blk-virt", "block_virtualiser", at).priority(options.priority, at);
    virt.stack_size(0x4000, at);
    state_->virtualiser = &virt;
    state_->driver = &driver;
    if (s.board() != Board::qemu_virt_aarch64) {
        s.problem(Place::of(at), "block storage needs a virtio-mmio disk",
                  "BlockStorage runs on QEMU virt (aarch64) only for now");
        return;
    }
    // Only the driver maps the device; only the virtualiser parses what is on it.
    driver.device(boards::qemu_virt_aarch64::virtio_mmio(options.transport), "blk", at);
    driver.map(s.dma_region("blk_driver_dma", driver_dma_bytes, at), "blk_dma", Perms::rw, at);
    Region& queue = s.region("blk_driver_queue", queue_bytes, at);
    driver.map(queue, "virt_queue", Perms::rw, at);
    // What the driver owes the virtualiser, which outlives a restart of the driver
    // (kaal/dddk/block_driver_journal.hpp): the driver's alone.
    driver.map(s.region("blk_driver_journal", journal_bytes, at), "journal", Perms::rw, at);
    virt.map(queue, "driver_queue", Perms::rw, at);
    s.channel(driver, "virt", virt, "driver", at);
    virt.map(s.dma_region("blk_table_dma", table_dma_bytes, at), "blk_dma", Perms::rw, at);
    s.on_compose([state = state_](System&) { write_table(*state); });
}

BlockStorage& BlockStorage::add_client(Pd& client, std::size_t partition, Word data_bytes,
                                       std::source_location at) {
    System& s = system_;
    const std::string ident = identifier(client.name());
    state_->clients.push_back({&client, ident, partition, data_bytes, {}});
    Region& queue = s.region("blk_" + ident + "_queue", queue_bytes, at);
    Region& data = s.dma_region("blk_" + ident + "_data", data_bytes, at);
    client.map(queue, "blk_queue", Perms::rw, at).map(data, "blk_data", Perms::rw, at);
    // Read-only at the virtualiser: it needs only the physical address and never the bytes.
    state_->virtualiser->map(queue, "client_" + ident + "_queue", Perms::rw, at)
        .map(data, "client_" + ident + "_data", Perms::r, at);
    s.channel(*state_->virtualiser, "client_" + ident, client, "blk", at);
    return *this;
}

Word BlockStorage::add_window(Pd& client, Region& region, std::source_location at) {
    for (Client& c : state_->clients) {
        if (c.pd != &client) {
            continue;
        }
        if (!region.dma) {
            system_.problem(Place::of(at), "a block window must be DMA memory",
                            "'" + region.name + "' is not a System::dma_region");
            return 0;
        }
        // Windows start on a page: every offset the client computes in one stays sector-aligned
        // where its offset into the region is.
        constexpr Word page = 0x1000;
        const Word offset = (c.next_offset + page - 1) & ~(page - 1);
        const std::string name = "client_" + c.ident + "_w" + std::to_string(c.windows.size());
        c.windows.push_back({name, offset, region.size});
        c.next_offset = offset + region.size;
        state_->virtualiser->map(region, name, Perms::r, at);
        return offset;
    }
    system_.problem(Place::of(at), "a block window for a PD that is not a client of the disk",
                    "'" + client.name() + "': add_client it first");
    return 0;
}

void BlockStorage::write_table(const State& state) {
    std::string code = "struct BlockClients {\n"
                       "    static constexpr std::array clients{\n";
    for (const Client& c : state.clients) {
        code += "        kaal::services::block::BlockClientWiring{&kaal_cfg_client_" + c.ident +
                "_queue, &kaal_cfg_client_" + c.ident + "_data_paddr, client_" + c.ident +
                "_data_size, client_" + c.ident + ", " + std::to_string(c.partition) + "},\n";
    }
    code += "    };\n";
    std::string windows;
    for (std::size_t i = 0; i < state.clients.size(); ++i) {
        for (const Window& w : state.clients[i].windows) {
            windows += "        kaal::services::block::BlockWindowWiring{" + std::to_string(i) +
                       ", " + std::to_string(w.offset) + ", &kaal_cfg_" + w.name + "_paddr, " +
                       std::to_string(w.size) + "},\n";
        }
    }
    code += windows.empty()
                ? "    static constexpr std::array<kaal::services::block::"
                  "BlockWindowWiring, 0> windows{};\n};\n"
                : "    static constexpr std::array windows{\n" + windows + "    };\n};\n";
    if (state.clients.empty()) {
        code = "struct BlockClients {\n"
               "    static constexpr std::array<kaal::services::block::BlockClientWiring, 0> "
               "clients{};\n"
               "    static constexpr std::array<kaal::services::block::BlockWindowWiring, 0> "
               "windows{};\n};\n";
    }
    state.virtualiser->section(
        {{"array", "kaal/services/block/block_client_wiring.hpp"}, std::move(code)});
}

} // namespace kaal::composer
