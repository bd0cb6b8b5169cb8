/*
 * fd_probe.c - a child for the JUnit tests: prints facts about itself.
 *
 *   fd_probe [--out=N] COMMAND [ARGS...]
 *
 * Output goes to fd 1, or to fd N with --out=N (for maps where fd 1 is closed).
 *
 *   fds     one line per open fd (the /proc/self/fd directory's own fd skipped):
 *           "<fd> <st_dev> <st_ino> <cloexec 0|1> <readlink target>"
 *   modes   one line per open fd: "<fd> <r|w|rw>" (the access mode, F_GETFL)
 *   ids     "pid=.. sid=.. pgid=.. uid=.. euid=.. suid=.. gid=.. egid=.. sgid=.. groups=a,b cwd=.."
 *   status  the SigBlk and SigIgn lines of /proc/self/status
 *   process "umask=0022 nice=0 pdeathsig=0 nonewprivs=0 cgroup=/x" then one "rlimit.NAME=SOFT:HARD"
 *           line per limit (-1 for unlimited)
 *   args    each argument after COMMAND, hex-encoded, one per line (an empty one is an empty line)
 *   argv0   argv[0], hex-encoded
 *   env     each environ entry on its own line
 *   burn MS MIB  uses MS ms of CPU and touches MIB MiB of memory, then prints "burnt"
 *   count   prints nothing; exits with the number of open fds (for a child with no fd to print on)
 *   exit N  exits with status N without printing
 *
 * Exit status 0, or 2 for a usage error, 3 when something could not be read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static FILE *out;

static void hex_line(const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) fprintf(out, "%02x", *p);
    fputc('\n', out);
}

/* The fds of the /proc/self/fd listing, without the listing's own fd. */
static int list_fds(int *fds, int cap) {
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) return -1;
    int self = dirfd(d), n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        int fd = atoi(e->d_name);
        if (fd == self || n == cap) continue;
        fds[n++] = fd;
    }
    closedir(d);
    return n;
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int print_fds(int with_modes) {
    int fds[4096];
    int n = list_fds(fds, 4096);
    if (n < 0) return 3;
    qsort(fds, (size_t)n, sizeof fds[0], cmp_int);
    for (int i = 0; i < n; i++) {
        int fd = fds[i];
        if (with_modes) {
            int fl = fcntl(fd, F_GETFL);
            if (fl < 0) return 3;
            int acc = fl & O_ACCMODE;
            fprintf(out, "%d %s\n", fd, acc == O_RDONLY ? "r" : acc == O_WRONLY ? "w" : "rw");
            continue;
        }
        struct stat st;
        char path[64], target[PATH_MAX + 1];
        if (fstat(fd, &st) < 0) return 3;
        int fdflags = fcntl(fd, F_GETFD);
        if (fdflags < 0) return 3;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t len = readlink(path, target, PATH_MAX);
        if (len < 0) return 3;
        target[len] = '\0';
        fprintf(out, "%d %llu %llu %d %s\n", fd, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                (fdflags & FD_CLOEXEC) ? 1 : 0, target);
    }
    return 0;
}

static int print_ids(void) {
    uid_t r, e, s;
    gid_t gr, ge, gs;
    if (getresuid(&r, &e, &s) < 0 || getresgid(&gr, &ge, &gs) < 0) return 3;
    gid_t groups[NGROUPS_MAX];
    int ng = getgroups(NGROUPS_MAX, groups);
    if (ng < 0) return 3;
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL) return 3;
    fprintf(out, "pid=%ld sid=%ld pgid=%ld uid=%lu euid=%lu suid=%lu gid=%lu egid=%lu sgid=%lu groups=", (long)getpid(),
            (long)getsid(0), (long)getpgrp(), (unsigned long)r, (unsigned long)e, (unsigned long)s, (unsigned long)gr,
            (unsigned long)ge, (unsigned long)gs);
    for (int i = 0; i < ng; i++) fprintf(out, "%s%lu", i ? "," : "", (unsigned long)groups[i]);
    fprintf(out, " cwd=%s\n", cwd);
    return 0;
}

static int print_process(void) {
    mode_t mask = umask(0);
    umask(mask);
    int pdeathsig = 0;
    prctl(PR_GET_PDEATHSIG, &pdeathsig, 0, 0, 0);
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    char cgroup[512] = "";
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f == NULL) return 3;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "0::", 3) == 0) snprintf(cgroup, sizeof cgroup, "%.*s", (int)strcspn(line + 3, "\n"), line + 3);
    fclose(f);
    fprintf(out, "umask=%04o nice=%d pdeathsig=%d nonewprivs=%d cgroup=%s\n", (unsigned)mask, nice, pdeathsig,
            prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), cgroup);
    static const struct {
        const char *name;
        int resource;
    } limits[] = {{"AS", RLIMIT_AS},           {"CORE", RLIMIT_CORE},   {"CPU", RLIMIT_CPU},
                  {"DATA", RLIMIT_DATA},       {"FSIZE", RLIMIT_FSIZE}, {"MEMLOCK", RLIMIT_MEMLOCK},
                  {"NOFILE", RLIMIT_NOFILE},   {"NPROC", RLIMIT_NPROC}, {"STACK", RLIMIT_STACK}};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        struct rlimit r;
        if (getrlimit(limits[i].resource, &r) != 0) return 3;
        fprintf(out, "rlimit.%s=%lld:%lld\n", limits[i].name,
                r.rlim_cur == RLIM_INFINITY ? -1LL : (long long)r.rlim_cur,
                r.rlim_max == RLIM_INFINITY ? -1LL : (long long)r.rlim_max);
    }
    return 0;
}

static int print_status(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) return 3;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "SigBlk:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0) fputs(line, out);
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    int i = 1, outfd = 1;
    if (i < argc && strncmp(argv[i], "--out=", 6) == 0) {
        outfd = atoi(argv[i] + 6);
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: %s [--out=N] fds|modes|ids|status|process|args|argv0|env|count|exit N [ARGS...]\n", argv[0]);
        return 2;
    }
    const char *cmd = argv[i++];
    if (strcmp(cmd, "exit") == 0) return i < argc ? atoi(argv[i]) : 0;
    if (strcmp(cmd, "burn") == 0) {
        long ms = i < argc ? atol(argv[i]) : 0, mib = i + 1 < argc ? atol(argv[i + 1]) : 0;
        volatile char *mem = malloc((size_t)mib << 20);
        if (mib > 0 && mem == NULL) return 3;
        for (long b = 0; b < (mib << 20); b += 4096) mem[b] = 1;
        volatile unsigned long spin = 0;
        clock_t end = clock() + (clock_t)(ms * (CLOCKS_PER_SEC / 1000));
        while (clock() < end) spin++;
        printf("burnt\n");
        return 0;
    }
    if (strcmp(cmd, "count") == 0) {
        int fds[4096];
        int n = list_fds(fds, 4096);
        return n < 0 ? 255 : n > 250 ? 250 : n;
    }
    out = fdopen(outfd, "w");
    if (out == NULL) return 3;
    int rc;
    if (strcmp(cmd, "fds") == 0) {
        rc = print_fds(0);
    } else if (strcmp(cmd, "modes") == 0) {
        rc = print_fds(1);
    } else if (strcmp(cmd, "ids") == 0) {
        rc = print_ids();
    } else if (strcmp(cmd, "status") == 0) {
        rc = print_status();
    } else if (strcmp(cmd, "process") == 0) {
        rc = print_process();
    } else if (strcmp(cmd, "args") == 0) {
        for (; i < argc; i++) hex_line(argv[i]);
        rc = 0;
    } else if (strcmp(cmd, "argv0") == 0) {
        hex_line(argv[0]);
        rc = 0;
    } else if (strcmp(cmd, "env") == 0) {
        for (char **e = environ; *e != NULL; e++) fprintf(out, "%s\n", *e);
        rc = 0;
    } else {
        fprintf(stderr, "fd_probe: unknown command %s\n", cmd);
        return 2;
    }
    if (fclose(out) != 0 && rc == 0) rc = 3;
    return rc;
}
