/* SPDX-License-Identifier: BSD-2-Clause */
/* pipe and pipe2: a byte ring inside the program, between descriptors of the same program (one
 * thread: nobody else could be at the other end).
 *
 * A pipe's blocking calls cannot wait for another thread to empty or fill it, because there is
 * none: a read of an empty pipe whose write end is open, and a write to a full one whose read
 * end is open, would wait for ever. They fail with EDEADLK instead (the non-blocking forms with
 * EAGAIN, as POSIX says). The rest is POSIX's: a read of an empty pipe with no writer left is
 * the end of file, a write with no reader left raises SIGPIPE and, if the program ignores it,
 * fails with EPIPE. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PIPE_BYTES 4096
#define PIPES 8

struct pipe_ring {
    int in_use;
    int readers; /* open file descriptions of each end */
    int writers;
    size_t start;
    size_t length;
    unsigned char bytes[PIPE_BYTES];
};

static struct pipe_ring pipes[PIPES];

static struct pipe_ring* ring_of(const struct kaal_open_file* file) {
    return &pipes[file->handle];
}

int pipe2(int fds[2], int flags) {
    if ((flags & ~(O_NONBLOCK | O_CLOEXEC)) != 0) {
        return kaal_fail(EINVAL);
    }
    int index = 0;
    while (index < PIPES && pipes[index].in_use) {
        ++index;
    }
    if (index == PIPES) {
        return kaal_fail(ENFILE);
    }
    struct kaal_open_file* reader = kaal_file_new();
    if (reader == NULL) {
        return -1;
    }
    /* Claimed before the second is asked for, so kaal_file_new does not hand it out twice. */
    reader->kind = KAAL_FILE_PIPE;
    struct kaal_open_file* writer = kaal_file_new();
    if (writer == NULL) {
        reader->kind = KAAL_FILE_FREE;
        return -1;
    }
    writer->kind = KAAL_FILE_PIPE;
    const int status = flags & O_NONBLOCK;
    const int fd_flags = (flags & O_CLOEXEC) != 0 ? FD_CLOEXEC : 0;
    reader->handle = writer->handle = index;
    reader->status_flags = O_RDONLY | status;
    writer->status_flags = O_WRONLY | status;
    fds[0] = kaal_fd_install(reader, 0, fd_flags);
    fds[1] = fds[0] < 0 ? -1 : kaal_fd_install(writer, 0, fd_flags);
    if (fds[1] < 0) {
        if (fds[0] >= 0) {
            (void)close(fds[0]);
        } else {
            reader->kind = KAAL_FILE_FREE;
        }
        writer->kind = KAAL_FILE_FREE;
        return -1;
    }
    pipes[index] = (struct pipe_ring){.in_use = 1, .readers = 1, .writers = 1};
    return 0;
}

int pipe(int fds[2]) {
    return pipe2(fds, 0);
}

ssize_t kaal_pipe_read(struct kaal_open_file* file, void* bytes, size_t length) {
    struct pipe_ring* ring = ring_of(file);
    if (ring->length == 0) {
        if (ring->writers == 0 || length == 0) {
            return 0;
        }
        return kaal_fail((file->status_flags & O_NONBLOCK) != 0 ? EAGAIN : EDEADLK);
    }
    size_t n = length < ring->length ? length : ring->length;
    for (size_t i = 0; i < n; ++i) {
        ((unsigned char*)bytes)[i] = ring->bytes[(ring->start + i) % PIPE_BYTES];
    }
    ring->start = (ring->start + n) % PIPE_BYTES;
    ring->length -= n;
    return (ssize_t)n;
}

ssize_t kaal_pipe_write(struct kaal_open_file* file, const void* bytes, size_t length) {
    struct pipe_ring* ring = ring_of(file);
    if (ring->readers == 0) {
        (void)raise(SIGPIPE);
        return kaal_fail(EPIPE);
    }
    const size_t room = PIPE_BYTES - ring->length;
    if (room == 0 && length > 0) {
        return kaal_fail((file->status_flags & O_NONBLOCK) != 0 ? EAGAIN : EDEADLK);
    }
    /* POSIX: up to PIPE_BUF bytes go in whole or not at all. */
    if (length <= PIPE_BUF && length > room) {
        return kaal_fail((file->status_flags & O_NONBLOCK) != 0 ? EAGAIN : EDEADLK);
    }
    const size_t n = length < room ? length : room;
    for (size_t i = 0; i < n; ++i) {
        ring->bytes[(ring->start + ring->length + i) % PIPE_BYTES] =
            ((const unsigned char*)bytes)[i];
    }
    ring->length += n;
    return (ssize_t)n;
}

void kaal_pipe_release(struct kaal_open_file* file) {
    struct pipe_ring* ring = ring_of(file);
    if ((file->status_flags & O_ACCMODE) == O_RDONLY) {
        --ring->readers;
    } else {
        --ring->writers;
    }
    ring->in_use = ring->readers > 0 || ring->writers > 0;
}

short kaal_pipe_events(const struct kaal_open_file* file) {
    const struct pipe_ring* ring = ring_of(file);
    if ((file->status_flags & O_ACCMODE) == O_RDONLY) {
        return (short)((ring->length > 0 ? POLLIN : 0) | (ring->writers == 0 ? POLLHUP : 0));
    }
    return (short)(ring->readers == 0 ? POLLERR : (ring->length < PIPE_BYTES ? POLLOUT : 0));
}
