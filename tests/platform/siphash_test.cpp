// SPDX-License-Identifier: BSD-2-Clause
// SipHash-2-4 (kaal/core/siphash.hpp) against the paper's test vectors: key 00 01 .. 0f, and
// messages 00 01 .. of each length (Aumasson and Bernstein, appendix A; the reference code's
// vectors.h).
#include <array>
#include <cstdint>
#include <gtest/gtest.h>

#include <kaal/core/siphash.hpp>

namespace {

constexpr kaal::SipHashKey key = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

constexpr std::array<std::uint8_t, 64> counting() {
    std::array<std::uint8_t, 64> m{};
    for (std::size_t i = 0; i < m.size(); ++i) {
        m[i] = static_cast<std::uint8_t>(i);
    }
    return m;
}

TEST(SipHash24, MatchesThePapersVectors) {
    constexpr auto message = counting();
    // Lengths 0, 1, 7, 8 and 15: an empty last block, a short one, a whole block, and the
    // paper's own example (appendix A: 0xa129ca6149be45e5).
    const std::array<std::pair<std::size_t, std::uint64_t>, 5> vectors{{
        {0, 0x726fdb47dd0e0e31U},
        {1, 0x74f839c593dc67fdU},
        {7, 0xab0200f58b01d137U},
        {8, 0x93f5f5799a932462U},
        {15, 0xa129ca6149be45e5U},
    }};
    for (const auto& [length, expected] : vectors) {
        EXPECT_EQ(kaal::siphash24(key, std::span{message.data(), length}), expected)
            << length << " bytes";
    }
    static_assert(kaal::siphash24(key, std::span{message.data(), 15}) == 0xa129ca6149be45e5U,
                  "usable at compile time");
}

TEST(SipHash24, DependsOnEveryKeyByte) {
    constexpr auto message = counting();
    const std::uint64_t reference = kaal::siphash24(key, std::span{message.data(), 12});
    for (std::size_t i = 0; i < key.size(); ++i) {
        kaal::SipHashKey other = key;
        other[i] ^= 1;
        EXPECT_NE(kaal::siphash24(other, std::span{message.data(), 12}), reference) << i;
    }
}

} // namespace
