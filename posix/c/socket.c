/* SPDX-License-Identifier: BSD-2-Clause */
/* BSD sockets (POSIX.1-2017's socket(), bind(), ... pages): IPv4 TCP and UDP over the
 * program's own lwIP (posix/socket_table.hpp). The system interface never waits; a blocking
 * call here asks it, and while it answers -EAGAIN takes one step of the program's event loop
 * (kaal_sys_wait) and asks again, until the socket's timeout (SO_RCVTIMEO, SO_SNDTIMEO), if it
 * has one. There are no signals, so a write to a connection the peer closed is EPIPE without
 * SIGPIPE, as with MSG_NOSIGNAL. */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "internal.h"

/* The windows lwIP is built with (services/network/lwip/include/lwipopts.h: TCP_WND and
 * TCP_SND_BUF), which SO_RCVBUF and SO_SNDBUF report: they are fixed when the image is. */
#define WINDOW_BYTES (32 * 1460)

static struct kaal_open_file* socket_of(int fd) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file != NULL && file->kind != KAAL_FILE_SOCKET) {
        errno = ENOTSOCK;
        return NULL;
    }
    return file;
}

static int nonblocking(const struct kaal_open_file* file, int flags) {
    return (file->status_flags & O_NONBLOCK) != 0 || (flags & MSG_DONTWAIT) != 0;
}

static uint64_t deadline_after(uint64_t timeout_ns) {
    return timeout_ns == 0 ? 0 : kaal_sys_monotonic_ns() + timeout_ns;
}

/* One step of waiting: 0 to try again, or -1 with errno: EAGAIN once the deadline (0: none) has
 * passed, as POSIX has a timed-out SO_RCVTIMEO or SO_SNDTIMEO report it. */
static int step(uint64_t deadline) {
    if (deadline != 0 && kaal_sys_monotonic_ns() >= deadline) {
        return kaal_fail(EAGAIN);
    }
    const int stepped = kaal_sys_wait(deadline);
    return stepped < 0 ? kaal_fail(-stepped) : 0;
}

/* An IPv4 address as the system interface takes it. AF_UNSPEC is the null address (connect()
 * dissolving a datagram socket's association). */
static int endpoint_of(const struct sockaddr* address, socklen_t length,
                       struct kaal_sys_endpoint* out) {
    if (address == NULL) {
        return kaal_fail(EFAULT);
    }
    if (length >= sizeof(sa_family_t) && address->sa_family == AF_UNSPEC) {
        *out = (struct kaal_sys_endpoint){{0}, 0};
        return 0;
    }
    if (length < sizeof(struct sockaddr_in)) {
        return kaal_fail(EINVAL);
    }
    if (address->sa_family != AF_INET) {
        return kaal_fail(EAFNOSUPPORT);
    }
    struct sockaddr_in in;
    memcpy(&in, address, sizeof in);
    memcpy(out->address, &in.sin_addr.s_addr, sizeof out->address);
    out->port = ntohs(in.sin_port);
    return 0;
}

/* POSIX: the address is cut to the caller's length, and *length says how long it is. */
static void address_out(const struct kaal_sys_endpoint* from, struct sockaddr* address,
                        socklen_t* length) {
    if (address == NULL || length == NULL) {
        return;
    }
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(from->port)};
    memcpy(&in.sin_addr.s_addr, from->address, sizeof from->address);
    memcpy(address, &in, *length < sizeof in ? *length : sizeof in);
    *length = sizeof in;
}

/* A description for a socket handle, and a descriptor for it; the handle is closed if either
 * is not to be had. */
static int install(int handle, int type, int flags) {
    struct kaal_open_file* file = kaal_file_new();
    if (file == NULL) {
        (void)kaal_sys_socket_close(handle);
        return -1;
    }
    file->kind = KAAL_FILE_SOCKET;
    file->handle = handle;
    file->socket_type = type;
    file->status_flags = O_RDWR | ((flags & SOCK_NONBLOCK) != 0 ? O_NONBLOCK : 0);
    const int fd = kaal_fd_install(file, 0, (flags & SOCK_CLOEXEC) != 0 ? FD_CLOEXEC : 0);
    if (fd < 0) {
        file->kind = KAAL_FILE_FREE;
        (void)kaal_sys_socket_close(handle);
    }
    return fd;
}

int socket(int domain, int type, int protocol) {
    const int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
    const int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (domain != AF_INET) {
        return kaal_fail(EAFNOSUPPORT);
    }
    int kind = 0;
    if (base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) {
        kind = KAAL_SOCKET_TCP;
    } else if (base == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) {
        kind = KAAL_SOCKET_UDP;
    } else {
        return kaal_fail(base == SOCK_STREAM || base == SOCK_DGRAM ? EPROTONOSUPPORT : EPROTOTYPE);
    }
    const int handle = kaal_sys_socket(kind);
    if (handle < 0) {
        return kaal_fail(-handle);
    }
    return install(handle, base, flags);
}

int socketpair(int domain, int type, int protocol, int fds[2]) {
    (void)domain, (void)type, (void)protocol, (void)fds;
    return kaal_fail(EOPNOTSUPP); /* AF_UNIX is not provided (docs/posix.md) */
}

int bind(int fd, const struct sockaddr* address, socklen_t length) {
    struct kaal_open_file* file = socket_of(fd);
    struct kaal_sys_endpoint at;
    if (file == NULL || endpoint_of(address, length, &at) < 0) {
        return -1;
    }
    return (int)kaal_result(kaal_sys_bind(file->handle, &at));
}

int listen(int fd, int backlog) {
    struct kaal_open_file* file = socket_of(fd);
    return file == NULL ? -1 : (int)kaal_result(kaal_sys_listen(file->handle, backlog));
}

int accept4(int fd, struct sockaddr* address, socklen_t* length, int flags) {
    struct kaal_open_file* file = socket_of(fd);
    if (file == NULL) {
        return -1;
    }
    if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0) {
        return kaal_fail(EINVAL);
    }
    const uint64_t deadline = deadline_after(file->receive_timeout_ns);
    struct kaal_sys_endpoint peer;
    for (;;) {
        const int handle = kaal_sys_accept(file->handle, &peer);
        if (handle >= 0) {
            address_out(&peer, address, length);
            return install(handle, SOCK_STREAM, flags);
        }
        if (handle != -EAGAIN || nonblocking(file, 0)) {
            return kaal_fail(-handle);
        }
        if (step(deadline) < 0) {
            return -1;
        }
    }
}

int accept(int fd, struct sockaddr* address, socklen_t* length) {
    return accept4(fd, address, length, 0);
}

int connect(int fd, const struct sockaddr* address, socklen_t length) {
    struct kaal_open_file* file = socket_of(fd);
    struct kaal_sys_endpoint to;
    if (file == NULL || endpoint_of(address, length, &to) < 0) {
        return -1;
    }
    const int started = kaal_sys_connect(file->handle, &to);
    if (started != -EINPROGRESS || nonblocking(file, 0)) {
        return (int)kaal_result(started);
    }
    /* The handshake's end: writable once up, an error and a hang-up if refused or timed out.
     * Its outcome is then SO_ERROR's. */
    const uint64_t deadline = deadline_after(file->send_timeout_ns);
    while ((kaal_sys_socket_events(file->handle) &
            (KAAL_SOCKET_WRITABLE | KAAL_SOCKET_ERROR | KAAL_SOCKET_HUNG_UP)) == 0) {
        if (step(deadline) < 0) {
            return errno == EAGAIN ? kaal_fail(EINPROGRESS) : -1;
        }
    }
    const int error = kaal_sys_socket_option(file->handle, KAAL_SOCKET_ERROR_NOW, NULL);
    return error == 0 ? 0 : kaal_fail(error < 0 ? -error : error);
}

/* Sends all of `bytes` (a stream) or the one datagram, waiting for room unless nonblocking:
 * what POSIX's send says of a blocking socket. A stream that fails after a part went returns
 * the part. */
static ssize_t send_on(struct kaal_open_file* file, const void* bytes, size_t length, int flags,
                       const struct kaal_sys_endpoint* to) {
    if ((flags & MSG_OOB) != 0) {
        return kaal_fail(EOPNOTSUPP);
    }
    if (file->socket_type == SOCK_STREAM) {
        to = NULL; /* POSIX sendto: a connection-mode socket ignores the address */
    }
    const uint64_t deadline = deadline_after(file->send_timeout_ns);
    size_t sent = 0;
    for (;;) {
        const long r = kaal_sys_send(file->handle, (const char*)bytes + sent, length - sent, to);
        if (r >= 0) {
            if (file->socket_type != SOCK_STREAM) {
                return r;
            }
            sent += (size_t)r;
            if (sent == length) {
                return (ssize_t)sent;
            }
            continue;
        }
        if (r != -EAGAIN) {
            return sent > 0 ? (ssize_t)sent : kaal_fail((int)-r);
        }
        if (nonblocking(file, flags)) {
            return sent > 0 ? (ssize_t)sent : kaal_fail(EAGAIN);
        }
        if (step(deadline) < 0) {
            return sent > 0 ? (ssize_t)sent : -1;
        }
    }
}

/* Receives what has come, waiting for something unless nonblocking; MSG_WAITALL on a stream
 * waits for all of `length`, the peer's end or an error. */
static ssize_t receive_on(struct kaal_open_file* file, void* bytes, size_t length, int flags,
                          struct kaal_sys_endpoint* from) {
    if ((flags & MSG_OOB) != 0) {
        return kaal_fail(EOPNOTSUPP);
    }
    const int all =
        (flags & MSG_WAITALL) != 0 && (flags & MSG_PEEK) == 0 && file->socket_type == SOCK_STREAM;
    const uint64_t deadline = deadline_after(file->receive_timeout_ns);
    size_t got = 0;
    for (;;) {
        const long r = kaal_sys_receive(file->handle, (char*)bytes + got, length - got, from,
                                        (flags & MSG_PEEK) != 0);
        if (r > 0) {
            got += (size_t)r;
            if (!all || got == length) {
                return (ssize_t)got;
            }
            continue;
        }
        if (r == 0) {
            return (ssize_t)got;
        }
        if (r != -EAGAIN) {
            return got > 0 ? (ssize_t)got : kaal_fail((int)-r);
        }
        if (nonblocking(file, flags)) {
            return got > 0 ? (ssize_t)got : kaal_fail(EAGAIN);
        }
        if (step(deadline) < 0) {
            return got > 0 ? (ssize_t)got : -1;
        }
    }
}

ssize_t kaal_socket_read(struct kaal_open_file* file, void* bytes, size_t length) {
    return receive_on(file, bytes, length, 0, NULL);
}

ssize_t kaal_socket_write(struct kaal_open_file* file, const void* bytes, size_t length) {
    return send_on(file, bytes, length, 0, NULL);
}

int kaal_socket_release(struct kaal_open_file* file) {
    return kaal_sys_socket_close(file->handle);
}

ssize_t send(int fd, const void* bytes, size_t length, int flags) {
    struct kaal_open_file* file = socket_of(fd);
    return file == NULL ? -1 : send_on(file, bytes, length, flags, NULL);
}

ssize_t sendto(int fd, const void* bytes, size_t length, int flags, const struct sockaddr* to,
               socklen_t to_length) {
    struct kaal_open_file* file = socket_of(fd);
    if (file == NULL) {
        return -1;
    }
    if (to == NULL) {
        return send_on(file, bytes, length, flags, NULL);
    }
    struct kaal_sys_endpoint at;
    return endpoint_of(to, to_length, &at) < 0 ? -1 : send_on(file, bytes, length, flags, &at);
}

ssize_t recv(int fd, void* bytes, size_t length, int flags) {
    struct kaal_open_file* file = socket_of(fd);
    return file == NULL ? -1 : receive_on(file, bytes, length, flags, NULL);
}

ssize_t recvfrom(int fd, void* bytes, size_t length, int flags, struct sockaddr* from,
                 socklen_t* from_length) {
    struct kaal_open_file* file = socket_of(fd);
    if (file == NULL) {
        return -1;
    }
    struct kaal_sys_endpoint sender;
    const ssize_t got = receive_on(file, bytes, length, flags, &sender);
    if (got >= 0) {
        address_out(&sender, from, from_length);
    }
    return got;
}

/* The bytes of a message's vectors, gathered into one buffer (or the one vector itself): a
 * datagram is one send, and a stream's pieces go in order either way. */
static size_t vectors_length(const struct msghdr* message) {
    size_t total = 0;
    for (int i = 0; i < message->msg_iovlen; ++i) {
        total += message->msg_iov[i].iov_len;
    }
    return total;
}

ssize_t sendmsg(int fd, const struct msghdr* message, int flags) {
    struct kaal_open_file* file = socket_of(fd);
    if (file == NULL) {
        return -1;
    }
    if (message->msg_iovlen < 0 || message->msg_iovlen > IOV_MAX) {
        return kaal_fail(EMSGSIZE);
    }
    struct kaal_sys_endpoint at;
    const struct kaal_sys_endpoint* to = NULL;
    if (message->msg_name != NULL) {
        if (endpoint_of(message->msg_name, message->msg_namelen, &at) < 0) {
            return -1;
        }
        to = &at;
    }
    if (message->msg_iovlen == 1) {
        return send_on(file, message->msg_iov[0].iov_base, message->msg_iov[0].iov_len, flags, to);
    }
    const size_t total = vectors_length(message);
    char* gathered = malloc(total == 0 ? 1 : total);
    if (gathered == NULL) {
        return kaal_fail(ENOBUFS);
    }
    size_t at_byte = 0;
    for (int i = 0; i < message->msg_iovlen; ++i) {
        memcpy(gathered + at_byte, message->msg_iov[i].iov_base, message->msg_iov[i].iov_len);
        at_byte += message->msg_iov[i].iov_len;
    }
    const ssize_t sent = send_on(file, gathered, total, flags, to);
    free(gathered);
    return sent;
}

ssize_t recvmsg(int fd, struct msghdr* message, int flags) {
    struct kaal_open_file* file = socket_of(fd);
    if (file == NULL) {
        return -1;
    }
    if (message->msg_iovlen < 0 || message->msg_iovlen > IOV_MAX) {
        return kaal_fail(EMSGSIZE);
    }
    message->msg_controllen = 0; /* no ancillary data is ever given */
    message->msg_flags = 0;
    struct kaal_sys_endpoint sender;
    const size_t total = vectors_length(message);
    char* gathered =
        message->msg_iovlen == 1 ? message->msg_iov[0].iov_base : malloc(total == 0 ? 1 : total);
    if (gathered == NULL) {
        return kaal_fail(ENOBUFS);
    }
    const ssize_t got = receive_on(file, gathered, total, flags, &sender);
    if (message->msg_iovlen != 1) {
        size_t at_byte = 0;
        for (int i = 0; got > 0 && i < message->msg_iovlen && at_byte < (size_t)got; ++i) {
            const size_t left = (size_t)got - at_byte;
            const size_t piece =
                message->msg_iov[i].iov_len < left ? message->msg_iov[i].iov_len : left;
            memcpy(message->msg_iov[i].iov_base, gathered + at_byte, piece);
            at_byte += piece;
        }
        free(gathered);
    }
    if (got >= 0) {
        address_out(&sender, message->msg_name, &message->msg_namelen);
    }
    return got;
}

int shutdown(int fd, int how) {
    struct kaal_open_file* file = socket_of(fd);
    if (file == NULL) {
        return -1;
    }
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) {
        return kaal_fail(EINVAL);
    }
    return (int)kaal_result(kaal_sys_shutdown(file->handle, how != SHUT_WR, how != SHUT_RD));
}

/* A struct timeval option as nanoseconds; {0, 0} is no timeout. */
static int timeout_of(const void* value, socklen_t length, uint64_t* out) {
    struct timeval t;
    if (length < sizeof t) {
        return kaal_fail(EINVAL);
    }
    memcpy(&t, value, sizeof t);
    if (t.tv_sec < 0 || t.tv_usec < 0 || t.tv_usec >= 1000000) {
        return kaal_fail(EDOM); /* POSIX setsockopt: "the value would not fit the structure" */
    }
    *out = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_usec * 1000u;
    return 0;
}

/* The system interface's option a (level, name) pair is, or 0. */
static int interface_option(int level, int name) {
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_REUSEADDR: return KAAL_SOCKET_REUSEADDR;
        case SO_KEEPALIVE: return KAAL_SOCKET_KEEPALIVE;
        case SO_BROADCAST: return KAAL_SOCKET_BROADCAST;
        case SO_ERROR: return KAAL_SOCKET_ERROR_NOW;
        default: return 0;
        }
    }
    return level == IPPROTO_TCP && name == TCP_NODELAY ? KAAL_SOCKET_NODELAY : 0;
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
    struct kaal_open_file* file = socket_of(fd);
    if (file == NULL) {
        return -1;
    }
    if (value == NULL) {
        return kaal_fail(EFAULT);
    }
    if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
        return timeout_of(value, length,
                          name == SO_RCVTIMEO ? &file->receive_timeout_ns : &file->send_timeout_ns);
    }
    if (length < sizeof(int)) {
        return kaal_fail(EINVAL);
    }
    int on;
    memcpy(&on, value, sizeof on);
    if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF)) {
        return 0; /* lwIP's windows are fixed when the image is built; POSIX lets a system
                   * adjust the value, and getsockopt reports the one in force */
    }
    if (level == SOL_SOCKET && name == SO_LINGER) {
        struct linger linger;
        if (length < sizeof linger) {
            return kaal_fail(EINVAL);
        }
        memcpy(&linger, value, sizeof linger);
        /* Off is what close() does anyway; lingering is not provided. */
        return linger.l_onoff == 0 ? 0 : kaal_fail(ENOPROTOOPT);
    }
    const int option = interface_option(level, name);
    if (option == 0 || option == KAAL_SOCKET_ERROR_NOW) {
        return kaal_fail(ENOPROTOOPT);
    }
    return kaal_result(kaal_sys_socket_option(file->handle, option, &on)) < 0 ? -1 : 0;
}

static int int_out(int value, void* out, socklen_t* length) {
    if (*length < sizeof value) {
        return kaal_fail(EINVAL);
    }
    memcpy(out, &value, sizeof value);
    *length = sizeof value;
    return 0;
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
    struct kaal_open_file* file = socket_of(fd);
    if (file == NULL) {
        return -1;
    }
    if (value == NULL || length == NULL) {
        return kaal_fail(EFAULT);
    }
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_TYPE: return int_out(file->socket_type, value, length);
        case SO_RCVBUF:
        case SO_SNDBUF: return int_out(WINDOW_BYTES, value, length);
        case SO_RCVTIMEO:
        case SO_SNDTIMEO: {
            const uint64_t ns =
                name == SO_RCVTIMEO ? file->receive_timeout_ns : file->send_timeout_ns;
            const struct timeval t = {.tv_sec = (time_t)(ns / 1000000000u),
                                      .tv_usec = (suseconds_t)(ns % 1000000000u / 1000u)};
            if (*length < sizeof t) {
                return kaal_fail(EINVAL);
            }
            memcpy(value, &t, sizeof t);
            *length = sizeof t;
            return 0;
        }
        default: break;
        }
    }
    const int option = interface_option(level, name);
    if (option == 0) {
        return kaal_fail(ENOPROTOOPT);
    }
    const int now = kaal_sys_socket_option(file->handle, option, NULL);
    if (now < 0) {
        return kaal_fail(-now);
    }
    return int_out(now, value, length);
}

static int name_of(int fd, int peer, struct sockaddr* address, socklen_t* length) {
    struct kaal_open_file* file = socket_of(fd);
    if (file == NULL) {
        return -1;
    }
    if (address == NULL || length == NULL) {
        return kaal_fail(EFAULT);
    }
    struct kaal_sys_endpoint named;
    const int got = kaal_sys_socket_name(file->handle, peer, &named);
    if (got < 0) {
        return kaal_fail(-got);
    }
    address_out(&named, address, length);
    return 0;
}

int getsockname(int fd, struct sockaddr* address, socklen_t* length) {
    return name_of(fd, 0, address, length);
}

int getpeername(int fd, struct sockaddr* address, socklen_t* length) {
    return name_of(fd, 1, address, length);
}
