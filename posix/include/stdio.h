/* SPDX-License-Identifier: BSD-2-Clause */
/* picolibc's <stdio.h>, with FILENAME_MAX (C11 7.21.1), which tinystdio leaves out: the longest
 * path the filesystem protocol carries. */
#pragma once

#include_next <stdio.h>

#ifndef FILENAME_MAX
#define FILENAME_MAX 1024
#endif
