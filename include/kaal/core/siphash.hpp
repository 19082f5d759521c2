// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", INDOCRYPT 2012): a
// keyed 64-bit hash that is a pseudorandom function of short messages, so whoever does not know
// the key cannot predict one output from others. For values an attacker must not guess, such
// as TCP's initial sequence numbers (RFC 6528 names a PRF of the connection and a secret).
// The key and the message are read as the paper's little-endian byte strings.
namespace kaal {

using SipHashKey = std::array<std::uint8_t, 16>;

namespace detail {

constexpr std::uint64_t load_le64(const std::uint8_t* p, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        v |= std::uint64_t{p[i]} << (8 * i);
    }
    return v;
}

struct SipState {
    std::uint64_t v0, v1, v2, v3;

    constexpr void round() {
        v0 += v1;
        v1 = std::rotl(v1, 13) ^ v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16) ^ v2;
        v0 += v3;
        v3 = std::rotl(v3, 21) ^ v0;
        v2 += v1;
        v1 = std::rotl(v1, 17) ^ v2;
        v2 = std::rotl(v2, 32);
    }
    constexpr void absorb(std::uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

} // namespace detail

constexpr std::uint64_t siphash24(const SipHashKey& key, std::span<const std::uint8_t> message) {
    const std::uint64_t k0 = detail::load_le64(key.data(), 8);
    const std::uint64_t k1 = detail::load_le64(key.data() + 8, 8);
    // The paper's initialisation constants: "somepseudorandomlygeneratedbytes" in ASCII.
    detail::SipState s{k0 ^ 0x736f6d6570736575U, k1 ^ 0x646f72616e646f6dU, k0 ^ 0x6c7967656e657261U,
                       k1 ^ 0x7465646279746573U};
    const std::size_t whole = message.size() / 8 * 8;
    for (std::size_t i = 0; i < whole; i += 8) {
        s.absorb(detail::load_le64(message.data() + i, 8));
    }
    // The last block: the remaining bytes, and the message length in its top byte.
    s.absorb(detail::load_le64(message.data() + whole, message.size() - whole) |
             (std::uint64_t{message.size() & 0xffU} << 56));
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) {
        s.round();
    }
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

} // namespace kaal
