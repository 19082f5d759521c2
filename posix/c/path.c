/* SPDX-License-Identifier: BSD-2-Clause */
/* Paths: the working directory (getcwd, chdir), resolution of relative paths, and the calls
 * that name a path: stat, lstat, access, unlink, rename, mkdir, rmdir. */
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "internal.h"

/* "/" until chdir moves it; always absolute and normalised. */
static char working_directory[KAAL_PATH_MAX + 1] = "/";

/* Appends `path`'s components to `out` (holding `length` bytes of a normalised absolute path),
 * dropping "." and letting ".." remove the last component, as the VFS does (vfs.hpp): FAT has
 * no symbolic links, so lexical resolution is exact. */
static int append_components(char* out, size_t length, const char* path) {
    const char* at = path;
    while (*at != '\0') {
        while (*at == '/') {
            ++at;
        }
        const char* start = at;
        while (*at != '\0' && *at != '/') {
            ++at;
        }
        const size_t part = (size_t)(at - start);
        if (part == 0 || (part == 1 && start[0] == '.')) {
            continue;
        }
        if (part == 2 && start[0] == '.' && start[1] == '.') {
            while (length > 1 && out[length - 1] != '/') {
                --length;
            }
            if (length > 1) {
                --length; /* the slash, unless it is the root's */
            }
            out[length] = '\0';
            continue;
        }
        if (part > KAAL_NAME_MAX) {
            return -KAAL_ENAMETOOLONG;
        }
        const size_t slash = length > 1 ? 1 : 0;
        if (length + slash + part > KAAL_PATH_MAX) {
            return -KAAL_ENAMETOOLONG;
        }
        if (slash != 0) {
            out[length++] = '/';
        }
        memcpy(out + length, start, part);
        length += part;
        out[length] = '\0';
    }
    return 0;
}

int kaal_path_absolute(const char* path, char* out) {
    if (path == NULL) {
        return -KAAL_EFAULT;
    }
    if (path[0] == '\0') {
        return -KAAL_ENOENT; /* POSIX: the empty path names nothing */
    }
    /* Longer than any path could be, even before "." and ".." are taken out. */
    if (strnlen(path, 4 * KAAL_PATH_MAX + 1) > 4 * KAAL_PATH_MAX) {
        return -KAAL_ENAMETOOLONG;
    }
    if (path[0] == '/') {
        out[0] = '/';
        out[1] = '\0';
    } else {
        memcpy(out, working_directory, strlen(working_directory) + 1);
    }
    return append_components(out, strlen(out), path);
}

/* FNV-1a: stat and fstat of one file agree, and two names of the FAT volume differ but by
 * chance. SQLite, for one, tells files apart by st_dev and st_ino. */
uint64_t kaal_path_inode(const char* absolute) {
    uint64_t hash = 0xcbf29ce484222325u;
    for (const char* c = absolute; *c != '\0'; ++c) {
        hash = (hash ^ (unsigned char)*c) * 0x100000001b3u;
    }
    return hash;
}

void kaal_stat_from_sys(const struct kaal_sys_file_status* from, uint64_t inode, struct stat* to) {
    /* FAT has no owners and no permission bits beyond read-only. */
    const mode_t permissions = from->read_only ? 0555 : 0755;
    *to = (struct stat){
        .st_dev = 1,
        .st_ino = (ino_t)inode,
        .st_mode = (from->directory ? S_IFDIR : S_IFREG) |
                   (from->directory ? permissions : permissions & 0666),
        .st_nlink = 1,
        .st_size = (off_t)from->size,
        .st_blksize = 4096,
        .st_blocks = (blkcnt_t)((from->size + 511) / 512),
        .st_mtim = {.tv_sec = (time_t)from->modified_unix_s},
    };
    to->st_atim = to->st_mtim;
    to->st_ctim = to->st_mtim;
}

char* getcwd(char* out, size_t size) {
    const size_t length = strlen(working_directory);
    if (out == NULL || size == 0) {
        /* POSIX leaves a null buffer unspecified; allocating one is glibc's extension. */
        errno = out == NULL ? EFAULT : EINVAL;
        return NULL;
    }
    if (length + 1 > size) {
        errno = ERANGE;
        return NULL;
    }
    memcpy(out, working_directory, length + 1);
    return out;
}

/* What `path` names, and its absolute form in `absolute`; 0 or -errno. */
static int status_of(const char* path, char* absolute, struct kaal_sys_file_status* out) {
    const int result = kaal_path_absolute(path, absolute);
    return result == 0 ? kaal_sys_stat(absolute, out) : result;
}

int chdir(const char* path) {
    char absolute[KAAL_PATH_MAX + 1];
    struct kaal_sys_file_status stat = {0};
    const int result = status_of(path, absolute, &stat);
    if (result < 0) {
        return kaal_fail(-result);
    }
    if (!stat.directory) {
        return kaal_fail(ENOTDIR);
    }
    memcpy(working_directory, absolute, strlen(absolute) + 1);
    return 0;
}

int stat(const char* path, struct stat* out) {
    char absolute[KAAL_PATH_MAX + 1];
    if (kaal_path_absolute(path, absolute) == 0 && kaal_device_stat(absolute, out)) {
        return 0;
    }
    struct kaal_sys_file_status stat = {0};
    const int result = status_of(path, absolute, &stat);
    if (result < 0) {
        return kaal_fail(-result);
    }
    kaal_stat_from_sys(&stat, kaal_path_inode(absolute), out);
    return 0;
}

/* FAT has no symbolic links: every path is its own target. */
int lstat(const char* path, struct stat* out) {
    return stat(path, out);
}

int access(const char* path, int mode) {
    if ((mode & ~(R_OK | W_OK | X_OK)) != 0) {
        return kaal_fail(EINVAL);
    }
    struct stat st;
    if (stat(path, &st) < 0) {
        return -1;
    }
    if ((mode & W_OK) != 0 && (st.st_mode & 0200) == 0) {
        return kaal_fail(EACCES);
    }
    if ((mode & X_OK) != 0 && (st.st_mode & 0100) == 0) {
        return kaal_fail(EACCES);
    }
    return 0;
}

/* One path, resolved, handed to `op`. */
static int on_path(const char* path, int (*op)(const char*)) {
    char absolute[KAAL_PATH_MAX + 1];
    int result = kaal_path_absolute(path, absolute);
    if (result == 0) {
        result = op(absolute);
    }
    return result < 0 ? kaal_fail(-result) : 0;
}

int unlink(const char* path) {
    return on_path(path, kaal_sys_unlink);
}

int rmdir(const char* path) {
    return on_path(path, kaal_sys_rmdir);
}

int mkdir(const char* path, mode_t mode) {
    (void)mode; /* FAT keeps no permission bits */
    return on_path(path, kaal_sys_mkdir);
}

int rename(const char* from, const char* to) {
    char a[KAAL_PATH_MAX + 1];
    char b[KAAL_PATH_MAX + 1];
    int result = kaal_path_absolute(from, a);
    if (result == 0) {
        result = kaal_path_absolute(to, b);
    }
    if (result == 0) {
        result = kaal_sys_rename(a, b);
    }
    return result < 0 ? kaal_fail(-result) : 0;
}

/* FAT stores one permission bit, the read-only attribute, and the filesystem protocol has no
 * command to change it: a mode that keeps the file's owner-write bit as it is succeeds (the
 * other bits are not stored), one that would change it is EPERM, as Linux's vfat answers a
 * mode it cannot store. */
int kaal_mode_change(const struct stat* now, mode_t mode) {
    return ((now->st_mode ^ mode) & S_IWUSR) != 0 ? kaal_fail(EPERM) : 0;
}

int chmod(const char* path, mode_t mode) {
    struct stat now;
    return stat(path, &now) < 0 ? -1 : kaal_mode_change(&now, mode);
}

/* FAT has no symbolic links: nothing is one (readlink), and none can be made (symlink: EPERM,
 * as Linux's vfat answers). */
ssize_t readlink(const char* __restrict path, char* __restrict out, size_t size) {
    (void)out;
    (void)size;
    struct stat st;
    return stat(path, &st) < 0 ? -1 : kaal_fail(EINVAL);
}

int symlink(const char* target, const char* path) {
    (void)target;
    (void)path;
    return kaal_fail(EPERM);
}

/* The filesystem protocol has no command that sets a file's times. */
int utimes(const char* path, const struct timeval times[2]) {
    (void)times;
    struct stat st;
    return stat(path, &st) < 0 ? -1 : kaal_fail(ENOSYS);
}
