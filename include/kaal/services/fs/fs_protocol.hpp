// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>

#include <kaal/core/result.hpp>
#include <kaal/ipc/ring_buffer.hpp>

// The filesystem protocol between a client and a filesystem service: asynchronous commands and
// completions in one 4 KiB queue region per client, laid out as the block queue is
// (kaal/dddk/block_queue.hpp): commands in the first half, completions from the second, each ring
// with one producer and one consumer, so RingBuffer's SPSC rules and notification suppression
// hold for both. Bytes (file data, paths, stat records, directory entries) never travel in the
// rings: a command names an offset and a length in the client's own data region, which only the
// client and the service map.
//
//   client                                   filesystem service
//     commands.push()  -> notify if asked      commands.pop()     -> check, run
//     completions.pop() after a notification   completions.push() -> notify if asked
//
// A command is the client's word until checked: the service copies paths out of the data region
// before it reads them (the client may change them meanwhile), checks every offset and length
// against the region, and every handle against the client's own handle table, so a client can
// name neither another client's files nor memory outside its own region. Several commands may be
// in flight; each completion carries its command's id, and completions come in command order.
namespace kaal::services::fs {

enum class FsOp : std::uint32_t {
    open = 0,     // path; flags; value: the new handle
    close = 1,    // handle
    read = 2,     // handle, offset, length -> bytes at data; value: bytes read (0 at the end)
    write = 3,    // handle, offset, length <- bytes at data; value: bytes written
    truncate = 4, // handle, offset: the new size
    stat = 5,     // path, or handle if path_len is 0 -> FsStat at data
    readdir = 6,  // handle, offset: the cookie -> FsDirEntry at data; value: the next cookie,
                  // or 0 with status ok at the end (value2: 1 if an entry was written)
    mkdir = 7,    // path
    rmdir = 8,    // path
    unlink = 9,   // path
    rename = 10,  // path (from), path2 (to)
    sync = 11,    // fsync: everything written reaches the disk before the completion
    statfs = 12,  // -> FsVolumeStats at data
};
inline constexpr std::uint32_t fs_op_count = 13;

namespace open_flag {
inline constexpr std::uint32_t create = 1;
inline constexpr std::uint32_t exclusive = 2;
inline constexpr std::uint32_t truncate = 4;
inline constexpr std::uint32_t directory = 8;
inline constexpr std::uint32_t all = 15;
} // namespace open_flag

struct FsCommand {
    FsOp op;
    std::uint32_t flags;  // open: open_flag bits
    std::uint64_t id;     // the client's, echoed in the completion
    std::uint32_t handle; // the client's own handle number
    std::uint32_t length; // bytes at `data`
    std::uint64_t offset; // in the file; truncate: the size; readdir: the cookie
    std::uint64_t data;   // offset of the buffer in the client's data region
    std::uint64_t path;   // offset of the (first) path in the data region
    std::uint32_t path_len;
    std::uint32_t path2_len;
    std::uint64_t path2; // rename's second path
};

// A read or a write: `length` bytes of the file at `offset`, to or from `data` in the client's
// region.
constexpr FsCommand io_command(FsOp op, std::uint32_t handle, std::uint64_t offset,
                               std::uint64_t data, std::uint32_t length) {
    FsCommand c{};
    c.op = op;
    c.handle = handle;
    c.offset = offset;
    c.data = data;
    c.length = length;
    return c;
}

struct FsCompletion {
    std::uint64_t id;
    Error status; // Error::ok, or why the command failed
    std::uint8_t reserved[7];
    std::uint64_t value;
    std::uint64_t value2;
};

inline constexpr std::uint32_t fs_max_path = 1024;
inline constexpr std::uint32_t fs_max_name = 765; // 255 UTF-16 units as UTF-8

struct FsStat {
    std::uint64_t size;
    std::uint32_t directory;     // 1 for a directory
    std::uint32_t attributes;    // FAT's: read-only 0x01, hidden 0x02, system 0x04, archive 0x20
    std::uint16_t modified_date; // FAT's (year from 1980, month, day) and time (two-second steps)
    std::uint16_t modified_time;
    std::uint16_t created_date;
    std::uint16_t created_time;
};

struct FsDirEntry {
    FsStat stat;
    std::uint32_t name_len;
    char name[fs_max_name + 1]; // UTF-8, NUL-terminated
};

struct FsVolumeStats {
    std::uint64_t block_bytes;
    std::uint64_t blocks;
    std::uint64_t free_blocks;
    char type[8]; // "FAT12", "FAT16", "FAT32"
};

using FsCommandRing = ipc::RingBuffer<FsCommand>;
using FsCompletionRing = ipc::RingBuffer<FsCompletion>;

inline constexpr ipc::RingIndex fs_queue_capacity = 16;
inline constexpr std::size_t fs_queue_bytes = 0x1000;
inline constexpr std::size_t fs_completions_offset = fs_queue_bytes / 2;
static_assert(FsCommandRing::region_size(fs_queue_capacity) <= fs_completions_offset);
static_assert(FsCompletionRing::region_size(fs_queue_capacity) <=
              fs_queue_bytes - fs_completions_offset);

// Both ends attach to the same zero-filled region.
struct FsQueue {
    FsCommandRing commands;
    FsCompletionRing completions;

    static Result<FsQueue> attach(void* region) {
        if (region == nullptr) {
            return Error::invalid_argument;
        }
        KAAL_TRY(auto commands,
                 FsCommandRing::attach(region, fs_completions_offset, fs_queue_capacity));
        KAAL_TRY(auto completions, FsCompletionRing::attach(
                                       static_cast<std::byte*>(region) + fs_completions_offset,
                                       fs_queue_bytes - fs_completions_offset, fs_queue_capacity));
        return FsQueue{commands, completions};
    }
};

} // namespace kaal::services::fs
