/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_echo_bench: a TCP echo round trip through the POSIX layer against the same round trip
 * through the KaaL network stack's own API below it, in one program and one boot, over one NIC
 * and one lwIP. Port 7 is an echo server written with POSIX calls (accept, recv, send); port 8
 * is the same server written against lwIP's raw API, the way a KaaL network component is
 * (examples/network/echo.cpp): it echoes from inside the stack's receive callback. Both run in
 * this PD's event loop: while the POSIX side waits in recv(), the loop's steps deliver frames
 * to lwIP, which calls the raw server back. bench/posix/tcp_echo_bench.py drives both from the
 * host in lockstep and compares.
 *
 * It exits once the host has closed its connection to port 7.
 */
#include <limits.h> /* SSIZE_MAX: lwIP's arch.h then takes ssize_t from the libc */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* htons and the rest are the libc's (arpa/inet.h): lwIP is not to define them again. */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1
#include "lwip/tcp.h"

static err_t raw_received(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err) {
    (void)arg;
    if (p == NULL || err != ERR_OK) {
        if (p != NULL) {
            pbuf_free(p);
        }
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        return tcp_close(pcb);
    }
    /* The echo is queued before the window opens: with a 64-byte message there is always room
     * (TCP_SND_BUF is 32 segments). */
    for (struct pbuf* q = p; q != NULL; q = q->next) {
        if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK) {
            break;
        }
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return tcp_output(pcb);
}

static err_t raw_accepted(void* arg, struct tcp_pcb* pcb, err_t err) {
    (void)arg;
    if (err != ERR_OK || pcb == NULL) {
        return ERR_VAL;
    }
    tcp_nagle_disable(pcb);
    tcp_recv(pcb, raw_received);
    return ERR_OK;
}

static int start_raw_server(uint16_t port) {
    struct tcp_pcb* pcb = tcp_new();
    if (pcb == NULL || tcp_bind(pcb, IP_ADDR_ANY, port) != ERR_OK) {
        return -1;
    }
    struct tcp_pcb* listening = tcp_listen(pcb);
    if (listening == NULL) {
        return -1;
    }
    tcp_accept(listening, raw_accepted);
    return 0;
}

int main(void) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    const struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(7)};
    if (listener < 0 || bind(listener, (const struct sockaddr*)&at, sizeof at) < 0 ||
        listen(listener, 1) < 0 || start_raw_server(8) < 0) {
        printf("tcp_echo_bench: FAILED to listen\n");
        return 1;
    }
    printf("tcp_echo_bench: ready, POSIX echo on port 7, lwIP raw API echo on port 8\n");
    fflush(stdout);
    const int client = accept(listener, NULL, NULL);
    const int on = 1;
    if (client < 0 || setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0) {
        printf("tcp_echo_bench: FAILED to accept\n");
        return 1;
    }
    char message[2048];
    unsigned long long echoed = 0;
    for (;;) {
        const ssize_t got = recv(client, message, sizeof message, 0);
        if (got <= 0) {
            break;
        }
        if (send(client, message, (size_t)got, 0) != got) {
            break;
        }
        echoed += (unsigned long long)got;
    }
    printf("tcp_echo_bench: the POSIX server echoed %llu bytes\n", echoed);
    close(client);
    close(listener);
    return 0;
}
