/* SPDX-License-Identifier: BSD-2-Clause */
/* <dirent.h> (POSIX.1-2017), which picolibc leaves to the system: directories of the KaaL VFS. */
#pragma once

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* d_type values, as BSD and Linux number them. */
#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8

struct dirent {
    ino_t d_ino;
    unsigned char d_type;
    char d_name[766]; /* a FAT long name: 255 UTF-16 units as UTF-8, and the NUL */
};

typedef struct kaal_posix_directory DIR;

DIR* opendir(const char* path);
DIR* fdopendir(int fd);
struct dirent* readdir(DIR* directory);
int closedir(DIR* directory);
void rewinddir(DIR* directory);
int dirfd(DIR* directory);

#ifdef __cplusplus
}
#endif
