/* SPDX-License-Identifier: BSD-2-Clause */
/* <sys/uio.h> (POSIX.1-2017), which picolibc leaves to the system: vectored I/O. */
#pragma once

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iovec {
    void* iov_base;
    size_t iov_len;
};

#ifndef IOV_MAX
#define IOV_MAX 1024 /* as Linux: POSIX asks for at least _XOPEN_IOV_MAX, 16 */
#endif

ssize_t readv(int fd, const struct iovec* vectors, int count);
ssize_t writev(int fd, const struct iovec* vectors, int count);

#ifdef __cplusplus
}
#endif
