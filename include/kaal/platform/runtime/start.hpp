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

} // namespace kaal::runtime
