/* SPDX-License-Identifier: BSD-2-Clause */
/* The descriptor table (internal.h): close, dup, dup2, fcntl. */
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "internal.h"

struct descriptor {
    struct kaal_open_file* file; /* NULL: free */
    int flags;                   /* FD_CLOEXEC */
};

/* 0, 1 and 2 are the console, open before main runs (start.c). */
static struct kaal_open_file files[KAAL_POSIX_OPEN_MAX] = {
    {.kind = KAAL_FILE_CONSOLE_IN, .references = 1, .status_flags = O_RDONLY},
    {.kind = KAAL_FILE_CONSOLE_OUT, .references = 1, .stream = 1, .status_flags = O_WRONLY},
    {.kind = KAAL_FILE_CONSOLE_OUT, .references = 1, .stream = 2, .status_flags = O_WRONLY},
};
static struct descriptor descriptors[KAAL_POSIX_OPEN_MAX] = {
    {&files[0], 0},
    {&files[1], 0},
    {&files[2], 0},
};

struct kaal_open_file* kaal_fd_file(int fd) {
    if (fd < 0 || fd >= KAAL_POSIX_OPEN_MAX || descriptors[fd].file == NULL) {
        errno = EBADF;
        return NULL;
    }
    return descriptors[fd].file;
}

struct kaal_open_file* kaal_file_new(void) {
    for (int i = 0; i < KAAL_POSIX_OPEN_MAX; ++i) {
        if (files[i].kind == KAAL_FILE_FREE) {
            files[i] = (struct kaal_open_file){.kind = KAAL_FILE_FREE, .handle = -1};
            return &files[i];
        }
    }
    errno = ENFILE;
    return NULL;
}

int kaal_fd_install(struct kaal_open_file* file, int lowest, int fd_flags) {
    for (int fd = lowest < 0 ? 0 : lowest; fd < KAAL_POSIX_OPEN_MAX; ++fd) {
        if (descriptors[fd].file == NULL) {
            descriptors[fd] = (struct descriptor){file, fd_flags};
            ++file->references;
            return fd;
        }
    }
    return kaal_fail(EMFILE);
}

/* The description loses a reference; the last one closes the VFS handle. A console stream is
 * never really closed: a program that closes stdout and opens a file gets descriptor 1 for it,
 * as on Unix, but the console itself stays for the exit line. */
static int release(struct kaal_open_file* file) {
    if (--file->references > 0) {
        return 0;
    }
    int result = 0;
    if (file->kind == KAAL_FILE_VFS || file->kind == KAAL_FILE_DIRECTORY) {
        result = kaal_sys_close(file->handle);
    } else if (file->kind == KAAL_FILE_PIPE) {
        kaal_pipe_release(file);
    } else if (file->kind == KAAL_FILE_SOCKET) {
        result = kaal_socket_release(file);
    }
    file->kind = KAAL_FILE_FREE;
    return result < 0 ? kaal_fail(-result) : 0;
}

int close(int fd) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return -1;
    }
    descriptors[fd].file = NULL;
    return release(file);
}

int dup(int fd) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    return file == NULL ? -1 : kaal_fd_install(file, 0, 0);
}

int dup2(int fd, int to) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return -1;
    }
    if (to < 0 || to >= KAAL_POSIX_OPEN_MAX) {
        return kaal_fail(EBADF);
    }
    if (to == fd) {
        return fd;
    }
    /* POSIX: an error closing the old `to` is not reported. */
    if (descriptors[to].file != NULL) {
        struct kaal_open_file* old = descriptors[to].file;
        descriptors[to].file = NULL;
        (void)release(old);
    }
    descriptors[to] = (struct descriptor){file, 0};
    ++file->references;
    return to;
}

int fcntl(int fd, int command, ...) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return -1;
    }
    va_list args;
    va_start(args, command);
    int result = 0;
    switch (command) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        const int lowest = va_arg(args, int);
        if (lowest < 0 || lowest >= KAAL_POSIX_OPEN_MAX) {
            result = kaal_fail(EINVAL);
            break;
        }
        result = kaal_fd_install(file, lowest, command == F_DUPFD_CLOEXEC ? FD_CLOEXEC : 0);
        break;
    }
    case F_GETFD: result = descriptors[fd].flags; break;
    case F_SETFD: descriptors[fd].flags = va_arg(args, int) & FD_CLOEXEC; break;
    case F_GETFL: result = file->status_flags; break;
    case F_SETFL: {
        /* Only these may change after open (POSIX fcntl, F_SETFL); the access mode stays. */
        const int changeable = O_APPEND | O_NONBLOCK;
        const int flags = va_arg(args, int);
        file->status_flags = (file->status_flags & ~changeable) | (flags & changeable);
        break;
    }
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW: {
        /* POSIX record locks keep other processes out (fcntl, "Advisory record locking"); a
         * process's own locks never conflict with each other. A program here is one process and
         * the filesystem service keeps no locks, so every lock is granted and F_GETLK finds none
         * in the way. Two programs sharing a volume are not kept apart (docs/posix.md). */
        struct flock* lock = va_arg(args, struct flock*);
        if (lock->l_type != F_RDLCK && lock->l_type != F_WRLCK && lock->l_type != F_UNLCK) {
            result = kaal_fail(EINVAL);
        } else if (command == F_GETLK) {
            lock->l_type = F_UNLCK;
        }
        break;
    }
    default: result = kaal_fail(EINVAL); break;
    }
    va_end(args);
    return result;
}
