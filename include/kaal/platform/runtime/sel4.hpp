// SPDX-License-Identifier: BSD-2-Clause
#pragma once

// libsel4 as a runtime-mode image uses it: the headers are C without `extern "C"` guards, and
// their IPC buffer pointer `__sel4_ipc_buffer` is a real thread-local (sel4/functions.h), which
// the start code (platform/runtime/tls.cpp) gives a TLS block before anything touches it.
// <cstring> comes first for the reason given in microkit/sel4.hpp (libsel4's own strcpy).
#include <cstring>

extern "C" {
#include <sel4/sel4.h>
}
