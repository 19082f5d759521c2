/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The compiler and platform half of KaaL's lwIP port (lwip/arch.h and lwip/sys.h name what a
 * port provides). C, for lwIP's sources; the functions declared here are C++ (sys_arch.cpp)
 * with C linkage, because output, time and the counter are KaaL's.
 */
#ifndef KAAL_LWIP_ARCH_CC_H
#define KAAL_LWIP_ARCH_CC_H

#include <stdint.h>

/* lwip/arch.h assumes BYTE_ORDER == LITTLE_ENDIAN unless told otherwise, which is right for both
 * machines KaaL builds lwIP for: AArch64 components and x86-64 hosts. Said here, so a build for
 * a big-endian machine stops instead of swapping nothing. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "KaaL's lwIP port assumes a little-endian machine"
#endif

/* Byte swaps as single instructions (REV16/REV on AArch64) rather than lwIP's portable shifts;
 * lwip/def.h and def.c then use these instead of defining their own. */
#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

/* lwIP's own ASCII classification (lwip/arch.h) instead of <ctype.h>: picolibc's is
 * locale-aware, and the few names lwIP parses (addresses) are ASCII. */
#define LWIP_NO_CTYPE_H 1

#ifdef __cplusplus
extern "C" {
#endif

/* printf-style output to KaaL's debug console (kaal/platform/debug.hpp), formatted by picolibc's
 * vsnprintf. Only LWIP_DEBUGF uses it, with LWIP_DEBUG defined. */
void kaal_lwip_diag(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Prints the failed assertion and stops the PD (a trap, which the monitor reports as a fault). */
void kaal_lwip_assert(const char *message, const char *file, int line) __attribute__((noreturn));
/* Not cryptographic: the system counter's low bits stirred with SplitMix64. lwIP uses it for
 * its first ephemeral TCP and UDP ports and for DHCP transaction ids, which must differ between
 * the clients on one segment, not resist an attacker. */
uint32_t kaal_lwip_rand(void);
/* Mixes `seed` (the interface's MAC: unique per client) into kaal_lwip_rand's state, so clients
 * started at the same count still draw different numbers. Before lwip_init, which draws. */
void kaal_lwip_rand_seed(uint64_t seed);

#ifdef __cplusplus
}
#endif

/* lwIP calls LWIP_PLATFORM_DIAG((format, args...)), with the arguments in their own parentheses. */
#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
        kaal_lwip_diag x;     \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) kaal_lwip_assert((x), __FILE__, __LINE__)
#define LWIP_RAND() kaal_lwip_rand()

#endif /* KAAL_LWIP_ARCH_CC_H */
