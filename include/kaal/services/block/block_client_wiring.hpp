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

} // namespace kaal::services::block
