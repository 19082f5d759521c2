/* SPDX-License-Identifier: BSD-2-Clause */
/* <sys/ioctl.h>, which picolibc leaves to the system. KaaL's descriptors take no device
 * requests: ioctl answers ENOTTY for every one (posix/c/file_io.c), as POSIX says of a request
 * the descriptor does not support. */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

int ioctl(int fd, unsigned long request, ...);

#ifdef __cplusplus
}
#endif
