// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/message.hpp>

// What the composer's FileSystem building block writes into configurations: the service's
// table of clients (config::FsClients) and each client's table of mounts (config::VfsMounts).
// The addresses are those of the variables the Microkit tool sets, read when the PD starts.
namespace kaal::services::fs {

struct FsClientWiring {
    const Word* queue; // where its queue is mapped in the service
    const Word* data;  // and its data region
    std::size_t data_size;
    Channel channel;
    // Where the block virtualiser lets the device reach that region, among the service's offsets
    // into its block data region (BlockStorage::add_window): file data then moves between the
    // disk and the client's region without a copy.
    Word block_offset;
};

struct MountWiring {
    const char* mount_point; // "/", "/data"
    const char* service;     // the filesystem PD's name, for messages
    const Word* queue;       // where the queue to that service is mapped in the client
    const Word* data;
    std::size_t data_size;
    Channel channel;
};

} // namespace kaal::services::fs
