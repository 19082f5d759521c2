// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <kaal/platform/message.hpp>

// What a block driver takes and gives back, whatever the device: a request on whole 512-byte
// sectors with its data at a physical address, completed later with the caller's cookie and a
// status. The block virtualiser makes these from its clients' checked BlockRequestMessages
// (block_queue.hpp); a driver (drivers/block/virtio) turns them into the device's own format.
namespace kaal::dddk {

struct BlockRequest {
    enum class Op : std::uint8_t { read, write, flush };
    Op op = Op::read;
    std::uint64_t sector = 0; // in 512-byte sectors, from the start of the disk
    Word data_paddr = 0;      // physical: the device reads or writes there by DMA
    std::uint32_t bytes = 0;  // a multiple of 512; 0 for a flush
    Word cookie = 0;          // the caller's, handed back on completion
};

enum class BlockStatus : std::uint8_t { ok, io_error, unsupported };

} // namespace kaal::dddk
