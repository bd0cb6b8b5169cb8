/*
 * Scenario 12's meter: runs a command as its only child, waits for it and writes what the whole
 * process tree cost to OUT, as /usr/bin/time does but in one machine-readable line:
 *
 *   rusage OUT PROG [ARGS...]   ->  OUT: "WALL_NS USER_US SYS_US MAXRSS_KIB STATUS\n"
 *
 * WALL_NS runs from just before the spawn to wait4 returning, so a JVM's start and exit are in it.
 * USER_US and SYS_US are wait4's rusage of the child: its own CPU plus that of every descendant it
 * (or they) waited for, i.e. the whole tree of jobs. MAXRSS_KIB is the largest resident set of any
 * one process in that tree (for a job runner: the runner itself). STATUS is the exit code, or
 * 128 + the signal. stdin, stdout and stderr are the child's; this program exits 0 once OUT is
 * written (the caller checks STATUS), 2 on its own errors.
 */
#include "common.h"
#include <sys/resource.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: rusage OUT PROG [ARGS...]\n");
        return 2;
    }
    int64_t t0 = now_ns();
    pid_t pid;
    check_spawn(posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ), argv[2]);
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) die("wait4");
    int64_t wall = now_ns() - t0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *f = fopen(argv[1], "w");
    if (f == NULL) die(argv[1]);
    fprintf(f, "%lld %lld %lld %ld %d\n", (long long)wall,
            (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
            (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec, ru.ru_maxrss, code);
    if (fclose(f) != 0) die(argv[1]);
    return 0;
}
