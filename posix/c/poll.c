/* SPDX-License-Identifier: BSD-2-Clause */
/* poll and select over the console, files, pipes and sockets.
 *
 * Regular files and directories are always ready (POSIX poll: "Regular files shall always poll
 * TRUE for reading and writing"), the console's output too (write waits for room itself); a
 * pipe is as full as this program made it. Console input and sockets change while poll waits:
 * it looks at every descriptor, and while none is ready takes one step of the program's event
 * loop (kaal_sys_wait, which returns when a line is typed, a frame or a timer comes, or the
 * timeout is up) and looks again. A step brings what came in before it returns, so what arrives
 * between a look and the step after it is seen by the next look. */
#include <poll.h>
#include <sys/select.h>

#include "internal.h"

static short events_of(int fd, short wanted) {
    struct kaal_open_file* file = fd < 0 ? NULL : kaal_fd_file(fd);
    if (fd < 0) {
        return 0; /* POSIX: a negative fd is ignored, revents 0 */
    }
    if (file == NULL) {
        return POLLNVAL;
    }
    const short in = POLLIN | POLLRDNORM;
    const short out = POLLOUT | POLLWRNORM;
    short ready = 0;
    switch (file->kind) {
    case KAAL_FILE_CONSOLE_IN: ready = kaal_sys_console_ready() ? in : 0; break;
    case KAAL_FILE_CONSOLE_OUT: ready = out; break;
    case KAAL_FILE_SOCKET: {
        const unsigned socket = kaal_sys_socket_events(file->handle);
        ready = (short)(((socket & KAAL_SOCKET_READABLE) != 0 ? in : 0) |
                        ((socket & KAAL_SOCKET_WRITABLE) != 0 ? out : 0) |
                        ((socket & KAAL_SOCKET_HUNG_UP) != 0 ? POLLHUP : 0) |
                        ((socket & KAAL_SOCKET_ERROR) != 0 ? POLLERR : 0));
        break;
    }
    case KAAL_FILE_PIPE: {
        const short pipe = kaal_pipe_events(file);
        ready = (short)(((pipe & POLLIN) != 0 ? in : 0) | ((pipe & POLLOUT) != 0 ? out : 0) |
                        (pipe & (POLLHUP | POLLERR)));
        break;
    }
    default: ready = (short)(in | out); break;
    }
    /* POLLHUP, POLLERR and POLLNVAL are reported whether asked for or not. */
    return (short)(ready & (wanted | POLLHUP | POLLERR));
}

/* One look at every descriptor: how many are ready. */
static int look(struct pollfd* fds, nfds_t count) {
    int ready = 0;
    for (nfds_t i = 0; i < count; ++i) {
        fds[i].revents = events_of(fds[i].fd, fds[i].events);
        ready += fds[i].revents != 0;
    }
    return ready;
}

int poll(struct pollfd* fds, nfds_t count, int timeout_ms) {
    if (count > KAAL_POSIX_OPEN_MAX * 4) {
        return kaal_fail(EINVAL);
    }
    const uint64_t deadline =
        timeout_ms < 0 ? 0 : kaal_sys_monotonic_ns() + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        const int ready = look(fds, count);
        if (ready > 0 || timeout_ms == 0) {
            return ready;
        }
        if (timeout_ms > 0 && kaal_sys_monotonic_ns() >= deadline) {
            return 0;
        }
        const int stepped = kaal_sys_wait(deadline);
        if (stepped < 0) {
            return kaal_fail(-stepped);
        }
    }
}

int select(int count, fd_set* readable, fd_set* writable, fd_set* exceptional,
           struct timeval* timeout) {
    if (count < 0 || count > FD_SETSIZE) {
        return kaal_fail(EINVAL);
    }
    if (timeout != NULL &&
        (timeout->tv_sec < 0 || timeout->tv_usec < 0 || timeout->tv_usec >= 1000000)) {
        return kaal_fail(EINVAL);
    }
    struct pollfd fds[KAAL_POSIX_OPEN_MAX];
    int fd_of[KAAL_POSIX_OPEN_MAX];
    nfds_t used = 0;
    for (int fd = 0; fd < count; ++fd) {
        const short wanted =
            (short)((readable != NULL && FD_ISSET(fd, readable) ? POLLIN : 0) |
                    (writable != NULL && FD_ISSET(fd, writable) ? POLLOUT : 0) |
                    (exceptional != NULL && FD_ISSET(fd, exceptional) ? POLLPRI : 0));
        if (wanted == 0) {
            continue;
        }
        if (kaal_fd_file(fd) == NULL) {
            return -1; /* EBADF, as POSIX select says of a set naming no open file */
        }
        fds[used] = (struct pollfd){.fd = fd, .events = wanted};
        fd_of[used++] = fd;
    }
    int timeout_ms = -1;
    if (timeout != NULL) {
        const long long ms = (long long)timeout->tv_sec * 1000 + (timeout->tv_usec + 999) / 1000;
        timeout_ms = ms > 0x7fffffff ? 0x7fffffff : (int)ms;
    }
    const int ready = poll(fds, used, timeout_ms);
    if (ready < 0) {
        return -1;
    }
    fd_set r;
    fd_set w;
    fd_set e;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    int bits = 0;
    for (nfds_t i = 0; i < used; ++i) {
        const short got = fds[i].revents;
        /* A hang-up or an error reads as readable (a read returns 0 or the error at once). */
        if ((got & (POLLIN | POLLHUP | POLLERR)) != 0 && (fds[i].events & POLLIN) != 0) {
            FD_SET(fd_of[i], &r);
            ++bits;
        }
        if ((got & (POLLOUT | POLLERR)) != 0 && (fds[i].events & POLLOUT) != 0) {
            FD_SET(fd_of[i], &w);
            ++bits;
        }
    }
    if (readable != NULL) {
        *readable = r;
    }
    if (writable != NULL) {
        *writable = w;
    }
    if (exceptional != NULL) {
        *exceptional = e;
    }
    return bits;
}
