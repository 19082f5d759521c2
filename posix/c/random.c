/* SPDX-License-Identifier: BSD-2-Clause */
/* getrandom (Linux's getrandom(2)), getentropy (POSIX.1-2024) and the device files /dev/random,
 * /dev/urandom and /dev/null. The bytes are the device's own, from the system's entropy source
 * (a virtio-rng device, through its driver's pool): nothing here generates or stretches them,
 * so /dev/random and /dev/urandom, and GRND_RANDOM or not, are one source. picolibc's
 * arc4random seeds itself from getentropy, so it is seeded from the device too. */
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "internal.h"

/* POSIX.1-2024's GETENTROPY_MAX. */
#define ENTROPY_MAX 256

/* Fills all of `bytes` unless nonblocking, when it returns what was there (-1, EAGAIN, if
 * nothing). The system interface gives at least one byte per blocking call. */
static ssize_t random_bytes(void* bytes, size_t length, int nonblock) {
    size_t done = 0;
    while (done < length) {
        const long got = kaal_sys_random((char*)bytes + done, length - done, nonblock);
        if (got < 0) {
            return done > 0 ? (ssize_t)done : kaal_fail((int)-got);
        }
        done += (size_t)got;
        if (nonblock) {
            break;
        }
    }
    return (ssize_t)done;
}

ssize_t getrandom(void* bytes, size_t length, unsigned int flags) {
    if ((flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) != 0 ||
        (flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE)) {
        return kaal_fail(EINVAL); /* as Linux: an unknown flag, or both pools at once */
    }
    return random_bytes(bytes, length, (flags & GRND_NONBLOCK) != 0);
}

int getentropy(void* bytes, size_t length) {
    if (length > ENTROPY_MAX) {
        return kaal_fail(EINVAL); /* POSIX.1-2024: more than GETENTROPY_MAX */
    }
    return random_bytes(bytes, length, 0) < 0 ? -1 : 0;
}

/* The device files, as Linux's devtmpfs has them at /dev: they shadow whatever the volume
 * holds there. /dev/random and /dev/urandom need the entropy source (ENOENT without one, which
 * a first read finds out). */
static int device_kind(const char* absolute) {
    if (strcmp(absolute, "/dev/random") == 0 || strcmp(absolute, "/dev/urandom") == 0) {
        char probe;
        return kaal_sys_random(&probe, 0, 1) == -ENOSYS ? KAAL_FILE_FREE : KAAL_FILE_RANDOM;
    }
    return strcmp(absolute, "/dev/null") == 0 ? KAAL_FILE_NULL : KAAL_FILE_FREE;
}

int kaal_device_stat(const char* absolute, struct stat* out) {
    if (device_kind(absolute) == KAAL_FILE_FREE) {
        return 0;
    }
    *out = (struct stat){.st_mode = S_IFCHR | 0666,
                         .st_nlink = 1,
                         .st_blksize = 4096,
                         .st_ino = kaal_path_inode(absolute)};
    return 1;
}

int kaal_device_open(const char* absolute, int flags) {
    const int kind = device_kind(absolute);
    if (kind == KAAL_FILE_FREE) {
        return -2;
    }
    if ((flags & O_DIRECTORY) != 0) {
        return kaal_fail(ENOTDIR);
    }
    if ((flags & O_CREAT) != 0 && (flags & O_EXCL) != 0) {
        return kaal_fail(EEXIST);
    }
    struct kaal_open_file* file = kaal_file_new();
    if (file == NULL) {
        return -1;
    }
    file->kind = (enum kaal_file_kind)kind;
    file->status_flags = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK);
    file->inode = kaal_path_inode(absolute);
    const int fd = kaal_fd_install(file, 0, (flags & O_CLOEXEC) != 0 ? FD_CLOEXEC : 0);
    if (fd < 0) {
        file->kind = KAAL_FILE_FREE;
    }
    return fd;
}

ssize_t kaal_device_read(struct kaal_open_file* file, void* bytes, size_t length) {
    if (file->kind == KAAL_FILE_NULL) {
        return 0;
    }
    return random_bytes(bytes, length, (file->status_flags & O_NONBLOCK) != 0);
}
