// SPDX-License-Identifier: BSD-2-Clause
#pragma once

// libmicrokit keeps the IPC buffer pointer in a plain global, not a thread-local: it defines
// `__thread` away before including libsel4 (libmicrokit's microkit.h). Every translation unit
// that talks to the kernel must see the same declaration, so KaaL code includes libsel4 only
// through this header. We do not include microkit.h itself: it declares a function named
// `protected`, a C++ keyword, and some of its inlines are not valid C++.
// libsel4's debug build declares `strcpy` itself (sel4/arch/syscalls.h), without the
// `noexcept` the C++ library gives it. C++ accepts the plain redeclaration after the C++ one but
// not before it, so <cstring> comes first and component code may include it in any order.
#include <cstring>

#define __thread
extern "C" {
#include <sel4/sel4.h>
}
#undef __thread
