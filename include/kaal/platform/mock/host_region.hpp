// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include <kaal/platform/message.hpp>

// Host memory standing in for a shared or DMA region in host tests and benchmarks, where a
// "physical" address is the host address: page-aligned, as the composer maps every region.
namespace kaal::mock {

template <std::size_t Bytes>
struct alignas(4096) HostRegion {
    std::array<std::uint8_t, Bytes> bytes{};
    [[nodiscard]] Word address() { return reinterpret_cast<Word>(bytes.data()); }
};

} // namespace kaal::mock
