// SPDX-License-Identifier: BSD-2-Clause
#pragma once

// In runtime mode KaaL is the root task and libsel4's IPC buffer pointer is a real thread-local
// (libsel4 sel4/functions.h), so the headers are used as they are.
#include <sel4/sel4.h>
