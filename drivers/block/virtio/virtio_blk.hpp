// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

// The virtio block device's protocol (Virtual I/O Device (VIRTIO) Version 1.2, 5.2 "Block
// Device"; section numbers are that spec's): its device id, the features KaaL negotiates, its
// configuration space and its request format.
namespace kaal::drivers::block::virtio_blk {

inline constexpr std::uint32_t device_id = 2;      // 5 "Device Types"
inline constexpr std::uint32_t sector_bytes = 512; // 5.2.4: capacity and sector are in these

// 5.2.3 "Feature bits".
namespace feature {
inline constexpr std::uint64_t ro = std::uint64_t{1} << 5;       // the device is read-only
inline constexpr std::uint64_t blk_size = std::uint64_t{1} << 6; // blk_size is valid
inline constexpr std::uint64_t flush = std::uint64_t{1} << 9;    // FLUSH requests
} // namespace feature

// 5.2.4 "Device configuration layout": offsets into the configuration space.
namespace config {
inline constexpr std::uint64_t capacity = 0x00; // le64, in 512-byte sectors
inline constexpr std::uint64_t blk_size = 0x14; // le32, the optimal block size
} // namespace config

// 5.2.6 "Device Operation": a request is a chain of this header (device-readable), the data
// (readable for OUT, writable for IN; none for FLUSH) and one status byte (writable).
struct RequestHeader {
    std::uint32_t type;
    std::uint32_t reserved;
    std::uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

namespace request {
inline constexpr std::uint32_t in = 0;    // read
inline constexpr std::uint32_t out = 1;   // write
inline constexpr std::uint32_t flush = 4; // write the device's volatile cache to the medium
} // namespace request

namespace status {
inline constexpr std::uint8_t ok = 0;
inline constexpr std::uint8_t io_error = 1;
inline constexpr std::uint8_t unsupported = 2;
} // namespace status

} // namespace kaal::drivers::block::virtio_blk
