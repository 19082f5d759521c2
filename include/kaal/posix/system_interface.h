/* SPDX-License-Identifier: BSD-2-Clause */
#pragma once

/*
 * The one boundary between the POSIX layer's C side (posix/c/, compiled against picolibc's
 * headers, where struct stat, O_* and errno are picolibc's) and its C++ side (posix/program.cpp,
 * a KaaL component compiled like any other, where the VFS, the console and the time service
 * live). Everything crossing it is a fixed-width integer, a pointer to bytes, or one of the two
 * plain structs below, so neither side needs the other's headers.
 *
 * Every function returns a value >= 0 on success and -errno on failure, with errno numbers from
 * the list below. posix/c/errno_check.c asserts at compile time that each equals picolibc's.
 *
 * Handles are the VFS's file descriptors; the POSIX descriptors a program sees are the C side's
 * (posix/c/fd_table.c), which adds what the VFS does not know: console streams, dup'ed
 * descriptors sharing one open file, FD_CLOEXEC, O_APPEND and O_NONBLOCK.
 *
 * Paths are absolute and NUL-terminated: the C side resolves relative paths against the working
 * directory first. None of these may be called while another is running (one thread).
 */

/* C headers: this one is C's too. */
#include <stddef.h> /* NOLINT(modernize-deprecated-headers) */
#include <stdint.h> /* NOLINT(modernize-deprecated-headers) */

#ifdef __cplusplus
extern "C" {
#endif

#define KAAL_EPERM 1
#define KAAL_ENOENT 2
#define KAAL_EIO 5
#define KAAL_EBADF 9
#define KAAL_EAGAIN 11
#define KAAL_ENOMEM 12
#define KAAL_EACCES 13
#define KAAL_EFAULT 14
#define KAAL_EBUSY 16
#define KAAL_EEXIST 17
#define KAAL_EXDEV 18
#define KAAL_ENOTDIR 20
#define KAAL_EISDIR 21
#define KAAL_EINVAL 22
#define KAAL_EMFILE 24
#define KAAL_ENOSPC 28
#define KAAL_ESPIPE 29
#define KAAL_EROFS 30
#define KAAL_EPIPE 32
#define KAAL_ENOSYS 88
#define KAAL_ENOTEMPTY 90
#define KAAL_ENAMETOOLONG 91
#define KAAL_EOPNOTSUPP 95
#define KAAL_ECONNRESET 104
#define KAAL_ENOBUFS 105
#define KAAL_EAFNOSUPPORT 106
#define KAAL_ENOPROTOOPT 109
#define KAAL_ECONNREFUSED 111
#define KAAL_EADDRINUSE 112
#define KAAL_ECONNABORTED 113
#define KAAL_ENETUNREACH 114
#define KAAL_ETIMEDOUT 116
#define KAAL_EHOSTUNREACH 118
#define KAAL_EINPROGRESS 119
#define KAAL_EALREADY 120
#define KAAL_EDESTADDRREQ 121
#define KAAL_EMSGSIZE 122
#define KAAL_EADDRNOTAVAIL 125
#define KAAL_EISCONN 127
#define KAAL_ENOTCONN 128

/* kaal_sys_open's flags: the filesystem protocol's (kaal/services/fs/fs_protocol.hpp). */
#define KAAL_OPEN_CREATE 1u
#define KAAL_OPEN_EXCLUSIVE 2u
#define KAAL_OPEN_TRUNCATE 4u
#define KAAL_OPEN_DIRECTORY 8u

/* The longest absolute path the filesystem protocol carries, without its NUL. */
#define KAAL_PATH_MAX 1024
/* The longest name of one directory entry: 255 UTF-16 units of a long name, as UTF-8. */
#define KAAL_NAME_MAX 765

struct kaal_sys_file_status { /* NOLINT(readability-identifier-naming): a C name */
    uint64_t size;
    uint64_t modified_unix_s; /* the FAT timestamp, read as UTC */
    uint32_t directory;       /* 1 for a directory */
    uint32_t read_only;       /* FAT's read-only attribute */
};

struct kaal_sys_dirent { /* NOLINT(readability-identifier-naming): a C name */
    char name[KAAL_NAME_MAX + 1];
    struct kaal_sys_file_status stat;
};

/* The console. stream: 1 for stdout, 2 for stderr (one serial client: they interleave). Write
 * returns once all of it is queued; read returns one line at most, with its '\n', and with
 * nonblock set -EAGAIN when no whole line has been typed yet. */
long kaal_sys_console_write(int stream, const void* bytes, size_t length);
long kaal_sys_console_read(void* bytes, size_t length, int nonblock);
/* 1 if a read would not wait (a whole line, or the end of input, has been typed), else 0 (poll,
 * select; they wait with kaal_sys_wait). */
int kaal_sys_console_ready(void);

/* Files and directories (kaal/services/fs/vfs.hpp). */
int kaal_sys_open(const char* path, uint32_t flags);
int kaal_sys_close(int handle);
long kaal_sys_read(int handle, void* bytes, size_t length);
long kaal_sys_write(int handle, const void* bytes, size_t length);
long kaal_sys_pread(int handle, void* bytes, size_t length, uint64_t offset);
long kaal_sys_pwrite(int handle, const void* bytes, size_t length, uint64_t offset);
/* whence: 0 from the start, 1 from the position, 2 from the end; the new position in *to. */
int kaal_sys_seek(int handle, int64_t offset, int whence, uint64_t* to);
int kaal_sys_truncate(int handle, uint64_t size);
int kaal_sys_fsync(int handle);
int kaal_sys_stat(const char* path, struct kaal_sys_file_status* out);
int kaal_sys_fstat(int handle, struct kaal_sys_file_status* out);
/* 1 with an entry in *out, 0 at the end of the directory. */
int kaal_sys_readdir(int handle, struct kaal_sys_dirent* out);
int kaal_sys_unlink(const char* path);
int kaal_sys_rename(const char* from, const char* to);
int kaal_sys_mkdir(const char* path);
int kaal_sys_rmdir(const char* path);

/* Time from the time service: CLOCK_MONOTONIC since boot and CLOCK_REALTIME from the RTC, in
 * nanoseconds, without a kernel entry. sleep blocks this program only, and the network keeps
 * running while it does (kaal_sys_wait). */
uint64_t kaal_sys_monotonic_ns(void);
uint64_t kaal_sys_realtime_ns(void);
uint64_t kaal_sys_clock_resolution_ns(void); /* one counter tick, rounded up */
int kaal_sys_sleep_ns(uint64_t ns);

/* Waiting. One step of the program's event loop: returns once something may have changed (a
 * frame or a returned buffer for the network, a line typed, a timer) or at deadline_ns on the
 * monotonic clock (0: no deadline), whichever is first, having run the network's timers. A
 * caller that waits for a condition checks it, then steps, then checks again: what a step
 * brought is in place when it returns, so nothing arrives unseen between the check and the
 * wait. */
int kaal_sys_wait(uint64_t deadline_ns);

/* Sockets: IPv4 TCP and UDP over the program's own lwIP (docs/posix.md). Handles are the
 * socket table's. None of these waits: each answers -EAGAIN (or -EINPROGRESS, for connect)
 * where a blocking socket would wait, and the C side waits with kaal_sys_wait and calls again.
 * A program whose system description gives it no network gets -EAFNOSUPPORT from
 * kaal_sys_socket. */
#define KAAL_SOCKET_TCP 1
#define KAAL_SOCKET_UDP 2

struct kaal_sys_endpoint { /* NOLINT(readability-identifier-naming): a C name */
    uint8_t address[4];    /* IPv4, in network order: 10.0.2.15 is {10, 0, 2, 15} */
    uint16_t port;         /* in host order */
};

/* What a socket is ready for (poll's POLLIN, POLLOUT, POLLHUP and POLLERR). */
#define KAAL_SOCKET_READABLE 1u
#define KAAL_SOCKET_WRITABLE 2u
#define KAAL_SOCKET_HUNG_UP 4u
#define KAAL_SOCKET_ERROR 8u

/* Options kaal_sys_socket_option reads (value NULL) or sets. */
#define KAAL_SOCKET_REUSEADDR 1
#define KAAL_SOCKET_KEEPALIVE 2
#define KAAL_SOCKET_BROADCAST 3
#define KAAL_SOCKET_NODELAY 4   /* TCP_NODELAY */
#define KAAL_SOCKET_ERROR_NOW 5 /* SO_ERROR: the pending error, which reading clears */

int kaal_sys_socket(int type);
int kaal_sys_socket_close(int handle);
int kaal_sys_bind(int handle, const struct kaal_sys_endpoint* at);
int kaal_sys_listen(int handle, int backlog);
/* A connection the listener took, as a new handle, with its peer in *peer. */
int kaal_sys_accept(int handle, struct kaal_sys_endpoint* peer);
/* TCP: -EINPROGRESS once started, then -EALREADY until it is up or failed (the failure then in
 * KAAL_SOCKET_ERROR_NOW). UDP: sets the default peer, at once. */
int kaal_sys_connect(int handle, const struct kaal_sys_endpoint* to);
/* to NULL: to the connected peer. Returns the bytes taken (all of a datagram, or none). */
long kaal_sys_send(int handle, const void* bytes, size_t length,
                   const struct kaal_sys_endpoint* to);
/* from, if not NULL, gets the sender. peek: leave the bytes to be read again. A datagram longer
 * than `length` is cut, the rest dropped, as UDP's recv does. 0: the peer shut its side. */
long kaal_sys_receive(int handle, void* bytes, size_t length, struct kaal_sys_endpoint* from,
                      int peek);
/* read: no more receiving; write: a FIN once what is queued has been sent. */
int kaal_sys_shutdown(int handle, int read, int write);
/* peer 0: the local address, 1: the connected peer's (-ENOTCONN without one). */
int kaal_sys_socket_name(int handle, int peer, struct kaal_sys_endpoint* out);
/* value NULL: reads the option. Returns the option's value (0 or 1; an errno for ERROR_NOW). */
int kaal_sys_socket_option(int handle, int option, const int* value);
unsigned kaal_sys_socket_events(int handle); /* KAAL_SOCKET_* bits; 0 for a bad handle */

/* Random bytes from the system's entropy source (a virtio-rng device, through its driver's
 * pool): up to `length`, at least one unless nonblock is set, when none may be ready yet
 * (-EAGAIN). -ENOSYS for a program whose description gives it no entropy source. */
long kaal_sys_random(void* bytes, size_t length, int nonblock);

/* The program: its heap (a region the system description sizes), its process id (unique in the
 * system), its arguments and environment (kaal_add_posix_program's ARGS and ENV). */
void kaal_sys_heap(uintptr_t* base, size_t* bytes);
int kaal_sys_pid(void);
extern char* kaal_posix_argv[]; /* NULL-terminated; argv[0] is the program's name */
extern char* kaal_posix_envp[]; /* NULL-terminated "NAME=value" */

/* The C side's entry point (posix/c/start.c): runs main with its arguments and returns the
 * program's exit status, whether main returned or the program called exit(). */
int kaal_posix_run(void);

#ifdef __cplusplus
}
#endif
