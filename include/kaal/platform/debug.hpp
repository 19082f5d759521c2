// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

#include <kaal/platform/message.hpp>
#include <kaal/platform/mode.hpp>

// Debug console output. It goes to the kernel's debug console in microkit and runtime modes
// (seL4_DebugPutChar, seL4 manual "Debugging System Calls"; only in debug kernels) and to the
// host's stdout in mock mode. It is for people, not for data: drivers move data through the
// serial driver, never through here.
#if defined(KAAL_PLATFORM_MICROKIT)
#include <kaal/platform/microkit/abi.hpp>
#elif defined(KAAL_PLATFORM_RUNTIME)
#include <kaal/platform/runtime/sel4.hpp>
#endif

namespace kaal::debug {

#if defined(KAAL_PLATFORM_MICROKIT)
inline void put(const char* s) {
    microkit_dbg_puts(s);
}
#elif defined(KAAL_PLATFORM_RUNTIME)
inline void put(const char* s) {
    for (; *s != '\0'; ++s) {
        seL4_DebugPutChar(*s);
    }
}
#else
void put(const char* s); // platform/mock/debug.cpp
#endif

// A value printed in hexadecimal with a 0x prefix, as seL4 prints addresses and caps.
struct Hex {
    Word value;
};
constexpr Hex hex(Word value) {
    return {value};
}

namespace detail {
// Digits are built backwards into a buffer sized for the widest value (64-bit, plus sign and
// prefix), so printing never allocates.
inline void put_unsigned(unsigned long long value, unsigned base, const char* prefix) {
    char buffer[24];
    std::size_t at = sizeof buffer;
    buffer[--at] = '\0';
    do {
        const auto digit = static_cast<unsigned>(value % base);
        buffer[--at] = static_cast<char>(digit < 10 ? '0' + digit : 'a' + digit - 10);
        value /= base;
    } while (value != 0);
    put(prefix);
    put(&buffer[at]);
}

inline void put_one(const char* s) {
    put(s == nullptr ? "(null)" : s);
}
inline void put_one(char c) {
    const char s[2] = {c, '\0'};
    put(s);
}
// A view need not end in NUL: its characters go one at a time.
inline void put_one(std::string_view s) {
    for (const char c : s) {
        put_one(c);
    }
}
inline void put_one(bool b) {
    put(b ? "true" : "false");
}
inline void put_one(Hex h) {
    put_unsigned(h.value, 16, "0x");
}
inline void put_one(Error e) {
    put(to_string(e));
}
template <std::unsigned_integral T>
void put_one(T value) {
    put_unsigned(value, 10, "");
}
template <std::signed_integral T>
void put_one(T value) {
    if (value < 0) {
        // Negate in unsigned arithmetic so the most negative value prints correctly.
        put_unsigned(0ULL - static_cast<unsigned long long>(value), 10, "-");
    } else {
        put_unsigned(static_cast<unsigned long long>(value), 10, "");
    }
}
} // namespace detail

// print("virtio: ", n, " queues at ", hex(addr), "\n")
template <typename... Args>
void print(const Args&... args) {
    (detail::put_one(args), ...);
}

} // namespace kaal::debug
