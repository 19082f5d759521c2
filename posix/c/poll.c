/* SPDX-License-Identifier: BSD-2-Clause */
/* poll and select over the console, files and pipes.
 *
 * Regular files and directories are always ready (POSIX poll: "Regular files shall always poll
 * TRUE for reading and writing"), the console's output too (write waits for room itself); a
 * pipe is as full as this program made it, and only the program itself could change that. So
 * only console input can become ready while poll waits: with no timeout it waits on the console
 * channel; with a timeout it looks at the console every 10 ms (the time service's sleep; waiting
 * on two channels at once is not in the platform API yet), so input is seen within 10 ms of
 * arriving. With no console in the set, nothing can become ready: poll sleeps out its timeout. */
#include <poll.h>
#include <sys/select.h>
#include <time.h>

#include "internal.h"

#define STEP_NS 10000000u /* 10 ms */

static short events_of(int fd, short wanted, int* console) {
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
    case KAAL_FILE_CONSOLE_IN:
        *console = 1;
        ready = kaal_sys_console_ready() ? in : 0;
        break;
    case KAAL_FILE_CONSOLE_OUT: ready = out; break;
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

/* One look at every descriptor: how many are ready; *console says whether one is the console. */
static int look(struct pollfd* fds, nfds_t count, int* console) {
    int ready = 0;
    for (nfds_t i = 0; i < count; ++i) {
        fds[i].revents = events_of(fds[i].fd, fds[i].events, console);
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
        int console = 0;
        const int ready = look(fds, count, &console);
        if (ready > 0 || timeout_ms == 0) {
            return ready;
        }
        if (timeout_ms < 0) {
            /* Nothing but console input can come: wait for it, or (without the console in the
             * set) for ever, as POSIX's poll would. */
            const int waited = console ? kaal_sys_console_wait() : kaal_sys_sleep_ns(STEP_NS * 100);
            if (waited < 0) {
                return kaal_fail(-waited);
            }
            continue;
        }
        const uint64_t now = kaal_sys_monotonic_ns();
        if (now >= deadline) {
            return 0;
        }
        const uint64_t left = deadline - now;
        const int slept = kaal_sys_sleep_ns(console && left > STEP_NS ? STEP_NS : left);
        if (slept < 0) {
            return kaal_fail(-slept);
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
