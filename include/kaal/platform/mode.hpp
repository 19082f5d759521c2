// SPDX-License-Identifier: BSD-2-Clause
#pragma once

// The platform backend is chosen when the build is configured (CMake `KAAL_PLATFORM`), which
// defines exactly one of the macros below. Everything above this layer asks `kaal::mode`
// through `if constexpr`, so the choice costs nothing at run time.
#if defined(KAAL_PLATFORM_MICROKIT) + defined(KAAL_PLATFORM_RUNTIME) +                             \
        defined(KAAL_PLATFORM_MOCK) !=                                                             \
    1
#error "define exactly one of KAAL_PLATFORM_MICROKIT, KAAL_PLATFORM_RUNTIME, KAAL_PLATFORM_MOCK"
#endif

namespace kaal {

enum class Mode { microkit, runtime, mock };

#if defined(KAAL_PLATFORM_MICROKIT)
inline constexpr Mode mode = Mode::microkit;
#elif defined(KAAL_PLATFORM_RUNTIME)
inline constexpr Mode mode = Mode::runtime;
#else
inline constexpr Mode mode = Mode::mock;
#endif

constexpr const char* to_string(Mode m) {
    switch (m) {
    case Mode::microkit: return "microkit";
    case Mode::runtime: return "runtime";
    case Mode::mock: return "mock";
    }
    return "unknown";
}

// "microkit", "runtime" or "mock".
constexpr const char* platform_mode() {
    return to_string(mode);
}

} // namespace kaal
