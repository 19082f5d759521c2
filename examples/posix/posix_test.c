/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * posix_test: an ordinary C program that checks the POSIX layer, one call at a time, with the
 * results and errno values POSIX gives. It is written for any POSIX system: the host test runs
 * it on Linux too (tests/posix), so every expectation here is also Linux's.
 *
 * It works under $TEST_ROOT (default "/"), where it expects hello.txt holding
 * "hello from Linux\n" (scripts/make-fat-image.sh puts it there), and leaves the directory as it
 * found it but for posix-result.txt, the summary line. With $HEAP_LIMIT_TEST set it also uses up
 * the heap, which on seL4 is the size the system description gave it and on Linux would be all of
 * the machine's memory; with $FILL_VOLUME_TEST it fills the volume it works on (on seL4, a 48 MiB
 * FAT32 volume).
 *
 * One line per check, "ok" or "FAILED", then a count, then it exits through exit() with
 * status 0 if everything passed and 1 otherwise.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int checks;
static int failures;

static void check(int passed, const char* what) {
    ++checks;
    if (passed) {
        printf("ok %d - %s\n", checks, what);
    } else {
        ++failures;
        printf("FAILED %d - %s (errno %d: %s)\n", checks, what, errno, strerror(errno));
    }
}

/* A call that must fail with `expected`. */
static void check_error(long result, int expected, const char* what) {
    const int error = errno;
    ++checks;
    if (result == -1 && error == expected) {
        printf("ok %d - %s\n", checks, what);
    } else {
        ++failures;
        printf("FAILED %d - %s: returned %ld, errno %d, expected errno %d\n", checks, what, result,
               error, expected);
    }
}

static uint64_t ns(const struct timespec* t) {
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static void process(int argc, char** argv) {
    check(argc == 3 && strcmp(argv[1], "first") == 0 && strcmp(argv[2], "second argument") == 0,
          "argv holds the arguments");
    const char* greeting = getenv("GREETING");
    check(greeting != NULL && strcmp(greeting, "hello") == 0, "getenv finds the environment");
    check(getenv("NOT_SET") == NULL, "getenv of an unset name is NULL");
    check(getpid() > 1 && getppid() != getpid(), "getpid is the program's own");
    check(setenv("ADDED", "value", 0) == 0 && strcmp(getenv("ADDED"), "value") == 0,
          "setenv adds a name");
    check(setenv("GREETING", "other", 0) == 0 && strcmp(getenv("GREETING"), "hello") == 0,
          "setenv without overwrite keeps the value");
    check(unsetenv("ADDED") == 0 && getenv("ADDED") == NULL, "unsetenv");
}

static void clocks(void) {
    struct timespec a;
    struct timespec b;
    check(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "clock_gettime(CLOCK_MONOTONIC)");
    struct timespec real;
    check(clock_gettime(CLOCK_REALTIME, &real) == 0 && real.tv_sec > 1700000000,
          "CLOCK_REALTIME is the wall clock (after 2023)");
    struct timeval tv;
    check(gettimeofday(&tv, NULL) == 0 && tv.tv_sec >= real.tv_sec && tv.tv_usec < 1000000,
          "gettimeofday agrees");
    check(time(NULL) >= real.tv_sec, "time agrees");
    const struct timespec nap = {0, 20000000}; /* 20 ms */
    check(nanosleep(&nap, NULL) == 0, "nanosleep");
    clock_gettime(CLOCK_MONOTONIC, &b);
    check(ns(&b) - ns(&a) >= 20000000u, "nanosleep slept at least as long as asked");
    check(usleep(1000) == 0, "usleep");
    struct tm civil;
    char date[32];
    const time_t epoch_day = 86400 * 365;
    check(gmtime_r(&epoch_day, &civil) != NULL &&
              strftime(date, sizeof date, "%Y-%m-%d %H:%M", &civil) == 16 &&
              strcmp(date, "1971-01-01 00:00") == 0,
          "gmtime_r and strftime");
    const struct timespec bad = {0, 1000000000};
    check_error(nanosleep(&bad, NULL), EINVAL, "nanosleep of 10^9 ns is EINVAL");
    check_error(clock_gettime((clockid_t)12345, &a), EINVAL, "an unknown clock is EINVAL");
}

static void files(void) {
    int fd = open("posix-test.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
    check(fd >= 3, "open O_CREAT|O_EXCL makes a file");
    check(write(fd, "hello, seL4\n", 12) == 12, "write");
    check_error(open("posix-test.txt", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST,
                "O_EXCL on an existing file is EEXIST");
    check(lseek(fd, 0, SEEK_CUR) == 12, "lseek(SEEK_CUR) is the offset written to");
    check(lseek(fd, 7, SEEK_SET) == 7, "lseek(SEEK_SET)");
    char buffer[64] = {0};
    check(read(fd, buffer, sizeof buffer) == 5 && memcmp(buffer, "seL4\n", 5) == 0,
          "read from the offset to the end");
    check(read(fd, buffer, sizeof buffer) == 0, "read at the end returns 0");
    check(pwrite(fd, "SEL4", 4, 7) == 4, "pwrite");
    check(pread(fd, buffer, 4, 7) == 4 && memcmp(buffer, "SEL4", 4) == 0, "pread");
    check(lseek(fd, 0, SEEK_CUR) == 12, "pread and pwrite leave the offset alone");
    struct stat st;
    check(fstat(fd, &st) == 0 && st.st_size == 12 && S_ISREG(st.st_mode), "fstat");
    check(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5, "ftruncate");
    check(fsync(fd) == 0, "fsync");
    check_error(lseek(fd, -1, SEEK_SET), EINVAL, "lseek before the start is EINVAL");

    const int copy = dup(fd);
    check(copy > fd, "dup");
    lseek(fd, 1, SEEK_SET);
    check(lseek(copy, 0, SEEK_CUR) == 1, "a dup'ed descriptor shares the offset");
    check(dup2(fd, 20) == 20 && lseek(20, 0, SEEK_END) == 5 && lseek(fd, 0, SEEK_CUR) == 5,
          "dup2 to a chosen descriptor");
    check(fcntl(copy, F_GETFD) == 0 && fcntl(copy, F_SETFD, FD_CLOEXEC) == 0 &&
              fcntl(copy, F_GETFD) == FD_CLOEXEC && fcntl(fd, F_GETFD) == 0,
          "FD_CLOEXEC is per descriptor");
    check((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "F_GETFL gives the access mode");
    check(fcntl(fd, F_SETFL, O_APPEND) == 0 && (fcntl(copy, F_GETFL) & O_APPEND) != 0,
          "F_SETFL O_APPEND, seen through the dup");
    lseek(fd, 0, SEEK_SET);
    check(write(fd, "!", 1) == 1 && fstat(fd, &st) == 0 && st.st_size == 6,
          "O_APPEND writes at the end whatever the offset");
    close(copy);
    close(20);
    check(close(fd) == 0, "close");
    check_error(close(fd), EBADF, "close of a closed descriptor is EBADF");
    check_error(read(99, buffer, 1), EBADF, "read of a descriptor never opened is EBADF");
    check_error(write(-1, buffer, 1), EBADF, "write to -1 is EBADF");

    fd = open("posix-test.txt", O_RDONLY);
    check_error(write(fd, "x", 1), EBADF, "write to a read-only descriptor is EBADF");
    struct iovec parts[2] = {{buffer, 2}, {buffer + 10, 3}};
    check(readv(fd, parts, 2) == 5 && memcmp(buffer, "he", 2) == 0 &&
              memcmp(buffer + 10, "llo", 3) == 0,
          "readv fills each vector in turn");
    close(fd);
    fd = open("posix-test.txt", O_WRONLY | O_TRUNC);
    struct iovec out[2] = {{"two ", 4}, {"parts", 5}};
    check(writev(fd, out, 2) == 9 && fstat(fd, &st) == 0 && st.st_size == 9,
          "O_TRUNC, then writev");
    close(fd);

    FILE* f = fopen("posix-test.txt", "a+");
    check(f != NULL && fprintf(f, " and %d more\n", 3) == 12, "fopen(\"a+\") and fprintf");
    check(fseek(f, 0, SEEK_SET) == 0 && fgets(buffer, sizeof buffer, f) != NULL &&
              strcmp(buffer, "two parts and 3 more\n") == 0,
          "fgets reads back what stdio wrote");
    check(fclose(f) == 0, "fclose");

    FILE* linux_file = fopen("hello.txt", "r");
    check(linux_file != NULL && fgets(buffer, sizeof buffer, linux_file) != NULL &&
              strcmp(buffer, "hello from Linux\n") == 0,
          "a file Linux's mcopy wrote reads back");
    if (linux_file != NULL) {
        fclose(linux_file);
    }
    check_error(lseek(1, 0, SEEK_SET), ESPIPE, "lseek on the console is ESPIPE");
    if (getenv("CONSOLE_IS_TTY") != NULL) {
        check(isatty(1), "isatty knows the console");
        struct pollfd console = {0, POLLIN, 0};
        check(poll(&console, 1, 20) == 0 && console.revents == 0,
              "poll of the console with nothing typed times out");
        /* Nobody types during the test. */
        check(fcntl(0, F_SETFL, O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK on the console");
        check_error(read(0, buffer, sizeof buffer), EAGAIN,
                    "a non-blocking read with nothing typed is EAGAIN");
        fcntl(0, F_SETFL, 0);
    }
    check(!isatty(99) && errno == EBADF, "isatty of no descriptor is EBADF");
}

static void paths(void) {
    struct stat st;
    check(stat("posix-test.txt", &st) == 0 && st.st_size == 21, "stat");
    check(lstat("posix-test.txt", &st) == 0 && S_ISREG(st.st_mode), "lstat");
    check(access("posix-test.txt", R_OK | W_OK) == 0, "access");
    check_error(access("no-such-file", F_OK), ENOENT, "access of a missing file is ENOENT");
    check_error(stat("", &st), ENOENT, "stat(\"\") is ENOENT");
    check_error(open("no-such-dir/file", O_RDONLY), ENOENT, "a missing directory is ENOENT");
    check_error(open("posix-test.txt/x", O_RDONLY), ENOTDIR, "a file as a directory is ENOTDIR");

    check(mkdir("posix-dir", 0755) == 0 && stat("posix-dir", &st) == 0 && S_ISDIR(st.st_mode),
          "mkdir");
    check_error(mkdir("posix-dir", 0755), EEXIST, "mkdir of an existing name is EEXIST");
    check(rename("posix-test.txt", "posix-dir/moved.txt") == 0, "rename into a directory");
    check_error(stat("posix-test.txt", &st), ENOENT, "the old name is gone");
    char cwd[256];
    check(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    check(chdir("posix-dir") == 0 && stat("moved.txt", &st) == 0 && st.st_size == 21,
          "chdir, then a relative path");
    char inside[256];
    check(getcwd(inside, sizeof inside) != NULL && strlen(inside) > strlen(cwd) &&
              strcmp(inside + strlen(inside) - 9, "posix-dir") == 0,
          "getcwd follows chdir");
    check_error(getcwd(inside, 2) == NULL ? -1 : 0, ERANGE, "getcwd into too small a buffer");
    check(stat("../posix-dir/./moved.txt", &st) == 0, "'..' and '.' resolve");
    check_error(chdir("moved.txt"), ENOTDIR, "chdir to a file is ENOTDIR");
    check(chdir("..") == 0, "chdir back up");

    check(mkdir("posix-dir/sub", 0755) == 0, "mkdir a subdirectory");
    DIR* dir = opendir("posix-dir");
    int names = 0;
    int saw_file = 0;
    int saw_sub = 0;
    struct dirent* entry;
    while (dir != NULL && (entry = readdir(dir)) != NULL) {
        ++names;
        saw_file |= strcmp(entry->d_name, "moved.txt") == 0;
        saw_sub |= strcmp(entry->d_name, "sub") == 0;
    }
    check(dir != NULL && saw_file && saw_sub, "opendir and readdir list a directory");
    rewinddir(dir);
    int again = 0;
    while (dir != NULL && readdir(dir) != NULL) {
        ++again;
    }
    check(again == names, "rewinddir starts the listing again");
    check(dir != NULL && closedir(dir) == 0, "closedir");
    check_error(opendir("posix-dir/moved.txt") == NULL ? -1 : 0, ENOTDIR,
                "opendir of a file is ENOTDIR");

    check_error(rmdir("posix-dir"), ENOTEMPTY, "rmdir of a full directory is ENOTEMPTY");
    check_error(unlink("posix-dir/sub"), EISDIR, "unlink of a directory is EISDIR");
    check_error(open("posix-dir", O_WRONLY), EISDIR, "a directory opened to write is EISDIR");
    char long_name[300];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    check_error(open(long_name, O_RDWR | O_CREAT, 0644), ENAMETOOLONG,
                "a 299-byte name is ENAMETOOLONG");
    check(unlink("posix-dir/moved.txt") == 0 && rmdir("posix-dir/sub") == 0 &&
              rmdir("posix-dir") == 0,
          "unlink and rmdir clean up");
    check_error(unlink("posix-dir/moved.txt"), ENOENT, "unlink of a missing file is ENOENT");
}

static void descriptors(void) {
    int opened[64];
    int count = 0;
    int fd;
    while (count < 64 && (fd = open("hello.txt", O_RDONLY)) >= 0) {
        opened[count++] = fd;
    }
    check(count < 64 && errno == EMFILE, "opening without closing ends in EMFILE");
    while (count > 0) {
        close(opened[--count]);
    }
    fd = open("hello.txt", O_RDONLY);
    check(fd >= 0, "closing them frees the descriptors");
    close(fd);
}

static void heap(void) {
    if (getenv("HEAP_LIMIT_TEST") == NULL) {
        return;
    }
    void* blocks[4096];
    int count = 0;
    errno = 0;
    while (count < 4096 && (blocks[count] = malloc(64 * 1024)) != NULL) {
        memset(blocks[count], count, 64 * 1024);
        ++count;
    }
    check(count > 0 && count < 4096 && errno == ENOMEM, "malloc until ENOMEM");
    while (count > 0) {
        free(blocks[--count]);
    }
    void* again = malloc(64 * 1024);
    check(again != NULL, "free gives the memory back");
    free(again);
}

static void pipes_and_poll(void) {
    int ends[2];
    check(pipe(ends) == 0, "pipe");
    char buffer[64];
    check(write(ends[1], "through a pipe", 14) == 14, "write into a pipe");
    struct pollfd fds[3] = {{ends[0], POLLIN, 0}, {ends[1], POLLOUT, 0}, {99, POLLIN, 0}};
    check(poll(fds, 3, 0) == 3 && fds[0].revents == POLLIN && fds[1].revents == POLLOUT &&
              fds[2].revents == POLLNVAL,
          "poll: a pipe with data, a pipe with room, a closed descriptor");
    check(read(ends[0], buffer, sizeof buffer) == 14 && memcmp(buffer, "through a pipe", 14) == 0,
          "read from a pipe");
    fds[0].revents = 0;
    struct timespec before;
    struct timespec after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    check(poll(fds, 1, 50) == 0 && fds[0].revents == 0, "poll of an empty pipe times out");
    clock_gettime(CLOCK_MONOTONIC, &after);
    check(ns(&after) - ns(&before) >= 50000000u, "poll waited its 50 ms");
    fd_set readable;
    fd_set writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(ends[0], &readable);
    FD_SET(ends[1], &writable);
    struct timeval no_wait = {0, 0};
    check(select(ends[1] + 1, &readable, &writable, NULL, &no_wait) == 1 &&
              !FD_ISSET(ends[0], &readable) && FD_ISSET(ends[1], &writable),
          "select: the write end is ready, the empty read end is not");
    check(fcntl(ends[0], F_SETFL, O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK on a pipe");
    check_error(read(ends[0], buffer, sizeof buffer), EAGAIN,
                "a non-blocking read of an empty pipe is EAGAIN");
    struct stat st;
    check(fstat(ends[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat says FIFO");
    close(ends[1]);
    fds[0].revents = 0;
    check(poll(fds, 1, 0) == 1 && (fds[0].revents & POLLHUP) != 0,
          "poll: POLLHUP once the write end is closed");
    check(read(ends[0], buffer, sizeof buffer) == 0, "read at a pipe's end of file returns 0");
    close(ends[0]);

    check(pipe(ends) == 0, "a second pipe");
    close(ends[0]);
    signal(SIGPIPE, SIG_IGN);
    check_error(write(ends[1], "x", 1), EPIPE, "a write with no reader left is EPIPE");
    close(ends[1]);
    if (getenv("PIPES_WOULD_DEADLOCK") != NULL) {
        /* KaaL's answer where Linux would wait for a thread that does not exist (docs/posix.md):
         * a blocking read of an empty pipe, a blocking write to a full one. */
        check(pipe(ends) == 0, "a third pipe");
        check_error(read(ends[0], buffer, 1), EDEADLK, "a read no writer could satisfy is EDEADLK");
        static char fill[4096];
        check(write(ends[1], fill, sizeof fill) == (ssize_t)sizeof fill, "fill the pipe");
        check_error(write(ends[1], "x", 1), EDEADLK, "a write no reader could drain is EDEADLK");
        close(ends[0]);
        close(ends[1]);
    }
    struct pollfd file = {open("hello.txt", O_RDONLY), POLLIN | POLLOUT, 0};
    check(poll(&file, 1, -1) == 1 && file.revents == (POLLIN | POLLOUT),
          "a regular file always polls ready");
    close(file.fd);
}

/* Sockets, as far as one program can check them alone: names and addresses, the calls a
 * server makes before its first client, and their errors. Data through connections is
 * tests/posix/socket_echo_boot.py's, with the host as the peer. */
static void sockets(void) {
    struct addrinfo hints = {
        .ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo* found = NULL;
    check(getaddrinfo(NULL, "7", &hints, &found) == 0 && found->ai_family == AF_INET &&
              found->ai_socktype == SOCK_STREAM &&
              ((struct sockaddr_in*)found->ai_addr)->sin_port == htons(7) &&
              ((struct sockaddr_in*)found->ai_addr)->sin_addr.s_addr == htonl(INADDR_ANY),
          "getaddrinfo: the wildcard address to serve port 7 on");
    freeaddrinfo(found);
    hints = (struct addrinfo){.ai_family = AF_INET};
    check(getaddrinfo("10.0.2.15", "80", &hints, &found) == 0 &&
              ((struct sockaddr_in*)found->ai_addr)->sin_addr.s_addr == inet_addr("10.0.2.15") &&
              ((struct sockaddr_in*)found->ai_addr)->sin_port == htons(80),
          "getaddrinfo of a numeric address and port");
    freeaddrinfo(found);
    check(getaddrinfo("localhost", NULL, &hints, &found) == 0 &&
              ((struct sockaddr_in*)found->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "getaddrinfo of localhost is 127.0.0.1");
    freeaddrinfo(found);
    hints.ai_flags = AI_NUMERICHOST;
    check(getaddrinfo("kaal.invalid", NULL, &hints, &found) == EAI_NONAME,
          "getaddrinfo of a name with AI_NUMERICHOST is EAI_NONAME");
    hints.ai_flags = AI_NUMERICSERV;
    check(getaddrinfo(NULL, "echo-service", &hints, &found) == EAI_NONAME,
          "getaddrinfo of a service name with AI_NUMERICSERV is EAI_NONAME");
    unsigned char bytes[4];
    char text[INET_ADDRSTRLEN];
    check(inet_pton(AF_INET, "10.0.2.15", bytes) == 1 && bytes[0] == 10 && bytes[3] == 15 &&
              inet_pton(AF_INET, "10.0.2", bytes) == 0 &&
              inet_pton(AF_INET, "10.0.2.256", bytes) == 0 &&
              strcmp(inet_ntop(AF_INET, "\x7f\x00\x00\x01", text, sizeof text), "127.0.0.1") == 0,
          "inet_pton and inet_ntop");
    check_error(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT,
                "a stream socket over UDP is EPROTONOSUPPORT");

    const int server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    check(server >= 0 && (fcntl(server, F_GETFL) & O_NONBLOCK) != 0,
          "socket: TCP, SOCK_NONBLOCK is its O_NONBLOCK");
    struct stat st;
    check(fstat(server, &st) == 0 && S_ISSOCK(st.st_mode), "fstat says socket");
    const int on = 1;
    int value = 0;
    socklen_t length = sizeof value;
    check(setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 &&
              getsockopt(server, SOL_SOCKET, SO_REUSEADDR, &value, &length) == 0 && value != 0,
          "SO_REUSEADDR set and read back");
    check(getsockopt(server, SOL_SOCKET, SO_TYPE, &value, &length) == 0 && value == SOCK_STREAM,
          "SO_TYPE");
    check(setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0 &&
              getsockopt(server, IPPROTO_TCP, TCP_NODELAY, &value, &length) == 0 && value != 0,
          "TCP_NODELAY set and read back");
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    struct sockaddr_in named;
    socklen_t named_length = sizeof named;
    check(bind(server, (struct sockaddr*)&any, sizeof any) == 0 &&
              getsockname(server, (struct sockaddr*)&named, &named_length) == 0 &&
              named.sin_port != 0,
          "bind to port 0 takes a free port, which getsockname names");
    check_error(bind(server, (struct sockaddr*)&any, sizeof any), EINVAL,
                "binding a bound socket again is EINVAL");
    check(listen(server, 4) == 0, "listen");
    check_error(accept(server, NULL, NULL), EAGAIN,
                "accept with nobody connecting, non-blocking, is EAGAIN");
    char buffer[16];
    check_error(recv(server, buffer, sizeof buffer, 0), ENOTCONN,
                "recv on a listening socket is ENOTCONN");
    struct pollfd listener = {server, POLLIN, 0};
    struct timespec before;
    struct timespec after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    check(poll(&listener, 1, 50) == 0, "poll of a listener nobody connects to times out");
    clock_gettime(CLOCK_MONOTONIC, &after);
    check(ns(&after) - ns(&before) >= 50000000u, "poll waited its 50 ms");
    const int second = socket(AF_INET, SOCK_STREAM, 0);
    check_error(bind(second, (struct sockaddr*)&named, sizeof named), EADDRINUSE,
                "a second bind to a listener's port is EADDRINUSE");
    check_error(getpeername(second, (struct sockaddr*)&named, &named_length), ENOTCONN,
                "getpeername of an unconnected socket is ENOTCONN");
    check_error(shutdown(second, SHUT_WR), ENOTCONN, "shutdown of an unconnected socket");
    const int blocking = fcntl(server, F_SETFL, 0);
    const struct timeval patience = {0, 50000};
    clock_gettime(CLOCK_MONOTONIC, &before);
    check(blocking == 0 &&
              setsockopt(server, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience) == 0,
          "SO_RCVTIMEO of 50 ms on a blocking listener");
    check_error(accept(server, NULL, NULL), EAGAIN, "accept gives up after SO_RCVTIMEO: EAGAIN");
    clock_gettime(CLOCK_MONOTONIC, &after);
    check(ns(&after) - ns(&before) >= 50000000u, "accept waited its 50 ms");
    close(second);
    check(close(server) == 0, "close a listener");

    const int udp = socket(AF_INET, SOCK_DGRAM, 0);
    check(udp >= 0 && bind(udp, (struct sockaddr*)&any, sizeof any) == 0, "a UDP socket, bound");
    check_error(send(udp, "x", 1, 0), EDESTADDRREQ,
                "send on an unconnected UDP socket is EDESTADDRREQ");
    check_error(recv(udp, buffer, sizeof buffer, MSG_DONTWAIT), EAGAIN,
                "recv with MSG_DONTWAIT and nothing come is EAGAIN");
    struct pollfd datagrams = {udp, POLLIN | POLLOUT, 0};
    check(poll(&datagrams, 1, 0) == 1 && datagrams.revents == POLLOUT,
          "poll: a UDP socket is writable, and not readable");
    close(udp);
    const int file = open("hello.txt", O_RDONLY);
    check_error(send(file, "x", 1, 0), ENOTSOCK, "send on a file is ENOTSOCK");
    close(file);
    check_error(listen(file, 1), EBADF, "listen on a closed descriptor is EBADF");
}

/* Random bytes: getrandom, getentropy, /dev/urandom (on seL4 a virtio-rng device's), and the
 * null device. */
static void randomness(void) {
    unsigned char a[32];
    unsigned char b[32];
    check(getrandom(a, sizeof a, 0) == (ssize_t)sizeof a &&
              getrandom(b, sizeof b, 0) == (ssize_t)sizeof b && memcmp(a, b, sizeof a) != 0,
          "getrandom: two 32-byte draws differ");
    const ssize_t quick = getrandom(a, sizeof a, GRND_NONBLOCK);
    check(quick > 0 || (quick == -1 && errno == EAGAIN),
          "getrandom with GRND_NONBLOCK gives bytes or EAGAIN");
    check_error(getrandom(a, sizeof a, 0x100), EINVAL, "getrandom with an unknown flag is EINVAL");
    static unsigned char key[256];
    check(getentropy(key, sizeof key) == 0, "getentropy of 256 bytes");
    check(arc4random() != arc4random() || arc4random() != arc4random(),
          "arc4random, seeded from getentropy");
    const int urandom = open("/dev/urandom", O_RDONLY);
    static unsigned char block[4096];
    int seen[256] = {0};
    int distinct = 0;
    check(urandom >= 0 && read(urandom, block, sizeof block) == (ssize_t)sizeof block,
          "read 4 KiB from /dev/urandom");
    for (size_t i = 0; i < sizeof block; ++i) {
        distinct += seen[block[i]]++ == 0;
    }
    /* 4096 uniform bytes miss more than 56 of the 256 values with a chance far below 10^-100. */
    check(distinct >= 200, "they take at least 200 of the 256 byte values");
    struct stat st;
    check(fstat(urandom, &st) == 0 && S_ISCHR(st.st_mode) && stat("/dev/urandom", &st) == 0 &&
              S_ISCHR(st.st_mode),
          "fstat and stat say /dev/urandom is a character device");
    close(urandom);
    const int null = open("/dev/null", O_RDWR);
    check(null >= 0 && write(null, "gone", 4) == 4 && read(null, block, 16) == 0,
          "/dev/null takes writes and reads empty");
    close(null);
}

/* The rest of what docs/posix.md calls supported, each at least once. */
static void the_rest(void) {
    int fd = creat("posix-creat.txt", 0644);
    check(fd >= 0 && write(fd, "made by creat", 13) == 13 && fdatasync(fd) == 0 && close(fd) == 0,
          "creat and fdatasync");
    FILE* f = fopen("posix-creat.txt", "r+");
    char buffer[32] = {0};
    check(f != NULL && fseek(f, 0, SEEK_END) == 0 && ftell(f) == 13 &&
              fwrite(" again", 1, 6, f) == 6 && fflush(f) == 0 && fseek(f, 8, SEEK_SET) == 0 &&
              fread(buffer, 1, 11, f) == 11 && memcmp(buffer, "creat again", 11) == 0,
          "fseek, ftell, fwrite, fflush, fread");
    if (f != NULL) {
        fclose(f);
    }
    check(chmod("posix-creat.txt", 0644) == 0 && access("posix-creat.txt", W_OK) == 0,
          "chmod to the mode the file has");
    fd = open("posix-creat.txt", O_RDONLY);
    check(fchmod(fd, 0644) == 0 && fchown(fd, (uid_t)-1, (gid_t)-1) == 0, "fchmod and fchown");
    close(fd);
    check_error(readlink("posix-creat.txt", buffer, sizeof buffer), EINVAL,
                "readlink of a file that is not a link is EINVAL");
    check(remove("posix-creat.txt") == 0 && access("posix-creat.txt", F_OK) == -1,
          "remove (stdio)");

    int* zeros = calloc(1000, sizeof *zeros);
    int all_zero = zeros != NULL;
    for (int i = 0; zeros != NULL && i < 1000; ++i) {
        all_zero = all_zero && zeros[i] == 0;
    }
    check(all_zero, "calloc gives zeroed memory");
    int* grown = zeros == NULL ? NULL : realloc(zeros, 100000 * sizeof *zeros);
    check(grown != NULL, "realloc grows a block");
    free(grown != NULL ? grown : zeros);

    const time_t moment = 1796310245; /* 2026-12-03 15:04:05 UTC */
    struct tm civil;
    check(localtime_r(&moment, &civil) != NULL && mktime(&civil) == moment &&
              difftime(moment, moment - 6) == 6.0,
          "localtime_r, mktime, difftime (local time is UTC)");
    struct tms usage;
    check(clock() != (clock_t)-1 && times(&usage) != (clock_t)-1, "clock and times");
    struct rusage self;
    check(getrusage(RUSAGE_SELF, &self) == 0 && self.ru_utime.tv_usec < 1000000, "getrusage");
    check_error(getrusage(12345, &self), EINVAL, "getrusage of no one is EINVAL");
    check(getuid() == geteuid() && getgid() == getegid(), "one user and group");
    const struct passwd* user = getpwuid(getuid());
    check(user != NULL && user->pw_dir != NULL && getpwnam(user->pw_name) != NULL,
          "getpwuid and getpwnam");
    struct timespec before;
    struct timespec after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    check(sleep(1) == 0, "sleep");
    clock_gettime(CLOCK_MONOTONIC, &after);
    check(ns(&after) - ns(&before) >= 1000000000u, "sleep slept a second");
    DIR* root = opendir(".");
    check(root != NULL && dirfd(root) >= 0, "dirfd");
    if (root != NULL) {
        closedir(root);
    }
    root = fdopendir(open(".", O_RDONLY | O_DIRECTORY));
    check(root != NULL && readdir(root) != NULL && closedir(root) == 0, "fdopendir");
    struct timespec resolution;
    check(clock_getres(CLOCK_MONOTONIC, &resolution) == 0 && resolution.tv_sec == 0 &&
              resolution.tv_nsec > 0,
          "clock_getres");
    if (getenv("FAT_VOLUME") != NULL) {
        /* What Linux's vfat answers too; ext4 or tmpfs would say otherwise. */
        check_error(symlink("hello.txt", "posix-link"), EPERM, "symlink on FAT is EPERM");
        check_error(chmod("hello.txt", 0444), EPERM,
                    "a mode FAT cannot store is EPERM (the read-only attribute cannot change)");
    }
}

/* Fills the volume: writes stop short, then fail with ENOSPC; what was there still reads, and
 * once the filler is gone a new file can be written again. */
static void full_volume(void) {
    if (getenv("FILL_VOLUME_TEST") == NULL) {
        return;
    }
    static char chunk[256 * 1024];
    memset(chunk, 'f', sizeof chunk);
    const int fd = open("filler.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    long long total = 0;
    ssize_t n = 0;
    while (fd >= 0 && total < 1024LL * 1024 * 1024 && (n = write(fd, chunk, sizeof chunk)) > 0) {
        total += n;
    }
    check(fd >= 0 && n == -1 && errno == ENOSPC && total > 0, "a full volume is ENOSPC");
    printf("filled the volume with %lld bytes\n", total);
    close(fd);
    char buffer[32] = {0};
    FILE* f = fopen("hello.txt", "r");
    check(f != NULL && fgets(buffer, sizeof buffer, f) != NULL &&
              strcmp(buffer, "hello from Linux\n") == 0,
          "a full volume leaves what was on it whole");
    if (f != NULL) {
        fclose(f);
    }
    check(unlink("filler.bin") == 0, "unlink the filler");
    const int again = open("after-full.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    check(again >= 0 && write(again, "room again\n", 11) == 11 && close(again) == 0 &&
              unlink("after-full.txt") == 0,
          "after the unlink a new file can be written");
}

static void at_exit(void) {
    printf("atexit handler ran\n");
}

int main(int argc, char** argv) {
    const char* root = getenv("TEST_ROOT");
    if (chdir(root != NULL ? root : "/") != 0) {
        printf("FAILED: cannot chdir to the test root\n");
        return 2;
    }
    process(argc, argv);
    clocks();
    files();
    paths();
    descriptors();
    pipes_and_poll();
    sockets();
    randomness();
    the_rest();
    heap();
    full_volume();
    printf("%d of %d checks passed\n", checks - failures, checks);
    /* For whoever reads the volume afterwards: the boot test does, on Linux, with mtype. */
    FILE* result = fopen("posix-result.txt", "w");
    if (result == NULL ||
        fprintf(result, "%d of %d checks passed\n", checks - failures, checks) < 0 ||
        fflush(result) != 0 || fsync(fileno(result)) != 0 || fclose(result) != 0) {
        printf("FAILED: cannot write posix-result.txt (errno %d)\n", errno);
        ++failures;
    }
    atexit(at_exit);
    exit(failures == 0 ? 0 : 1);
}
