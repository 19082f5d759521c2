// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <source_location>

#include <kaal/platform/channel.hpp>
#include <kaal/platform/debug.hpp>

#if defined(KAAL_PLATFORM_MOCK)
#include <cstdio>
#include <cstdlib>
#endif

// kaal_assert(condition) and kaal_panic(message) for component code: a line that names the
// component, what failed and where, then the component stops in a fault, which its fault
// handler reports with the code it stopped in (the Microkit supervisor or the runtime root
// task, kaal/platform/fault_report.hpp):
//
//   kaal: component 'crash-assert': assertion failed: count < limit (examples/crashes/...:14)
//   kaal: component 'crash-assert' faulted: CPU exception ...
//
// The fault is an undefined instruction (__builtin_trap: BRK on AArch64, UD2 on x86_64), which
// seL4 delivers to the fault handler as a user exception (seL4 manual, "Faults"), so a handler
// with a restart policy applies it to an assertion as to any other fault. Unlike <cassert>'s
// assert it stays in builds with NDEBUG: a component that breaks its own invariant stops. On
// the host (mock mode) it aborts the process.
namespace kaal {

[[noreturn]] inline void panic(const char* what, const char* detail,
                               std::source_location at = std::source_location::current()) {
    debug::print("kaal: component '", component_name(), "': ", what, detail, " (", at.file_name(),
                 ":", at.line(), ")\n");
#if defined(KAAL_PLATFORM_MOCK)
    // The host's stdout is buffered, and abort does not flush it.
    static_cast<void>(std::fflush(stdout));
    std::abort();
#else
    __builtin_trap();
#endif
}

} // namespace kaal

// NOLINTBEGIN(cppcoreguidelines-macro-usage): the condition's text and the caller's line
#define kaal_assert(condition)                                                                     \
    ((condition) ? static_cast<void>(0) : ::kaal::panic("assertion failed: ", #condition))
#define kaal_panic(message) ::kaal::panic("panic: ", message)
// NOLINTEND(cppcoreguidelines-macro-usage)
