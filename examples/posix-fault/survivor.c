/* SPDX-License-Identifier: BSD-2-Clause */
/* posix-fault's second program: once bad_pointer has faulted, it uses the console, the time
 * service and the filesystem that program was using, and exits 0 if they all still serve. */
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(void) {
    const struct timespec later = {0, 300000000}; /* after bad_pointer has faulted */
    nanosleep(&later, NULL);
    FILE* f = fopen("/survivor.txt", "w");
    char back[32] = {0};
    const int wrote = f != NULL && fputs("still here\n", f) >= 0 && fclose(f) == 0;
    f = fopen("/survivor.txt", "r");
    const int read = f != NULL && fgets(back, sizeof back, f) != NULL && fclose(f) == 0;
    if (!wrote || !read || strcmp(back, "still here\n") != 0) {
        printf("FAILED: survivor: the filesystem does not answer\n");
        return 1;
    }
    printf("survivor: the console, the clock and the filesystem still serve\n");
    return 0;
}
