/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * KaaL's configuration of lwIP 2.1.3 (services/network/lwip/README.md). Every option not set
 * here keeps lwIP's default from lwip/opt.h. One network client protection domain runs one copy
 * of lwIP over one Ethernet interface, reached through the network queues
 * (kaal/dddk/net_queue.hpp), and uses the raw (callback) API. This file is C: lwIP's sources
 * include it, as do KaaL's C++ sources through lwIP's headers.
 */
#ifndef KAAL_LWIPOPTS_H
#define KAAL_LWIPOPTS_H

/* ---- system ------------------------------------------------------------------------------ */

/* No operating system underneath: a PD is one thread, and lwIP runs inside its notified()
 * handler and its periodic timeout, never concurrently with itself. So no tcpip thread, no
 * mailboxes or semaphores, and only the raw API (the sequential and socket APIs need threads:
 * lwIP's init.c refuses them with NO_SYS). */
#define NO_SYS 1
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
/* Nothing preempts lwIP inside a PD (Microkit handlers run to completion and a PD takes no
 * interrupts into its own code), so there is nothing for SYS_ARCH_PROTECT to protect against. */
#define SYS_LIGHTWEIGHT_PROT 0

/* ---- memory ------------------------------------------------------------------------------ */

/* lwIP's own heap and pools, static arrays in the PD's .bss: no libc malloc (a PD has no sbrk),
 * and every size is fixed when the image is built. */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
/* AArch64 is built with -mstrict-align, and 8 keeps every u64 lwIP stores in its heap and pools
 * naturally aligned. */
#define MEM_ALIGNMENT 8
/* The heap holds what the application sends: tcp_write with TCP_WRITE_FLAG_COPY copies into
 * PBUF_RAM pbufs from here, up to TCP_SND_BUF per connection. 512 KiB keeps a dozen
 * connections' send buffers full; beyond that tcp_write answers ERR_MEM and the application
 * writes again from its sent callback, as lwIP's raw API documents. */
#define MEM_SIZE (512 * 1024)
/* Received frames are copied into pool pbufs (lwip_stack.cpp says why). PBUF_POOL_BUFSIZE keeps
 * lwIP's default, TCP_MSS plus the IP, TCP and Ethernet headers (1514, aligned to 1520), so one
 * pool pbuf holds a whole frame. 512 of them are the network queue's capacity
 * (kaal/dddk/net_queue.hpp: queue_capacity), enough to hold every connection's receive window
 * (the TCP_WND check in lwIP's init.c) and a full receive ring at once. */
#define PBUF_POOL_SIZE 512
/* PBUF_REF/PBUF_ROM headers, for tcp_write without TCP_WRITE_FLAG_COPY and for udp_send of
 * application buffers. */
#define MEMP_NUM_PBUF 64

/* ---- interface --------------------------------------------------------------------------- */

#define LWIP_ETHERNET 1
#define LWIP_ARP 1
/* A frame in a network buffer starts with its Ethernet header (net_queue.hpp); no padding in
 * front of it. lwIP's protocol headers are packed structs (arch/cc.h), so the unaligned IP
 * header that follows is read bytewise where it must be. */
#define ETH_PAD_SIZE 0
/* The application learns when DHCP binds or the address changes (netif_set_status_callback). */
#define LWIP_NETIF_STATUS_CALLBACK 1
/* More peers than lwIP's default 10 share a client's segment: the other clients, the gateway. */
#define ARP_TABLE_SIZE 16
/* While an address is being resolved, keep every packet sent to it (up to MEMP_NUM_ARP_QUEUE in
 * all), not only the last: a TCP segment burst to a new peer is not cut to one segment. */
#define ARP_QUEUEING 1

/* ---- protocols --------------------------------------------------------------------------- */

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ICMP 1
/* Raw pcbs let an application send and receive ICMP itself (a ping client); lwIP answers echo
 * requests on its own either way. */
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_TCP 1
/* DHCP when the composer gives the client no fixed address (NetClientAddress::dhcp). lwIP's
 * default DHCP_DOES_ARP_CHECK stays on: the offered address is probed with ARP before use, as
 * RFC 2131 section 4.4.1 recommends. */
#define LWIP_DHCP 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0

/* ---- checksums --------------------------------------------------------------------------- */

/* All generated and checked in software: KaaL's virtio-net driver negotiates no checksum
 * offload (VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM), so nothing else computes or verifies
 * them. These are lwIP's defaults, spelt out because they are a property of the device. */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1

/* ---- TCP --------------------------------------------------------------------------------- */

/* A full Ethernet payload: 1500 - 20 (IPv4) - 20 (TCP) (RFC 9293 section 3.7.1). */
#define TCP_MSS 1460
/* 32 segments in flight each way. At 46720 bytes both stay below 64 KiB, so no window scaling
 * (RFC 7323) is needed and lwIP's u16 window arithmetic holds; at the sub-millisecond round
 * trips of a virtual network that window still carries well over a gigabit per second. The
 * queue length is lwIP's default formula, 4 * TCP_SND_BUF / TCP_MSS = 128 segments, above the
 * 2 * TCP_SND_BUF / TCP_MSS lwIP's init.c requires. */
#define TCP_WND (32 * TCP_MSS)
#define TCP_SND_BUF (32 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
/* Segments are a global pool shared by every connection; lwIP's init.c requires at least
 * TCP_SND_QUEUELEN, and four connections' worth lets several send at full window. */
#define MEMP_NUM_TCP_SEG (4 * TCP_SND_QUEUELEN)
/* A server PD (a web or file server) holds many connections, including those in TIME-WAIT. */
#define MEMP_NUM_TCP_PCB 64
#define MEMP_NUM_TCP_PCB_LISTEN 8
/* DHCP takes one. */
#define MEMP_NUM_UDP_PCB 8
#define MEMP_NUM_RAW_PCB 4
/* Keep-alive probes (RFC 1122 section 4.2.3.6), off per connection until the application sets
 * SOF_KEEPALIVE; lwIP's defaults for the intervals. */
#define LWIP_TCP_KEEPALIVE 1
/* lwIP's own timers, plus some for applications that use sys_timeout. */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)

/* ---- hooks ------------------------------------------------------------------------------- */

/* TCP's initial sequence numbers as RFC 6528 has them, not lwIP's predictable counter
 * (kaal_lwip_hooks.h). */
#define LWIP_HOOK_FILENAME "kaal_lwip_hooks.h"
#define LWIP_HOOK_TCP_ISN kaal_lwip_tcp_isn

/* ---- statistics and debugging ------------------------------------------------------------ */

/* Counters for a status page (lwip_stats); printing them (LWIP_STATS_DISPLAY) would need
 * printf. */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
/* LWIP_DEBUG stays undefined: no LWIP_DEBUGF output. Assertions stay on (LWIP_NOASSERT is not
 * defined): a broken invariant stops the PD with a message (arch/cc.h) instead of corrupting
 * the stack's state. */

#endif /* KAAL_LWIPOPTS_H */
