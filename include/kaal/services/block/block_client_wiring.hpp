// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/message.hpp>

namespace kaal::services::block {

// One client of the block virtualiser, as the composer's BlockStorage building block writes it
// into the virtualiser's configuration (config::BlockClients). The addresses are those of the
// variables the Microkit tool sets, read when the PD starts.
struct BlockClientWiring {
    const Word* queue;      // where its queue is mapped here
    const Word* data_paddr; // its data region, as the device sees it
    std::size_t data_size;
    Channel channel;
    std::size_t partition; // its index in the disk's partition table
};

// A window of a client's (services/block/block_virtualiser.hpp, BlockWindow), in
// config::BlockClients::windows, ordered by client and then by offset.
struct BlockWindowWiring {
    std::size_t client; // its index in config::BlockClients::clients
    Word offset;        // where the window starts among the client's offsets
    const Word* paddr;  // the region, as the device sees it
    std::size_t size;
};

} // namespace kaal::services::block
