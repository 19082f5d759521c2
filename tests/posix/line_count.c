/* SPDX-License-Identifier: BSD-2-Clause */
/* boot.run-posix's program: echoes its stdin a line at a time, counts the lines, writes the
 * count to /line-count.txt, and exits with the status argv[1] names. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
    printf("%s: %d argument(s)\n", argv[0], argc - 1);
    char line[128];
    int lines = 0;
    while (fgets(line, sizeof line, stdin) != NULL) {
        printf("got: %s", line);
        ++lines;
    }
    printf("%d lines, then the end of input\n", lines);
    FILE* out = fopen("/line-count.txt", "w");
    if (out == NULL || fprintf(out, "%d\n", lines) < 0 || fclose(out) != 0) {
        perror("line-count.txt");
        return 1;
    }
    return argc > 1 ? atoi(argv[1]) : 0;
}
