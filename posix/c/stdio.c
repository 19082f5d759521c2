/* SPDX-License-Identifier: BSD-2-Clause */
/* stdin, stdout and stderr: picolibc's buffered streams (stdio-bufio.h) over descriptors 0, 1
 * and 2, so a program that closes or dup2()s one of those sees its stream follow, as on Unix.
 * stdout and stderr are line-buffered (C11 7.21.3: stderr is "not fully buffered"): one console
 * write per line rather than per character. exit() flushes them (start.c); _exit() does not. */
#include <stdio-bufio.h>
#include <stdio.h>
#include <unistd.h>

static char input[128];
static char output[256];
static char errors[256];

static struct __file_bufio stdin_stream =
    FDEV_SETUP_BUFIO(0, input, sizeof input, read, write, lseek, close, __SRD, 0);
static struct __file_bufio stdout_stream =
    FDEV_SETUP_BUFIO(1, output, sizeof output, read, write, lseek, close, __SWR, __BLBF);
static struct __file_bufio stderr_stream =
    FDEV_SETUP_BUFIO(2, errors, sizeof errors, read, write, lseek, close, __SWR, __BLBF);

FILE* const stdin = &stdin_stream.xfile.cfile.file;
FILE* const stdout = &stdout_stream.xfile.cfile.file;
FILE* const stderr = &stderr_stream.xfile.cfile.file;
