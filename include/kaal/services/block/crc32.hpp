// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstdint>
#include <span>

// CRC-32 as GPT uses it (UEFI 2.10, 5.3.2 "GPT Header": the CRC32 of zlib and Ethernet:
// polynomial 0x04C11DB7 reflected, initial value and final XOR 0xFFFFFFFF). A table of 256
// entries computed at compile time; freestanding, so the block virtualiser checks GPTs itself.
namespace kaal::services::block {

namespace detail {
constexpr std::array<std::uint32_t, 256> crc32_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) {
            c = (c & 1U) != 0 ? 0xedb8'8320U ^ (c >> 1) : c >> 1;
        }
        table[i] = c;
    }
    return table;
}
inline constexpr auto crc32_entries = crc32_table();
} // namespace detail

constexpr std::uint32_t crc32(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0) {
    crc = ~crc;
    for (const std::uint8_t b : bytes) {
        crc = detail::crc32_entries[(crc ^ b) & 0xffU] ^ (crc >> 8);
    }
    return ~crc;
}

} // namespace kaal::services::block
