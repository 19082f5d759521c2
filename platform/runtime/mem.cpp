// SPDX-License-Identifier: BSD-2-Clause
// The four memory functions the compiler may call even in freestanding code (GCC manual,
// "Standards": memcpy, memmove, memset, memcmp), strlen, which libstdc++'s inline
// std::string_view calls, and strcpy, which libsel4's seL4_DebugNameThread calls. On aarch64 they
// come from Debian's picolibc; Debian carries no freestanding C library for x86_64, so runtime mode
// defines them here, on the string instructions, which every x86_64 CPU that runs seL4 executes
// fast (Intel SDM vol. 1, "Fast-String Operation").
#include <cstddef>

extern "C" {

void* memcpy(void* dest, const void* src, std::size_t n) {
    void* d = dest;
    asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dest;
}

void* memset(void* dest, int value, std::size_t n) {
    void* d = dest;
    asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(value) : "memory");
    return dest;
}

void* memmove(void* dest, const void* src, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dest);
    const auto* s = static_cast<const unsigned char*>(src);
    if (d <= s || d >= s + n) {
        return memcpy(dest, src, n);
    }
    // Overlapping with the destination above the source: copy backwards (direction flag set,
    // and cleared again as the ABI requires).
    unsigned char* last_d = d + n - 1;
    const unsigned char* last_s = s + n - 1;
    asm volatile("std\n\trep movsb\n\tcld" : "+D"(last_d), "+S"(last_s), "+c"(n) : : "memory");
    return dest;
}

int memcmp(const void* a, const void* b, std::size_t n) {
    const auto* x = static_cast<const unsigned char*>(a);
    const auto* y = static_cast<const unsigned char*>(b);
    for (std::size_t i = 0; i < n; ++i) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

std::size_t strlen(const char* s) {
    std::size_t n = 0;
    while (s[n] != '\0') {
        ++n;
    }
    return n;
}

char* strcpy(char* dest, const char* src) {
    return static_cast<char*>(memcpy(dest, src, strlen(src) + 1));
}
}
