/* SPDX-License-Identifier: BSD-2-Clause */
/* Clocks and sleeping, from the time service: CLOCK_MONOTONIC counts from boot and
 * CLOCK_REALTIME is the RTC's UTC, each read without a kernel entry (time_client.hpp).
 * picolibc's time() and clock() are built on gettimeofday and times. */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define NS_PER_S 1000000000u

static struct timespec from_ns(uint64_t ns) {
    return (struct timespec){.tv_sec = (time_t)(ns / NS_PER_S), .tv_nsec = (long)(ns % NS_PER_S)};
}

static int known_clock(clockid_t clock) {
    return clock == CLOCK_MONOTONIC || clock == CLOCK_REALTIME;
}

int clock_gettime(clockid_t clock, struct timespec* out) {
    if (!known_clock(clock)) {
        return kaal_fail(EINVAL);
    }
    *out = from_ns(clock == CLOCK_MONOTONIC ? kaal_sys_monotonic_ns() : kaal_sys_realtime_ns());
    return 0;
}

int clock_getres(clockid_t clock, struct timespec* out) {
    if (!known_clock(clock)) {
        return kaal_fail(EINVAL);
    }
    if (out != NULL) {
        *out = from_ns(kaal_sys_clock_resolution_ns());
    }
    return 0;
}

int gettimeofday(struct timeval* __restrict out, void* __restrict zone) {
    (void)zone; /* obsolete (POSIX.1-2017): UTC only */
    if (out != NULL) {
        const uint64_t ns = kaal_sys_realtime_ns();
        out->tv_sec = (time_t)(ns / NS_PER_S);
        out->tv_usec = (suseconds_t)((ns % NS_PER_S) / 1000u);
    }
    return 0;
}

/* The program runs in the PD's one thread: there is no child and no system time to count. */
clock_t times(struct tms* out) {
    const uint64_t ticks = kaal_sys_monotonic_ns() / (NS_PER_S / CLOCKS_PER_SEC);
    if (out != NULL) {
        *out = (struct tms){.tms_utime = (clock_t)ticks};
    }
    return (clock_t)ticks;
}

int nanosleep(const struct timespec* request, struct timespec* remaining) {
    if (request->tv_sec < 0 || request->tv_nsec < 0 || request->tv_nsec >= (long)NS_PER_S) {
        return kaal_fail(EINVAL);
    }
    const int result =
        kaal_sys_sleep_ns((uint64_t)request->tv_sec * NS_PER_S + (uint64_t)request->tv_nsec);
    if (result < 0) {
        return kaal_fail(-result);
    }
    if (remaining != NULL) {
        *remaining = (struct timespec){0}; /* no signal ever interrupts it */
    }
    return 0;
}

unsigned sleep(unsigned seconds) {
    const struct timespec request = {.tv_sec = (time_t)seconds};
    return nanosleep(&request, NULL) == 0 ? 0 : seconds;
}

int usleep(useconds_t microseconds) {
    const struct timespec request = from_ns((uint64_t)microseconds * 1000u);
    return nanosleep(&request, NULL);
}

/* All of a program's time is its own user time: it is the PD's one thread, and the kernel's time
 * on its behalf is not counted apart. It has no children. */
int getrusage(int who, struct rusage* out) {
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN) {
        return kaal_fail(EINVAL);
    }
    *out = (struct rusage){0};
    if (who == RUSAGE_SELF) {
        const uint64_t ns = kaal_sys_monotonic_ns();
        out->ru_utime.tv_sec = (time_t)(ns / NS_PER_S);
        out->ru_utime.tv_usec = (suseconds_t)((ns % NS_PER_S) / 1000u);
    }
    return 0;
}
