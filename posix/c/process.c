/* SPDX-License-Identifier: BSD-2-Clause */
/* The process: its id, its heap (sbrk, under picolibc's malloc), its exit, and the calls a
 * single program with no other processes answers by itself. */
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

pid_t getpid(void) {
    return (pid_t)kaal_sys_pid();
}

/* Every program is started by the system, which has no process id of its own. */
pid_t getppid(void) {
    return 1;
}

/* The heap is the region the system description gave this program, fixed when the image is
 * built (a Microkit PD receives no memory at run time): sbrk hands it out from the bottom and
 * says ENOMEM when it is used up, which picolibc's malloc passes on as a null pointer with errno
 * ENOMEM. Shrinking is allowed down to the start. */
void* sbrk(ptrdiff_t increment) {
    static uintptr_t base;
    static size_t bytes;
    static size_t used;
    if (base == 0) {
        kaal_sys_heap(&base, &bytes);
    }
    if ((increment > 0 && (size_t)increment > bytes - used) ||
        (increment < 0 && (size_t)-increment > used)) {
        errno = ENOMEM;
        return (void*)-1;
    }
    void* old_break = (void*)(base + used);
    used = (size_t)((ptrdiff_t)used + increment);
    return old_break;
}

/* No other process exists to signal; signalling this one runs picolibc's raise(). */
int kill(pid_t pid, int signal) {
    if (pid != getpid() && pid != 0 && pid != -1) {
        return kaal_fail(ESRCH);
    }
    return raise(signal);
}

long sysconf(int name) {
    switch (name) {
    case _SC_PAGESIZE: return 4096;
    case _SC_OPEN_MAX: return KAAL_POSIX_OPEN_MAX;
    case _SC_CLK_TCK: return CLOCKS_PER_SEC; /* times()'s unit, which clock() takes as its own */
    case _SC_NPROCESSORS_CONF:
    case _SC_NPROCESSORS_ONLN: return 1;
    default: return kaal_fail(EINVAL);
    }
}

/* picolibc's stdio uses atomics, which its build made calls to libgcc's outline helpers
 * (__aarch64_cas4_acq and friends); their initialiser asks the ELF auxiliary vector whether the
 * CPU has the ARMv8.1 atomic instructions (getauxval(AT_HWCAP) & HWCAP_ATOMICS). A PD has no
 * auxiliary vector: 0 says "no", which selects the load/store-exclusive sequences, right on
 * every ARMv8 core (QEMU virt's cortex-a53 is ARMv8.0). */
unsigned long __getauxval(unsigned long type);
unsigned long __getauxval(unsigned long type) {
    (void)type;
    return 0;
}
