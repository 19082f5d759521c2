/* SPDX-License-Identifier: BSD-2-Clause */
/* open and the calls on an open descriptor: read, write and their vector and positioned forms,
 * lseek, fstat, fsync, ftruncate, isatty. */
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

static int readable(const struct kaal_open_file* file) {
    return (file->status_flags & O_ACCMODE) != O_WRONLY;
}

static int writable(const struct kaal_open_file* file) {
    return (file->status_flags & O_ACCMODE) != O_RDONLY;
}

int open(const char* path, int flags, ...) {
    char absolute[KAAL_PATH_MAX + 1];
    const int resolved = kaal_path_absolute(path, absolute);
    if (resolved < 0) {
        return kaal_fail(-resolved);
    }
    const int access = flags & O_ACCMODE;
    if (access != O_RDONLY && access != O_WRONLY && access != O_RDWR) {
        return kaal_fail(EINVAL);
    }
    if (strncmp(absolute, "/dev/", 5) == 0) {
        const int device = kaal_device_open(absolute, flags);
        if (device != -2) {
            return device;
        }
    }
    struct kaal_open_file* file = kaal_file_new();
    if (file == NULL) {
        return -1;
    }
    uint32_t wire = 0;
    wire |= (flags & O_CREAT) != 0 ? KAAL_OPEN_CREATE : 0;
    wire |= (flags & O_CREAT) != 0 && (flags & O_EXCL) != 0 ? KAAL_OPEN_EXCLUSIVE : 0;
    /* POSIX leaves O_TRUNC with O_RDONLY unspecified; here it does nothing, so a file opened
     * only for reading is never changed by opening it. */
    wire |= (flags & O_TRUNC) != 0 && access != O_RDONLY ? KAAL_OPEN_TRUNCATE : 0;
    int handle = -KAAL_EINVAL;
    enum kaal_file_kind kind = KAAL_FILE_VFS;
    int directory = (flags & O_DIRECTORY) != 0;
    if (!directory) {
        handle = kaal_sys_open(absolute, wire);
        /* The filesystem opens a directory as readily as a file: ask which it was. */
        struct kaal_sys_file_status status = {0};
        if (handle >= 0 && kaal_sys_fstat(handle, &status) == 0 && status.directory) {
            (void)kaal_sys_close(handle);
            directory = 1;
        }
    }
    /* A directory opens for reading only (POSIX open: EISDIR for write access), and then reads
     * as entries through fdopendir. */
    if (directory) {
        if (access != O_RDONLY) {
            return kaal_fail(EISDIR);
        }
        handle = kaal_sys_open(absolute, KAAL_OPEN_DIRECTORY);
        kind = KAAL_FILE_DIRECTORY;
    }
    if (handle < 0) {
        return kaal_fail(-handle);
    }
    file->kind = kind;
    file->handle = handle;
    file->status_flags = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK);
    file->inode = kaal_path_inode(absolute);
    const int fd = kaal_fd_install(file, 0, (flags & O_CLOEXEC) != 0 ? FD_CLOEXEC : 0);
    if (fd < 0) {
        (void)kaal_sys_close(handle);
        file->kind = KAAL_FILE_FREE;
    }
    return fd;
}

int openat(int directory, const char* path, int flags, ...) {
    /* Only what POSIX defines without a directory descriptor: an absolute path, or one relative
     * to the working directory. */
    if (path[0] != '/' && directory != AT_FDCWD) {
        return kaal_fail(ENOSYS);
    }
    return open(path, flags);
}

int creat(const char* path, mode_t mode) {
    (void)mode;
    return open(path, O_WRONLY | O_CREAT | O_TRUNC);
}

ssize_t read(int fd, void* bytes, size_t length) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return -1;
    }
    if (!readable(file)) {
        return kaal_fail(EBADF);
    }
    switch (file->kind) {
    case KAAL_FILE_CONSOLE_IN:
        return kaal_result(
            kaal_sys_console_read(bytes, length, (file->status_flags & O_NONBLOCK) != 0));
    case KAAL_FILE_VFS: return kaal_result(kaal_sys_read(file->handle, bytes, length));
    case KAAL_FILE_PIPE: return kaal_pipe_read(file, bytes, length);
    case KAAL_FILE_SOCKET: return kaal_socket_read(file, bytes, length);
    case KAAL_FILE_RANDOM:
    case KAAL_FILE_NULL: return kaal_device_read(file, bytes, length);
    case KAAL_FILE_DIRECTORY: return kaal_fail(EISDIR);
    default: return kaal_fail(EBADF);
    }
}

ssize_t write(int fd, const void* bytes, size_t length) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return -1;
    }
    if (!writable(file)) {
        return kaal_fail(EBADF);
    }
    switch (file->kind) {
    case KAAL_FILE_CONSOLE_OUT:
        return kaal_result(kaal_sys_console_write(file->stream, bytes, length));
    case KAAL_FILE_VFS:
        if ((file->status_flags & O_APPEND) != 0) {
            uint64_t end = 0;
            const int moved = kaal_sys_seek(file->handle, 0, SEEK_END, &end);
            if (moved < 0) {
                return kaal_fail(-moved);
            }
        }
        return kaal_result(kaal_sys_write(file->handle, bytes, length));
    case KAAL_FILE_PIPE: return kaal_pipe_write(file, bytes, length);
    case KAAL_FILE_SOCKET: return kaal_socket_write(file, bytes, length);
    case KAAL_FILE_RANDOM:
    case KAAL_FILE_NULL: return (ssize_t)length; /* taken and dropped, as Linux's do */
    default: return kaal_fail(EBADF);
    }
}

/* POSIX readv/writev: the vectors in order, stopping at the first short transfer; an error
 * after some bytes moved returns those bytes. */
static ssize_t vector(int fd, const struct iovec* vectors, int count, int writing) {
    if (count < 0 || count > IOV_MAX) {
        return kaal_fail(EINVAL);
    }
    ssize_t total = 0;
    for (int i = 0; i < count; ++i) {
        const ssize_t done = writing ? write(fd, vectors[i].iov_base, vectors[i].iov_len)
                                     : read(fd, vectors[i].iov_base, vectors[i].iov_len);
        if (done < 0) {
            return total > 0 ? total : -1;
        }
        total += done;
        if ((size_t)done < vectors[i].iov_len) {
            break;
        }
    }
    return total;
}

ssize_t readv(int fd, const struct iovec* vectors, int count) {
    return vector(fd, vectors, count, 0);
}

ssize_t writev(int fd, const struct iovec* vectors, int count) {
    return vector(fd, vectors, count, 1);
}

/* The description a positioned call may use: a file, opened for the access it needs. */
static struct kaal_open_file* positioned(int fd, int writing, off_t offset) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return NULL;
    }
    if (file->kind != KAAL_FILE_VFS) {
        errno = file->kind == KAAL_FILE_DIRECTORY ? EISDIR : ESPIPE;
        return NULL;
    }
    if (writing ? !writable(file) : !readable(file)) {
        errno = EBADF;
        return NULL;
    }
    if (offset < 0) {
        errno = EINVAL;
        return NULL;
    }
    return file;
}

ssize_t pread(int fd, void* bytes, size_t length, off_t offset) {
    struct kaal_open_file* file = positioned(fd, 0, offset);
    return file == NULL
               ? -1
               : kaal_result(kaal_sys_pread(file->handle, bytes, length, (uint64_t)offset));
}

ssize_t pwrite(int fd, const void* bytes, size_t length, off_t offset) {
    struct kaal_open_file* file = positioned(fd, 1, offset);
    return file == NULL
               ? -1
               : kaal_result(kaal_sys_pwrite(file->handle, bytes, length, (uint64_t)offset));
}

off_t lseek(int fd, off_t offset, int whence) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return -1;
    }
    if (file->kind != KAAL_FILE_VFS && file->kind != KAAL_FILE_DIRECTORY) {
        return kaal_fail(ESPIPE);
    }
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) {
        return kaal_fail(EINVAL);
    }
    uint64_t to = 0;
    const int moved = kaal_sys_seek(file->handle, offset, whence, &to);
    return moved < 0 ? kaal_fail(-moved) : (off_t)to;
}

int fstat(int fd, struct stat* out) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return -1;
    }
    if (file->kind == KAAL_FILE_CONSOLE_IN || file->kind == KAAL_FILE_CONSOLE_OUT) {
        *out = (struct stat){.st_mode = S_IFCHR | 0620, .st_nlink = 1, .st_blksize = 128};
        return 0;
    }
    if (file->kind == KAAL_FILE_PIPE) {
        *out = (struct stat){.st_mode = S_IFIFO | 0600, .st_nlink = 1, .st_blksize = 4096};
        return 0;
    }
    if (file->kind == KAAL_FILE_SOCKET) {
        *out = (struct stat){.st_mode = S_IFSOCK | 0777, .st_nlink = 1, .st_blksize = 4096};
        return 0;
    }
    if (file->kind == KAAL_FILE_RANDOM || file->kind == KAAL_FILE_NULL) {
        *out = (struct stat){
            .st_mode = S_IFCHR | 0666, .st_nlink = 1, .st_blksize = 4096, .st_ino = file->inode};
        return 0;
    }
    struct kaal_sys_file_status stat = {0};
    const int result = kaal_sys_fstat(file->handle, &stat);
    if (result < 0) {
        return kaal_fail(-result);
    }
    kaal_stat_from_sys(&stat, file->inode, out);
    return 0;
}

int fsync(int fd) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return -1;
    }
    if (file->kind != KAAL_FILE_VFS && file->kind != KAAL_FILE_DIRECTORY) {
        return kaal_fail(EINVAL); /* POSIX fsync: a descriptor that does not support it */
    }
    return (int)kaal_result(kaal_sys_fsync(file->handle));
}

int fdatasync(int fd) {
    return fsync(fd);
}

int ftruncate(int fd, off_t length) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return -1;
    }
    if (file->kind != KAAL_FILE_VFS || !writable(file)) {
        return kaal_fail(file->kind == KAAL_FILE_VFS ? EBADF : EINVAL);
    }
    if (length < 0) {
        return kaal_fail(EINVAL);
    }
    return (int)kaal_result(kaal_sys_truncate(file->handle, (uint64_t)length));
}

int isatty(int fd) {
    struct kaal_open_file* file = kaal_fd_file(fd);
    if (file == NULL) {
        return 0;
    }
    if (file->kind != KAAL_FILE_CONSOLE_IN && file->kind != KAAL_FILE_CONSOLE_OUT) {
        errno = ENOTTY;
        return 0;
    }
    return 1;
}

int ioctl(int fd, unsigned long request, ...) {
    (void)request;
    return kaal_fd_file(fd) == NULL ? -1 : kaal_fail(ENOTTY);
}

int fchmod(int fd, mode_t mode) {
    struct stat now;
    return fstat(fd, &now) < 0 ? -1 : kaal_mode_change(&now, mode);
}

/* Every file belongs to the one user (identity.c); giving it to anyone else is EPERM, as on a
 * Linux vfat volume. */
int fchown(int fd, uid_t owner, gid_t group) {
    if (kaal_fd_file(fd) == NULL) {
        return -1;
    }
    const int to_us = (owner == 0 || owner == (uid_t)-1) && (group == 0 || group == (gid_t)-1);
    return to_us ? 0 : kaal_fail(EPERM);
}
