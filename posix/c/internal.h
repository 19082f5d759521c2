/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

/*
 * What the POSIX layer's C files share: the descriptor table and the helpers that turn the
 * system interface's -errno results into POSIX's -1-and-errno.
 *
 * A descriptor names an open file description (POSIX.1-2017, 3.258), which holds the offset
 * and the status flags; dup and dup2 make a second descriptor for the same description, as
 * POSIX requires, so both see one offset. The VFS handle is the description's: it closes when
 * the last descriptor naming it does.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <kaal/posix/system_interface.h>

#define KAAL_POSIX_OPEN_MAX 32

enum kaal_file_kind {
    KAAL_FILE_FREE = 0,
    KAAL_FILE_CONSOLE_IN,
    KAAL_FILE_CONSOLE_OUT,
    KAAL_FILE_VFS,
    KAAL_FILE_DIRECTORY,
    KAAL_FILE_PIPE,   /* handle: the pipe's index (pipe.c) */
    KAAL_FILE_SOCKET, /* handle: the socket table's (socket.c) */
    KAAL_FILE_RANDOM, /* /dev/random, /dev/urandom (random.c) */
    KAAL_FILE_NULL,   /* /dev/null */
};

struct kaal_open_file {
    enum kaal_file_kind kind;
    int references;   /* descriptors naming it */
    int handle;       /* the VFS's, for KAAL_FILE_VFS and KAAL_FILE_DIRECTORY */
    int stream;       /* 1 or 2, for KAAL_FILE_CONSOLE_OUT */
    int status_flags; /* O_ACCMODE bits, O_APPEND, O_NONBLOCK */
    uint64_t inode;   /* a hash of its normalised path: stat and fstat agree on it */
    /* Sockets: SOCK_STREAM or SOCK_DGRAM, and SO_RCVTIMEO and SO_SNDTIMEO (0: none). */
    int socket_type;
    uint64_t receive_timeout_ns;
    uint64_t send_timeout_ns;
};

/* The description `fd` names, or NULL (errno EBADF). */
struct kaal_open_file* kaal_fd_file(int fd);
/* A free description, or NULL (errno ENFILE). */
struct kaal_open_file* kaal_file_new(void);
/* The lowest free descriptor >= lowest, now naming `file` (one reference more); -1 (EMFILE). */
int kaal_fd_install(struct kaal_open_file* file, int lowest, int fd_flags);

/* The absolute, normalised form of `path` (relative ones against the working directory) in
 * `out`, which holds KAAL_PATH_MAX + 1 bytes; 0, or -errno (ENOENT for "", ENAMETOOLONG). */
int kaal_path_absolute(const char* path, char* out);
uint64_t kaal_path_inode(const char* absolute);

/* chmod and fchmod: 0 if `mode` keeps what FAT stores of `now`, else -1 with EPERM. */
int kaal_mode_change(const struct stat* now, mode_t mode);

void kaal_stat_from_sys(const struct kaal_sys_file_status* from, uint64_t inode, struct stat* to);

/* Pipes (pipe.c): the calls read, write, close and poll make on a pipe's description. */
ssize_t kaal_pipe_read(struct kaal_open_file* file, void* bytes, size_t length);
ssize_t kaal_pipe_write(struct kaal_open_file* file, const void* bytes, size_t length);
void kaal_pipe_release(struct kaal_open_file* file);
short kaal_pipe_events(const struct kaal_open_file* file); /* POLLIN, POLLOUT, POLLHUP, POLLERR */

/* Sockets (socket.c): read, write and close on a socket's description. */
ssize_t kaal_socket_read(struct kaal_open_file* file, void* bytes, size_t length);
ssize_t kaal_socket_write(struct kaal_open_file* file, const void* bytes, size_t length);
int kaal_socket_release(struct kaal_open_file* file);

/* Device files (random.c). open: a descriptor, -1 with errno, or -2 if `absolute` names none;
 * stat: 1 with *out filled for a device file, else 0. Writes to either are taken and dropped. */
int kaal_device_open(const char* absolute, int flags);
int kaal_device_stat(const char* absolute, struct stat* out);
ssize_t kaal_device_read(struct kaal_open_file* file, void* bytes, size_t length);

static inline int kaal_fail(int error) {
    errno = error;
    return -1;
}

/* A system interface result as POSIX returns it: the value, or -1 with errno. */
static inline long kaal_result(long value) {
    return value < 0 ? kaal_fail((int)-value) : value;
}
