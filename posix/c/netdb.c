/* SPDX-License-Identifier: BSD-2-Clause */
/* Addresses and names (POSIX.1-2017's inet_pton, getaddrinfo and getnameinfo pages): IPv4 only,
 * with no resolver. getaddrinfo knows numeric addresses, "localhost" (127.0.0.1, which Linux's
 * /etc/hosts gives it) and numeric services; any other name is EAI_NONAME. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

const struct in6_addr in6addr_any = {{0}};
const struct in6_addr in6addr_loopback = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

/* inet_pton's form: exactly four decimal parts of at most three digits, each 0..255. */
static int parse_dotted_quad(const char* text, uint8_t out[4]) {
    for (int part = 0; part < 4; ++part) {
        if (!isdigit((unsigned char)*text)) {
            return 0;
        }
        unsigned value = 0;
        int digits = 0;
        while (isdigit((unsigned char)*text)) {
            value = value * 10 + (unsigned)(*text++ - '0');
            if (++digits > 3 || value > 255) {
                return 0;
            }
        }
        out[part] = (uint8_t)value;
        if (part < 3 && *text++ != '.') {
            return 0;
        }
    }
    return *text == '\0';
}

int inet_pton(int family, const char* text, void* out) {
    if (family != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    uint8_t bytes[4];
    if (!parse_dotted_quad(text, bytes)) {
        return 0;
    }
    memcpy(out, bytes, sizeof bytes);
    return 1;
}

const char* inet_ntop(int family, const void* address, char* out, socklen_t size) {
    if (family != AF_INET) {
        errno = EAFNOSUPPORT;
        return NULL;
    }
    const uint8_t* b = address;
    char text[INET_ADDRSTRLEN];
    const int n = snprintf(text, sizeof text, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    if (n < 0 || (socklen_t)n >= size) {
        errno = ENOSPC;
        return NULL;
    }
    memcpy(out, text, (size_t)n + 1);
    return out;
}

/* inet_aton's forms (a.b.c.d, a.b.c, a.b, a; each part decimal, octal or hex), as BSD's. */
int inet_aton(const char* text, struct in_addr* out) {
    unsigned long parts[4];
    int count = 0;
    const char* at = text;
    for (;;) {
        if (!isdigit((unsigned char)*at) || count == 4) {
            return 0;
        }
        char* end = NULL;
        parts[count++] = strtoul(at, &end, 0);
        at = end;
        if (*at == '\0') {
            break;
        }
        if (*at++ != '.') {
            return 0;
        }
    }
    unsigned long value = parts[count - 1];
    const unsigned long last_max[] = {0xffffffffUL, 0xffffffUL, 0xffffUL, 0xffUL};
    if (value > last_max[count - 1]) {
        return 0;
    }
    for (int i = 0; i < count - 1; ++i) {
        if (parts[i] > 0xff) {
            return 0;
        }
        value |= parts[i] << (24 - 8 * i);
    }
    if (out != NULL) {
        out->s_addr = htonl((uint32_t)value);
    }
    return 1;
}

in_addr_t inet_addr(const char* text) {
    struct in_addr a;
    return inet_aton(text, &a) ? a.s_addr : INADDR_NONE;
}

char* inet_ntoa(struct in_addr address) {
    static char text[INET_ADDRSTRLEN]; /* POSIX: overwritten by the next call */
    return (char*)inet_ntop(AF_INET, &address.s_addr, text, sizeof text);
}

/* One result and its address in one allocation, which freeaddrinfo frees. */
struct result {
    struct addrinfo info;
    struct sockaddr_in address;
};

static int port_of(const char* service, int flags, uint16_t* out) {
    if (service == NULL) {
        *out = 0;
        return 0;
    }
    char* end = NULL;
    const unsigned long port = isdigit((unsigned char)*service) ? strtoul(service, &end, 10) : 0;
    if (end == NULL || *end != '\0' || port > 65535) {
        /* No services database: a name is not known. */
        return (flags & AI_NUMERICSERV) != 0 ? EAI_NONAME : EAI_SERVICE;
    }
    *out = (uint16_t)port;
    return 0;
}

static int address_of(const char* node, int flags, struct in_addr* out) {
    if (node == NULL) {
        /* POSIX getaddrinfo: the wildcard to bind to, or the loopback address to connect to. */
        out->s_addr = htonl((flags & AI_PASSIVE) != 0 ? INADDR_ANY : INADDR_LOOPBACK);
        return 0;
    }
    if (inet_pton(AF_INET, node, &out->s_addr) == 1) {
        return 0;
    }
    if ((flags & AI_NUMERICHOST) == 0 && strcasecmp(node, "localhost") == 0) {
        out->s_addr = htonl(INADDR_LOOPBACK);
        return 0;
    }
    return EAI_NONAME;
}

int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                struct addrinfo** list) {
    const struct addrinfo none = {0};
    if (hints == NULL) {
        hints = &none;
    }
    const int known = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL |
                      AI_ADDRCONFIG | AI_NUMERICSERV;
    if ((hints->ai_flags & ~known) != 0) {
        return EAI_BADFLAGS;
    }
    if (hints->ai_family != AF_UNSPEC && hints->ai_family != AF_INET) {
        return EAI_FAMILY;
    }
    if (hints->ai_socktype != 0 && hints->ai_socktype != SOCK_STREAM &&
        hints->ai_socktype != SOCK_DGRAM) {
        return EAI_SOCKTYPE;
    }
    if (node == NULL && service == NULL) {
        return EAI_NONAME;
    }
    uint16_t port = 0;
    struct in_addr address;
    int failed = port_of(service, hints->ai_flags, &port);
    if (failed == 0) {
        failed = address_of(node, hints->ai_flags, &address);
    }
    if (failed != 0) {
        return failed;
    }
    /* Without a socket type, one result per type, stream first, as glibc gives them. */
    const int types[2] = {SOCK_STREAM, SOCK_DGRAM};
    struct addrinfo* head = NULL;
    struct addrinfo** tail = &head;
    for (int i = 0; i < 2; ++i) {
        if (hints->ai_socktype != 0 && hints->ai_socktype != types[i]) {
            continue;
        }
        struct result* r = calloc(1, sizeof *r);
        char* name = NULL;
        if (r != NULL && (hints->ai_flags & AI_CANONNAME) != 0 && head == NULL) {
            name = strdup(node != NULL ? node : "localhost");
        }
        if (r == NULL || ((hints->ai_flags & AI_CANONNAME) != 0 && head == NULL && name == NULL)) {
            free(r);
            freeaddrinfo(head);
            return EAI_MEMORY;
        }
        r->address = (struct sockaddr_in){
            .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = address};
        r->info = (struct addrinfo){
            .ai_family = AF_INET,
            .ai_socktype = types[i],
            .ai_protocol = types[i] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP,
            .ai_addrlen = sizeof r->address,
            .ai_addr = (struct sockaddr*)&r->address,
            .ai_canonname = name,
        };
        *tail = &r->info;
        tail = &r->info.ai_next;
    }
    *list = head;
    return 0;
}

void freeaddrinfo(struct addrinfo* list) {
    while (list != NULL) {
        struct addrinfo* next = list->ai_next;
        free(list->ai_canonname);
        free(list); /* the info is its result's first member */
        list = next;
    }
}

const char* gai_strerror(int error) {
    switch (error) {
    case 0: return "Success";
    case EAI_BADFLAGS: return "Bad value for ai_flags";
    case EAI_NONAME: return "Name or service not known";
    case EAI_AGAIN: return "Temporary failure in name resolution";
    case EAI_FAIL: return "Non-recoverable failure in name resolution";
    case EAI_FAMILY: return "ai_family not supported";
    case EAI_SOCKTYPE: return "ai_socktype not supported";
    case EAI_SERVICE: return "Servname not supported for ai_socktype";
    case EAI_MEMORY: return "Memory allocation failure";
    case EAI_SYSTEM: return "System error";
    case EAI_OVERFLOW: return "Argument buffer overflow";
    default: return "Unknown error";
    }
}

int getnameinfo(const struct sockaddr* address, socklen_t length, char* host, socklen_t host_size,
                char* service, socklen_t service_size, int flags) {
    if (address == NULL || length < sizeof(struct sockaddr_in) || address->sa_family != AF_INET) {
        return EAI_FAMILY;
    }
    if ((flags & NI_NAMEREQD) != 0 && host != NULL) {
        return EAI_NONAME; /* no resolver: no address has a name */
    }
    struct sockaddr_in in;
    memcpy(&in, address, sizeof in);
    if (host != NULL && host_size > 0 &&
        inet_ntop(AF_INET, &in.sin_addr.s_addr, host, host_size) == NULL) {
        return EAI_OVERFLOW;
    }
    if (service != NULL && service_size > 0) {
        const int n = snprintf(service, service_size, "%u", (unsigned)ntohs(in.sin_port));
        if (n < 0 || (socklen_t)n >= service_size) {
            return EAI_OVERFLOW;
        }
    }
    return 0;
}
