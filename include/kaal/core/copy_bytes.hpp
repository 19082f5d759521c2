// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kaal {

// memcpy for bulk data in components. The picolibc that components link is built for size, and
// its memcpy moves one byte per iteration (five instructions a byte on aarch64): a 256 KiB disk
// transfer then costs over a million instructions in copying alone. This moves 64 bytes per
// iteration when both ends are 8-byte aligned (what DMA regions and sector buffers are), with
// aligned 8-byte accesses only, as -mstrict-align requires; anything else falls back to memcpy.
inline void copy_bytes(void* dst, const void* src, std::size_t n) {
    auto* d = static_cast<std::uint8_t*>(dst);
    const auto* s = static_cast<const std::uint8_t*>(src);
    if (((reinterpret_cast<std::uintptr_t>(d) | reinterpret_cast<std::uintptr_t>(s)) & 7) == 0) {
        // Told the alignment the test above found, the compiler makes each fixed-size copy one
        // aligned load or store; without it, -mstrict-align turns them into calls to memcpy.
        d = static_cast<std::uint8_t*>(__builtin_assume_aligned(d, 8));
        s = static_cast<const std::uint8_t*>(__builtin_assume_aligned(s, 8));
        for (; n >= 64; n -= 64, d += 64, s += 64) {
            std::uint64_t w[8];
            // Fixed-size copies: the compiler turns each into one load and one store.
            for (std::size_t i = 0; i < 8; ++i) {
                __builtin_memcpy(&w[i], s + 8 * i, 8);
            }
            for (std::size_t i = 0; i < 8; ++i) {
                __builtin_memcpy(d + 8 * i, &w[i], 8);
            }
        }
        for (; n >= 8; n -= 8, d += 8, s += 8) {
            __builtin_memcpy(d, s, 8);
        }
    }
    if (n != 0) {
        std::memcpy(d, s, n);
    }
}

} // namespace kaal
