// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <kaal/platform/debug.hpp>
#include <kaal/platform/runtime/sel4.hpp>

// The start code shared by the root task and components (platform/runtime/start.S, tls.cpp):
// what runs between the first instruction and the first line of KaaL code.
namespace kaal::runtime {

// Builds the static TLS block and points the thread's fs base at it.
void setup_tls();
// Runs the image's global constructors (.init_array), in link order.
void run_constructors();

// Prints `why` on the debug console and stops this thread for good. A component holds no cap to
// its own TCB, so it cannot suspend itself: it yields forever, runnable but never in the way.
[[noreturn]] void halt(const char* why);

} // namespace kaal::runtime
