/* SPDX-License-Identifier: BSD-2-Clause */
/* An ordinary POSIX echo client (RFC 862): the other half of echo_server.c, and the same file
 * builds and runs on Linux. It connects with a non-blocking connect() and poll(), as an event
 * loop does, sends each message and reads it back, then shuts its side and reads the server's
 * end of the stream. Then, if asked, blocking connects to a host that refuses the port and to
 * one that answers nothing, which gives up when SO_SNDTIMEO runs out.
 *
 * usage: echo_client HOST PORT [--refused HOST] [--silent HOST] MESSAGE...
 *   exit status 0 if every message came back and each connect failed as it should, else 1. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int fail(const char* what) {
    printf("echo_client: FAILED: %s: %s\n", what, strerror(errno));
    return 1;
}

/* Non-blocking connect, poll for the end of the handshake, its outcome from SO_ERROR. */
static int connect_to(const struct addrinfo* at) {
    const int fd = socket(at->ai_family, at->ai_socktype | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -1;
    }
    if (connect(fd, at->ai_addr, at->ai_addrlen) == 0) {
        return fd;
    }
    if (errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct pollfd wait = {fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    if (poll(&wait, 1, 10000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0 ||
        error != 0) {
        errno = error != 0 ? error : ETIMEDOUT;
        close(fd);
        return -1;
    }
    /* Connected: blocking from here on. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* A blocking connect that must fail: refused (ECONNREFUSED), or unanswered, when SO_SNDTIMEO's
 * 200 ms run out (EINPROGRESS, as Linux says then; ETIMEDOUT would do too). */
static int failing_connect(const char* host, const char* port, int refused) {
    const struct addrinfo hints = {
        .ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
    struct addrinfo* at = NULL;
    if (getaddrinfo(host, port, &hints, &at) != 0) {
        return fail("getaddrinfo");
    }
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    const struct timeval patience = {0, 200000};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience) < 0) {
        return fail("socket with SO_SNDTIMEO");
    }
    const int connected = connect(fd, at->ai_addr, at->ai_addrlen);
    const int error = errno;
    freeaddrinfo(at);
    close(fd);
    const int expected =
        refused ? error == ECONNREFUSED : error == EINPROGRESS || error == ETIMEDOUT;
    if (connected == 0 || !expected) {
        printf("echo_client: FAILED: a connect to %s returned %d (%s)\n", host, connected,
               connected == 0 ? "connected" : strerror(error));
        return 1;
    }
    printf("echo_client: a connect to %s:%s %s (%s)\n", host, port,
           refused ? "was refused" : "gave up after SO_SNDTIMEO", strerror(error));
    return 0;
}

int main(int argc, char** argv) {
    const char* refused = NULL;
    const char* silent = NULL;
    int first = 3;
    while (first + 1 < argc && strncmp(argv[first], "--", 2) == 0) {
        if (strcmp(argv[first], "--refused") == 0) {
            refused = argv[first + 1];
        } else if (strcmp(argv[first], "--silent") == 0) {
            silent = argv[first + 1];
        } else {
            break;
        }
        first += 2;
    }
    if (argc < first + 1) {
        printf("usage: echo_client HOST PORT [--refused HOST] [--silent HOST] MESSAGE...\n");
        return 2;
    }
    const struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    struct addrinfo* server = NULL;
    const int found = getaddrinfo(argv[1], argv[2], &hints, &server);
    if (found != 0) {
        printf("echo_client: FAILED: getaddrinfo: %s\n", gai_strerror(found));
        return 1;
    }
    const int fd = connect_to(server);
    freeaddrinfo(server);
    if (fd < 0) {
        return fail("connect");
    }
    struct sockaddr_in peer;
    struct sockaddr_in local;
    socklen_t peer_length = sizeof peer;
    socklen_t local_length = sizeof local;
    char peer_text[INET_ADDRSTRLEN];
    if (getpeername(fd, (struct sockaddr*)&peer, &peer_length) < 0 ||
        getsockname(fd, (struct sockaddr*)&local, &local_length) < 0) {
        return fail("getpeername or getsockname");
    }
    printf("echo_client: connected from %s:%u to %s:%u\n", inet_ntoa(local.sin_addr),
           (unsigned)ntohs(local.sin_port),
           inet_ntop(AF_INET, &peer.sin_addr, peer_text, sizeof peer_text),
           (unsigned)ntohs(peer.sin_port));
    int echoed = 0;
    for (int i = first; i < argc; ++i) {
        const size_t length = strlen(argv[i]);
        char back[256];
        /* A peek at the first byte leaves it for the whole read after it. */
        if (length == 0 || length >= sizeof back || write(fd, argv[i], length) != (ssize_t)length ||
            recv(fd, back, 1, MSG_PEEK) != 1 || back[0] != argv[i][0] ||
            recv(fd, back, length, MSG_WAITALL) != (ssize_t)length ||
            memcmp(back, argv[i], length) != 0) {
            return fail("an echo");
        }
        ++echoed;
    }
    /* Our side is done: the server sees the end of the stream, echoes what it had and closes. */
    char rest[16];
    if (shutdown(fd, SHUT_WR) < 0 || read(fd, rest, sizeof rest) != 0) {
        return fail("shutdown, then the server's end of the stream");
    }
    close(fd);
    printf("echo_client: %d messages echoed, then the server closed its side\n", echoed);
    if (refused != NULL && failing_connect(refused, argv[2], 1) != 0) {
        return 1;
    }
    if (silent != NULL && failing_connect(silent, argv[2], 0) != 0) {
        return 1;
    }
    return 0;
}
