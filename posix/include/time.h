/* SPDX-License-Identifier: BSD-2-Clause */
/* picolibc's <time.h>, with what KaaL's system has and picolibc declares only where the system
 * says so: CLOCK_MONOTONIC (the time service's counter; _POSIX_MONOTONIC_CLOCK, POSIX.1-2017
 * <unistd.h>), and clock_gettime, clock_getres and nanosleep, which picolibc declares only with
 * the whole _POSIX_TIMERS option: KaaL has no per-process timers (timer_create), so it does not
 * claim the option (posix/c/clock.c). */
#pragma once

#ifndef _POSIX_MONOTONIC_CLOCK
#define _POSIX_MONOTONIC_CLOCK 200809L
#endif

#include_next <time.h>

#ifndef _POSIX_TIMERS
#ifdef __cplusplus
extern "C" {
#endif
int clock_gettime(clockid_t clock, struct timespec* out);
int clock_getres(clockid_t clock, struct timespec* out);
int nanosleep(const struct timespec* request, struct timespec* remaining);
#ifdef __cplusplus
}
#endif
#endif
