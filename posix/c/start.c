/* SPDX-License-Identifier: BSD-2-Clause */
/* The program's start and exit: thread-local storage for picolibc (its errno is thread-local),
 * the environment, main, and _exit, which returns here from however deep exit() was called. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* The program's own main (kaal_add_posix_program renames it, so it does not clash with
 * libmicrokit's). Called with three arguments whatever it declares: AArch64's calling
 * convention (AAPCS64) lets a callee ignore arguments it does not take. */
extern int kaal_posix_main(int argc, char** argv, char** envp);

/* posix/tls.ld: the TLS template (.tdata, then .tbss) where the image holds it. */
extern char __kaal_tdata_start[];
extern char __kaal_tdata_end[];
extern char __kaal_tbss_end[];
extern char __kaal_tls_align[]; /* an absolute symbol: its address is the value */

/* The thread's TLS block. AArch64 uses TLS variant I (ELF for the Arm 64-bit Architecture,
 * "Thread Local Storage"): TPIDR_EL0 points at a 16-byte thread control block and the block
 * begins after it, rounded up to the segment's alignment; the linker resolved every local-exec
 * access to that offset. seL4 saves TPIDR_EL0 with the thread's registers, so setting it from
 * EL0 here holds for the PD's thread. */
static _Alignas(64) unsigned char tls_block[64 + 1024];

static int set_up_tls(void) {
    const uintptr_t align = (uintptr_t)__kaal_tls_align;
    const uintptr_t control_block = (16 + align - 1) & ~(align - 1);
    const size_t data = (size_t)(__kaal_tdata_end - __kaal_tdata_start);
    const size_t total = (size_t)(__kaal_tbss_end - __kaal_tdata_start);
    if (align > 64 || control_block + total > sizeof tls_block) {
        return -1;
    }
    unsigned char* block = tls_block + control_block;
    memcpy(block, __kaal_tdata_start, data);
    memset(block + data, 0, total - data);
    __asm__ volatile("msr tpidr_el0, %0" : : "r"(tls_block));
    return 0;
}

static jmp_buf exit_point;
static int exit_status;

void _exit(int status) {
    exit_status = status;
    longjmp(exit_point, 1);
}

/* Registered before main runs, so exit() calls it after every handler the program registers
 * (C11 7.22.4.4: in the reverse order of registration). */
static void flush_streams(void) {
    (void)fflush(stdout);
    (void)fflush(stderr);
}

int kaal_posix_run(void) {
    if (set_up_tls() != 0) {
        static const char message[] = "posix: FAILED: the program's TLS exceeds its block\n";
        (void)kaal_sys_console_write(2, message, sizeof message - 1);
        return 127;
    }
    environ = kaal_posix_envp;
    (void)atexit(flush_streams);
    int argc = 0;
    while (kaal_posix_argv[argc] != NULL) {
        ++argc;
    }
    if (setjmp(exit_point) == 0) {
        exit(kaal_posix_main(argc, kaal_posix_argv, environ));
    }
    return exit_status;
}
