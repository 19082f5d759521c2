/* SPDX-License-Identifier: BSD-2-Clause */
/* The system interface's numbers are picolibc's: checked here, where both are in scope, so the
 * C++ side can produce errno values without picolibc's headers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include <kaal/posix/system_interface.h>

#define SAME(kaal, picolibc) _Static_assert((kaal) == (picolibc), #kaal " is not " #picolibc)

SAME(KAAL_EPERM, EPERM);
SAME(KAAL_ENOENT, ENOENT);
SAME(KAAL_EIO, EIO);
SAME(KAAL_EBADF, EBADF);
SAME(KAAL_EAGAIN, EAGAIN);
SAME(KAAL_ENOMEM, ENOMEM);
SAME(KAAL_EACCES, EACCES);
SAME(KAAL_EFAULT, EFAULT);
SAME(KAAL_EBUSY, EBUSY);
SAME(KAAL_EEXIST, EEXIST);
SAME(KAAL_EXDEV, EXDEV);
SAME(KAAL_ENOTDIR, ENOTDIR);
SAME(KAAL_EISDIR, EISDIR);
SAME(KAAL_EINVAL, EINVAL);
SAME(KAAL_EMFILE, EMFILE);
SAME(KAAL_ENOSPC, ENOSPC);
SAME(KAAL_ESPIPE, ESPIPE);
SAME(KAAL_EROFS, EROFS);
SAME(KAAL_ENOSYS, ENOSYS);
SAME(KAAL_ENOTEMPTY, ENOTEMPTY);
SAME(KAAL_ENAMETOOLONG, ENAMETOOLONG);
/* kaal_sys_seek's whence */
SAME(0, SEEK_SET);
SAME(1, SEEK_CUR);
SAME(2, SEEK_END);
