/* SPDX-License-Identifier: BSD-2-Clause */
/* <sys/random.h>: Linux's getrandom(2), which picolibc leaves to the system. The bytes come from
 * the system's entropy source, a virtio-rng device (docs/posix.md). */
#pragma once

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM 0x2
#define GRND_INSECURE 0x4

ssize_t getrandom(void* bytes, size_t length, unsigned int flags);
int getentropy(void* bytes, size_t length);

#ifdef __cplusplus
}
#endif
