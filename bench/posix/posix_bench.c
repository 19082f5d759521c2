/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * posix_bench: what the POSIX layer costs over the KaaL service API below it, in one boot. Each
 * operation runs through POSIX (write, pwrite, pread, clock_gettime) and then through the
 * system interface the layer calls (kaal/posix/system_interface.h: the VFS client library, the
 * console writer, the time client), and each figure is the mean over many, in guest
 * nanoseconds from CLOCK_MONOTONIC. Under QEMU's -icount shift=0 a guest nanosecond is one
 * instruction (bench/posix/run-icount.sh).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kaal/posix/system_interface.h>

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void report(const char* what, uint64_t posix_ns, uint64_t direct_ns, int n) {
    printf("bench: %-28s posix %8llu ns  direct %8llu ns  (%d each)\n", what,
           (unsigned long long)(posix_ns / (uint64_t)n),
           (unsigned long long)(direct_ns / (uint64_t)n), n);
}

int main(void) {
    static char block[4096];
    memset(block, 'k', sizeof block);
    enum { clock_reads = 100000, console_lines = 200, file_ops = 500 };

    uint64_t start = now_ns();
    for (int i = 0; i < clock_reads; ++i) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
    }
    const uint64_t posix_clock = now_ns() - start;
    start = now_ns();
    for (int i = 0; i < clock_reads; ++i) {
        (void)kaal_sys_monotonic_ns();
    }
    const uint64_t direct_clock = now_ns() - start;

    static const char line[] = "bench: console line of 64 bytes .............................\n";
    start = now_ns();
    for (int i = 0; i < console_lines; ++i) {
        write(1, line, sizeof line - 1);
    }
    const uint64_t posix_console = now_ns() - start;
    start = now_ns();
    for (int i = 0; i < console_lines; ++i) {
        kaal_sys_console_write(1, line, sizeof line - 1);
    }
    const uint64_t direct_console = now_ns() - start;

    const int fd = open("/bench.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    const int handle = kaal_sys_open("/bench-direct.dat", KAAL_OPEN_CREATE | KAAL_OPEN_TRUNCATE);
    if (fd < 0 || handle < 0) {
        printf("bench: FAILED: cannot open the files\n");
        return 1;
    }
    /* Both files first written whole, so the timed writes overwrite and the reads find data. */
    for (int i = 0; i < file_ops; ++i) {
        pwrite(fd, block, sizeof block, (off_t)i * 4096);
        kaal_sys_pwrite(handle, block, sizeof block, (uint64_t)i * 4096u);
    }
    start = now_ns();
    for (int i = 0; i < file_ops; ++i) {
        pwrite(fd, block, sizeof block, (off_t)i * 4096);
    }
    const uint64_t posix_write = now_ns() - start;
    start = now_ns();
    for (int i = 0; i < file_ops; ++i) {
        kaal_sys_pwrite(handle, block, sizeof block, (uint64_t)i * 4096u);
    }
    const uint64_t direct_write = now_ns() - start;
    start = now_ns();
    for (int i = 0; i < file_ops; ++i) {
        pread(fd, block, sizeof block, (off_t)i * 4096);
    }
    const uint64_t posix_read = now_ns() - start;
    start = now_ns();
    for (int i = 0; i < file_ops; ++i) {
        kaal_sys_pread(handle, block, sizeof block, (uint64_t)i * 4096u);
    }
    const uint64_t direct_read = now_ns() - start;
    close(fd);
    kaal_sys_close(handle);
    unlink("/bench.dat");
    kaal_sys_unlink("/bench-direct.dat");

    report("clock_gettime", posix_clock, direct_clock, clock_reads);
    report("write, 64-byte console line", posix_console, direct_console, console_lines);
    report("pwrite 4 KiB, overwriting", posix_write, direct_write, file_ops);
    report("pread 4 KiB", posix_read, direct_read, file_ops);
    printf("bench: done\n");
    return 0;
}
