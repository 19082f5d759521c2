/* SPDX-License-Identifier: BSD-2-Clause */
/* An ordinary POSIX echo server (RFC 862), TCP and UDP on one port, many clients at once over
 * one poll() loop; nothing in it knows about KaaL. The same file builds and runs on Linux:
 *
 *   scripts/run-posix.sh examples/posix/echo_server.c -- 7      # on seL4, host port 7007
 *   cc -o echo examples/posix/echo_server.c && ./echo 7007      # on Linux
 *
 * usage: echo_server [PORT [CONNECTIONS]]
 *   PORT         default 7
 *   CONNECTIONS  exit once this many TCP connections have been served and closed (default:
 *                never); a line "quit" on stdin ends it too. Either way it prints what it served
 *                and exits with status 0. */
#define _GNU_SOURCE /* accept4, on Linux */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 16

struct client {
    int fd;
    char pending[4096]; /* received, not yet echoed: what a full send buffer held back */
    size_t pending_length;
};

static struct client clients[MAX_CLIENTS];
static unsigned long long tcp_bytes;
static unsigned long long datagrams;
static unsigned long served;

static int open_socket(int type, const char* port) {
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = type, .ai_flags = AI_PASSIVE};
    struct addrinfo* found = NULL;
    const int failed = getaddrinfo(NULL, port, &hints, &found);
    if (failed != 0) {
        fprintf(stderr, "echo_server: getaddrinfo: %s\n", gai_strerror(failed));
        return -1;
    }
    const int fd = socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK, 0);
    const int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
        bind(fd, found->ai_addr, found->ai_addrlen) < 0 ||
        (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {
        fprintf(stderr, "echo_server: %s socket on port %s: %s\n",
                type == SOCK_STREAM ? "TCP" : "UDP", port, strerror(errno));
        freeaddrinfo(found);
        return -1;
    }
    freeaddrinfo(found);
    return fd;
}

static void drop(struct client* c) {
    close(c->fd);
    c->fd = -1;
    c->pending_length = 0;
    ++served;
}

/* Echoes what is pending; 0 once it all went, 1 while some waits for room, -1 on an error. */
static int flush(struct client* c) {
    while (c->pending_length > 0) {
        const ssize_t sent = send(c->fd, c->pending, c->pending_length, MSG_NOSIGNAL);
        if (sent < 0) {
            return errno == EAGAIN ? 1 : -1;
        }
        memmove(c->pending, c->pending + sent, c->pending_length - (size_t)sent);
        c->pending_length -= (size_t)sent;
    }
    return 0;
}

static void serve_client(struct client* c, short events) {
    if ((events & POLLOUT) != 0 && flush(c) < 0) {
        drop(c);
        return;
    }
    if ((events & (POLLIN | POLLHUP | POLLERR)) == 0 || c->pending_length > 0) {
        return; /* nothing new, or the last bytes still wait: read once they have gone */
    }
    const ssize_t got = recv(c->fd, c->pending, sizeof c->pending, 0);
    if (got == 0 || (got < 0 && errno != EAGAIN)) {
        drop(c); /* the client closed, or the connection failed */
        return;
    }
    if (got > 0) {
        c->pending_length = (size_t)got;
        tcp_bytes += (unsigned long long)got;
        if (flush(c) < 0) {
            drop(c);
        }
    }
}

static void accept_clients(int listener) {
    for (;;) {
        struct sockaddr_in peer;
        socklen_t length = sizeof peer;
        /* Non-blocking like the listener: a client that sends nothing never holds up the rest. */
        const int fd =
            accept4(listener, (struct sockaddr*)&peer, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return; /* EAGAIN: none left */
        }
        int slot = 0;
        while (slot < MAX_CLIENTS && clients[slot].fd >= 0) {
            ++slot;
        }
        if (slot == MAX_CLIENTS) {
            close(fd); /* full: this one is refused */
            continue;
        }
        const int on = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        clients[slot].fd = fd;
        clients[slot].pending_length = 0;
    }
}

static void echo_datagrams(int udp) {
    char datagram[2048];
    for (;;) {
        struct sockaddr_in from;
        socklen_t length = sizeof from;
        const ssize_t got =
            recvfrom(udp, datagram, sizeof datagram, 0, (struct sockaddr*)&from, &length);
        if (got < 0) {
            return;
        }
        if (sendto(udp, datagram, (size_t)got, 0, (struct sockaddr*)&from, length) == got) {
            ++datagrams;
        }
    }
}

/* A line typed on stdin: "quit" ends the server. */
static int quit_typed(void) {
    char line[64];
    const ssize_t got = read(0, line, sizeof line - 1);
    if (got <= 0) {
        return got == 0; /* the end of input quits too */
    }
    line[got] = '\0';
    return strncmp(line, "quit", 4) == 0;
}

int main(int argc, char** argv) {
    const char* port = argc > 1 ? argv[1] : "7";
    const long connections = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    for (int i = 0; i < MAX_CLIENTS; ++i) {
        clients[i].fd = -1;
    }
    const int listener = open_socket(SOCK_STREAM, port);
    const int udp = open_socket(SOCK_DGRAM, port);
    if (listener < 0 || udp < 0) {
        return 1;
    }
    printf("echo_server: ready on port %s, TCP and UDP\n", port);
    fflush(stdout);
    while (connections == 0 || served < (unsigned long)connections) {
        struct pollfd fds[3 + MAX_CLIENTS] = {
            {.fd = 0, .events = POLLIN},
            {.fd = listener, .events = POLLIN},
            {.fd = udp, .events = POLLIN},
        };
        for (int i = 0; i < MAX_CLIENTS; ++i) {
            fds[3 + i].fd = clients[i].fd; /* -1: ignored by poll */
            fds[3 + i].events = clients[i].pending_length > 0 ? POLLOUT : POLLIN;
        }
        if (poll(fds, 3 + MAX_CLIENTS, -1) < 0) {
            fprintf(stderr, "echo_server: poll: %s\n", strerror(errno));
            return 1;
        }
        if (fds[0].revents != 0 && quit_typed()) {
            break;
        }
        if (fds[1].revents != 0) {
            accept_clients(listener);
        }
        if (fds[2].revents != 0) {
            echo_datagrams(udp);
        }
        for (int i = 0; i < MAX_CLIENTS; ++i) {
            if (fds[3 + i].revents != 0 && clients[i].fd == fds[3 + i].fd) {
                serve_client(&clients[i], fds[3 + i].revents);
            }
        }
    }
    printf("echo_server: served %lu connections, %llu bytes, %llu datagrams\n", served, tcp_bytes,
           datagrams);
    close(listener);
    close(udp);
    return 0;
}
