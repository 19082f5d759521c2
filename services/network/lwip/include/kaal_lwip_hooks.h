/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The lwIP hooks KaaL's port provides (lwipopts.h names this file as LWIP_HOOK_FILENAME; lwIP
 * includes it in the sources that call hooks, after their own headers).
 */
#ifndef KAAL_LWIP_HOOKS_H
#define KAAL_LWIP_HOOKS_H

#include "lwip/ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* LWIP_HOOK_TCP_ISN: a connection's initial sequence number as RFC 6528 section 3 has it,
 * ISN = M + F(local address and port, remote address and port, secret), with M a 4 us clock
 * and F SipHash-2-4 keyed with the stack's secret (sys_arch.cpp, kaal_lwip_isn_key). lwIP's own
 * (a counter plus the tick count) is predictable, which lets an off-path attacker inject into
 * or reset connections (RFC 6528 section 1). */
u32_t kaal_lwip_tcp_isn(const ip_addr_t* local_ip, u16_t local_port, const ip_addr_t* remote_ip,
                        u16_t remote_port);

/* The secret F is keyed with: 16 bytes, for each stack from an entropy source where it has one
 * (LwipStackWiring::isn_key). */
void kaal_lwip_isn_key(const uint8_t key[16]);

#ifdef __cplusplus
}
#endif

#endif /* KAAL_LWIP_HOOKS_H */
