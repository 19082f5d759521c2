// SPDX-License-Identifier: BSD-2-Clause
#include <cstdio>

#include <kaal/platform/debug.hpp>

namespace kaal::debug {

// Unbuffered, like the kernel's debug console, so output interleaves with a crash the same way.
void put(const char* s) {
    std::fputs(s, stdout);
    std::fflush(stdout);
}

} // namespace kaal::debug
