/*
 * The spawn limit on this machine (scenarios 1, 2 and 4): glibc posix_spawn, which on
 * glibc >= 2.24 is clone(CLONE_VM|CLONE_VFORK) + execve - the same mechanism forkexec uses,
 * with no JVM, no JNI and no second thread around it.
 *
 *   spawnloop s1 N      /bin/true with fds 0, 1, 2 closed, N times: prints ns per spawn+reap
 *   spawnloop s2 N      /bin/true with three pipes, stdout/stderr read to EOF: ns per spawn
 *   spawnloop s4 N STAMP  STAMP writes its CLOCK_MONOTONIC ns and exits; we read it, reap, and
 *                         print one line per child: ns from that stamp to waitpid returning
 *
 * Each mode spawns N/10 (at least 5) children first as a warm-up (page cache, dentries, allocator).
 */
#include "common.h"

static char *true_argv[] = {"/bin/true", NULL};

static void s1_once(void) {
    posix_spawn_file_actions_t fa;
    pid_t pid;
    posix_spawn_file_actions_init(&fa);
    for (int fd = 0; fd <= 2; fd++) posix_spawn_file_actions_addclose(&fa, fd);
    check_spawn(posix_spawn(&pid, "/bin/true", &fa, NULL, true_argv, environ), "posix_spawn /bin/true");
    posix_spawn_file_actions_destroy(&fa);
    reap_ok(pid);
}

static void drain(int fd) {
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0) return;
        if (n < 0 && errno != EINTR) die("read");
    }
}

static void s2_once(void) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) die("pipe2");
    posix_spawn_file_actions_t fa;
    pid_t pid;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    check_spawn(posix_spawn(&pid, "/bin/true", &fa, NULL, true_argv, environ), "posix_spawn /bin/true");
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    close(in[1]); /* nothing to say to /bin/true */
    drain(out[0]);
    drain(err[0]);
    close(out[0]);
    close(err[0]);
    reap_ok(pid);
}

static int64_t s4_once(const char *stamp) {
    int out[2];
    if (pipe2(out, O_CLOEXEC)) die("pipe2");
    posix_spawn_file_actions_t fa;
    pid_t pid;
    char *argv[] = {(char *)stamp, NULL};
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    check_spawn(posix_spawn(&pid, stamp, &fa, NULL, argv, environ), "posix_spawn stamp");
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    char buf[64];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(out[0], buf + len, sizeof buf - 1 - len);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            die("read");
        }
        len += (size_t)n;
    }
    close(out[0]);
    reap_ok(pid);
    int64_t end = now_ns();
    buf[len] = '\0';
    return end - strtoll(buf, NULL, 10);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: spawnloop s1|s2 N | spawnloop s4 N STAMP\n");
        return 2;
    }
    const char *mode = argv[1];
    long long n = arg_ll(argv[2]);
    long long warm = n / 10 < 5 ? 5 : n / 10;
    if (strcmp(mode, "s4") == 0) {
        if (argc < 4) die("s4 needs the stamp program");
        for (long long i = 0; i < warm; i++) s4_once(argv[3]);
        for (long long i = 0; i < n; i++) printf("%lld\n", (long long)s4_once(argv[3]));
        return 0;
    }
    void (*once)(void) = strcmp(mode, "s1") == 0 ? s1_once : strcmp(mode, "s2") == 0 ? s2_once : NULL;
    if (once == NULL) {
        fprintf(stderr, "spawnloop: unknown mode %s\n", mode);
        return 2;
    }
    for (long long i = 0; i < warm; i++) once();
    int64_t start = now_ns();
    for (long long i = 0; i < n; i++) once();
    printf("%lld\n", (long long)((now_ns() - start) / (n > 0 ? n : 1)));
    return 0;
}
