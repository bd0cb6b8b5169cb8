/* Shared by the benchmark's C limit programs: clocks, errors, spawning with posix_spawn. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static inline int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

__attribute__((noreturn)) static inline void die(const char *what) {
    fprintf(stderr, "bench C: %s: %s\n", what, strerror(errno));
    exit(2);
}

static inline void check_spawn(int rc, const char *what) {
    if (rc != 0) {
        errno = rc;
        die(what);
    }
}

/* Reaps pid; exits if it did not exit 0 (a benchmark of a failing child measures nothing). */
static inline void reap_ok(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench C: child %d ended with status 0x%x\n", (int)pid, status);
        exit(2);
    }
}

static inline long long arg_ll(const char *s) {
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0) {
        fprintf(stderr, "bench C: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}
#endif
