/* SPDX-License-Identifier: BSD-2-Clause */
/* posix-fault's faulting program: it hands write() a pointer to memory it does not have. The
 * layer copies from that pointer in the program's own PD, so the fault is the program's: its
 * supervisor reports it by name and the services it was using keep serving others. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("bad_pointer: writing 16 bytes from address 0x10\n");
    fflush(stdout);
    const ssize_t n = write(1, (const void*)0x10, 16);
    printf("FAILED: write from a bad pointer returned %zd\n", n);
    return 1;
}
