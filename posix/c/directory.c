/* SPDX-License-Identifier: BSD-2-Clause */
/* opendir, fdopendir, readdir, rewinddir, closedir, dirfd: a directory stream is a descriptor
 * of a directory (open with O_DIRECTORY) and the entry readdir returned last. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct kaal_posix_directory {
    int fd; /* -1: a free stream */
    struct dirent entry;
};

/* Streams come from a fixed table, not the heap: one per directory descriptor at most. */
static struct kaal_posix_directory streams[KAAL_POSIX_OPEN_MAX] = {
    [0 ... KAAL_POSIX_OPEN_MAX - 1] = {.fd = -1},
};

DIR* fdopendir(int fd) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return NULL;
    }
    if (file->kind != KAAL_FILE_DIRECTORY) {
        errno = ENOTDIR;
        return NULL;
    }
    for (int i = 0; i < KAAL_POSIX_OPEN_MAX; ++i) {
        if (streams[i].fd == -1) {
            streams[i].fd = fd;
            return &streams[i];
        }
    }
    errno = EMFILE;
    return NULL;
}

DIR* opendir(const char* path) {
    const int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        return NULL;
    }
    DIR* directory = fdopendir(fd);
    if (directory == NULL) {
        const int error = errno;
        (void)close(fd);
        errno = error;
    }
    return directory;
}

struct dirent* readdir(DIR* directory) {
    struct kaal_open_file* file = kaal_fd_file(directory->fd);
    if (file == NULL) {
        return NULL;
    }
    struct kaal_sys_dirent entry;
    const int result = kaal_sys_readdir(file->handle, &entry);
    if (result <= 0) {
        /* The end of the directory leaves errno alone (POSIX readdir). */
        if (result < 0) {
            errno = -result;
        }
        return NULL;
    }
    const size_t length = strnlen(entry.name, sizeof entry.name - 1);
    memcpy(directory->entry.d_name, entry.name, length);
    directory->entry.d_name[length] = '\0';
    directory->entry.d_type = entry.stat.directory ? DT_DIR : DT_REG;
    directory->entry.d_ino = (ino_t)(file->inode ^ kaal_path_inode(directory->entry.d_name));
    return &directory->entry;
}

void rewinddir(DIR* directory) {
    (void)lseek(directory->fd, 0, SEEK_SET); /* restarts the VFS's readdir (vfs.hpp) */
}

int dirfd(DIR* directory) {
    return directory->fd;
}

int closedir(DIR* directory) {
    const int fd = directory->fd;
    directory->fd = -1;
    return close(fd);
}
