/* SPDX-License-Identifier: BSD-2-Clause */
/* <arpa/inet.h> (POSIX.1-2017): picolibc's has the byte-order macros (htons, ntohl, ...); the
 * address conversions are added here. */
#pragma once

#include_next <arpa/inet.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

in_addr_t inet_addr(const char* text);
int inet_aton(const char* text, struct in_addr* out);
char* inet_ntoa(struct in_addr address);
int inet_pton(int family, const char* text, void* out);
const char* inet_ntop(int family, const void* address, char* out, socklen_t size);

#ifdef __cplusplus
}
#endif
