/* SPDX-License-Identifier: BSD-2-Clause */
/* picolibc's <sys/stat.h>, and lstat, which it declares only for some systems. */
#pragma once

#include_next <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

int lstat(const char* __restrict path, struct stat* __restrict out);

#ifdef __cplusplus
}
#endif
