/* SPDX-License-Identifier: BSD-2-Clause */
/* Users and groups: a program runs as one user, uid 0 and gid 0, whose home is $HOME (or "/").
 * FAT records no owners, so there is no one else to be. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

uid_t getuid(void) {
    return 0;
}

uid_t geteuid(void) {
    return 0;
}

gid_t getgid(void) {
    return 0;
}

gid_t getegid(void) {
    return 0;
}

static struct passwd* the_user(void) {
    static char name[] = "user";
    static char none[] = "";
    static char shell[] = "/";
    static struct passwd entry;
    const char* home = getenv("HOME");
    entry = (struct passwd){
        .pw_name = name,
        .pw_passwd = none,
        .pw_comment = none,
        .pw_gecos = none,
        .pw_dir = home != NULL ? (char*)home : shell,
        .pw_shell = shell,
    };
    return &entry;
}

/* POSIX getpwuid/getpwnam: NULL without changing errno when there is no such user. */
struct passwd* getpwuid(uid_t uid) {
    return uid == 0 ? the_user() : NULL;
}

struct passwd* getpwnam(const char* name) {
    return strcmp(name, "user") == 0 ? the_user() : NULL;
}
