/* SPDX-License-Identifier: BSD-2-Clause */
/* <limits.h>: picolibc's, with what POSIX.1-2017 also puts there and picolibc leaves out. */
#pragma once

#include_next <limits.h>

#ifndef SSIZE_MAX
#define SSIZE_MAX __LONG_MAX__ /* ssize_t is long on AArch64 (picolibc's sys/types.h) */
#endif
