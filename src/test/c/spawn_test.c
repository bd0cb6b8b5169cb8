// sources: spawn.c child.c clone3.c fdplan.c pidfd.c pty.c
/*
 * spawn_test.c - fe_spawn() without a JVM, so ASan, UBSan and valgrind can watch the
 * parent side: pipes, the error pipe, the plan and reaping, for both mechanisms.
 * Each case also checks that no fd and no child is left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"
#include "pty.h"
#include "spawn.h"

static int failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);           \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
        }                                                                  \
    } while (0)

static int open_fds(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own fd */
}

static char *const ENVP[] = {"PATH=/usr/bin:/bin", NULL};

/* Spawns argv[0] from paths with the given map; returns 0 or the fe_spawn result's step. */
static int spawn(char *const *argv, char *const *paths, const char *dir, int n, const int *child, const int *kinds,
                 const int *parent, struct fe_spawn_result *res, int *ends) {
    struct fe_fd map[8];
    for (int i = 0; i < n; i++) map[i] = (struct fe_fd){.child_fd = child[i], .kind = kinds[i], .arg = parent[i]};
    struct fe_spawn_req req = {.argv = argv, .envp = ENVP, .paths = paths, .dir = dir, .nfds = n, .fds = map,
                               .ngroups = -1};
    memset(res, 0, sizeof *res);
    res->parent_ends = ends;
    return fe_spawn(&req, res) == 0 ? 0 : res->step;
}

static int reap(int pidfd) {
    int status = 0;
    struct fe_usage usage;
    CHECK(fe_pidfd_wait(pidfd, 1, &status, &usage) == 0, "waitid on pidfd failed");
    CHECK(usage.valid == 1, "the wait that reaped the child reported no usage");
    close(pidfd);
    return status;
}

static void echo_through_a_pipe(void) {
    int before = open_fds();
    char *argv[] = {"sh", "-c", "echo hi; echo err >&2; exit 3", NULL};
    char *paths[] = {"/bin/sh", NULL};
    int child[] = {1, 2}, kinds[] = {FE_FD_PARENT_READS, FE_FD_PARENT_READS}, parent[] = {-1, -1}, ends[2];
    struct fe_spawn_result res;
    CHECK(spawn(argv, paths, NULL, 2, child, kinds, parent, &res, ends) == 0, "spawn sh failed: step %d errno %d",
          res.step, res.err);
    char buf[16] = {0};
    CHECK(read(ends[0], buf, sizeof buf - 1) == 3 && strcmp(buf, "hi\n") == 0, "stdout was '%s'", buf);
    int status = reap(res.pidfd);
    CHECK(status == ((CLD_EXITED << 8) | 3), "status %#x, wanted exit 3", status);
    close(ends[0]);
    close(ends[1]);
    CHECK(open_fds() == before, "fds leaked: %d before, %d after", before, open_fds());
}

static void swapped_fds_reach_the_child(void) {
    int a[2], b[2];
    CHECK(pipe2(a, O_CLOEXEC) == 0 && pipe2(b, O_CLOEXEC) == 0, "pipe2");
    int before = open_fds();
    /* the child sees fd 3 <- b's write end and fd 4 <- a's write end, even though we name them crosswise */
    char *argv[] = {"sh", "-c", "echo to3 >&3; echo to4 >&4", NULL};
    char *paths[] = {"/bin/sh", NULL};
    int child[] = {3, 4}, kinds[] = {FE_FD_INHERIT, FE_FD_INHERIT}, parent[] = {b[1], a[1]}, ends[2];
    struct fe_spawn_result res;
    CHECK(spawn(argv, paths, NULL, 2, child, kinds, parent, &res, ends) == 0, "spawn failed: step %d errno %d",
          res.step, res.err);
    reap(res.pidfd);
    close(a[1]);
    close(b[1]);
    char buf[16] = {0};
    CHECK(read(b[0], buf, sizeof buf - 1) == 4 && strcmp(buf, "to3\n") == 0, "fd 3 wrote '%s' to b", buf);
    memset(buf, 0, sizeof buf);
    CHECK(read(a[0], buf, sizeof buf - 1) == 4 && strcmp(buf, "to4\n") == 0, "fd 4 wrote '%s' to a", buf);
    close(a[0]);
    close(b[0]);
    CHECK(open_fds() == before - 4, "fds leaked");
}

static void failure(const char *what, char *const *paths, const char *dir, int n, const int *child, const int *kinds,
                    const int *parent, int step, int err) {
    int before = open_fds();
    char *argv[] = {"prog", NULL};
    int ends[4];
    struct fe_spawn_result res;
    int got = spawn(argv, paths, dir, n, child, kinds, parent, &res, ends);
    CHECK(got == step && res.err == err, "%s: step %d errno %d, wanted step %d errno %d", what, got, res.err, step, err);
    CHECK(res.pidfd == 0 || res.pidfd == -1, "%s: a pidfd was returned", what);
    CHECK(open_fds() == before, "%s: fds leaked: %d before, %d after", what, before, open_fds());
    CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "%s: a child was left unreaped", what);
}

static void failures_leave_nothing_behind(void) {
    char *missing[] = {"/no/such/file", NULL};
    char *two[] = {"/no/such/file", "/etc/passwd", NULL}; /* ENOENT, then EACCES: EACCES wins */
    char *notdir[] = {"/etc/passwd/x", NULL};
    char *sh[] = {"/bin/sh", NULL};
    int child[] = {0, 1}, kinds[] = {FE_FD_PARENT_WRITES, FE_FD_PARENT_READS}, parent[] = {-1, -1};
    failure("exec ENOENT", missing, NULL, 2, child, kinds, parent, FE_STEP_EXEC, ENOENT);
    failure("exec EACCES over ENOENT", two, NULL, 2, child, kinds, parent, FE_STEP_EXEC, EACCES);
    failure("exec ENOTDIR", notdir, NULL, 2, child, kinds, parent, FE_STEP_EXEC, ENOTDIR);
    failure("chdir ENOENT", sh, "/no/such/dir", 2, child, kinds, parent, FE_STEP_CHDIR, ENOENT);
    int closed = dup(0);
    close(closed);
    int bad_child[] = {0}, bad_kind[] = {FE_FD_INHERIT}, bad_parent[] = {closed};
    failure("fd EBADF", sh, NULL, 1, bad_child, bad_kind, bad_parent, FE_STEP_FD, EBADF);
}

/* Runs `sh -c script` with fd 1 a pipe and the given request options; returns what it printed. */
static int sh_output(const char *script, struct fe_spawn_req *req, char *out, size_t size) {
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    char *paths[] = {"/bin/sh", NULL};
    struct fe_fd map[] = {{.child_fd = 1, .kind = FE_FD_PARENT_READS}};
    int ends[1];
    struct fe_spawn_result res = {.parent_ends = ends};
    req->argv = argv;
    req->envp = ENVP;
    req->paths = paths;
    req->nfds = 1;
    req->fds = map;
    req->ngroups = -1;
    if (fe_spawn(req, &res) != 0) return -res.step;
    size_t got = 0;
    ssize_t n;
    while (got < size - 1 && (n = read(ends[0], out + got, size - 1 - got)) > 0) got += (size_t)n;
    out[got] = '\0';
    close(ends[0]);
    return reap(res.pidfd);
}

static void files_and_shared_fds(void) {
    int before = open_fds();
    char path[] = "/tmp/spawn_test_XXXXXX";
    int tmp = mkstemp(path);
    CHECK(tmp >= 0, "mkstemp");
    close(tmp);
    /* fd 1 > file, fd 2 same as fd 1, fd 0 /dev/null: "2>&1" into a file */
    char *argv[] = {"sh", "-c", "echo out; echo err >&2; cat", NULL};
    char *paths[] = {"/bin/sh", NULL};
    struct fe_fd map[] = {{0, FE_FD_DEV_NULL, 0}, {1, FE_FD_WRITE_TO, 0}, {2, FE_FD_SAME_AS, 1}};
    const char *fd_paths[] = {NULL, path, NULL};
    int ends[3];
    struct fe_spawn_result res = {.parent_ends = ends};
    struct fe_spawn_req req = {.argv = argv, .envp = ENVP, .paths = paths, .nfds = 3, .fds = map,
                               .fd_paths = fd_paths, .ngroups = -1};
    CHECK(fe_spawn(&req, &res) == 0, "spawn with files failed: step %d errno %d", res.step, res.err);
    if (res.step == FE_STEP_NONE) reap(res.pidfd);
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    CHECK(read(fd, buf, sizeof buf - 1) == 8 && strcmp(buf, "out\nerr\n") == 0, "the file holds '%s'", buf);
    close(fd);
    /* appendTo adds; readFrom feeds stdin */
    char input[] = "/tmp/spawn_test_in_XXXXXX";
    fd = mkstemp(input);
    CHECK(fd >= 0 && write(fd, "in\n", 3) == 3, "writing the input file");
    close(fd);
    map[1].kind = FE_FD_APPEND_TO;
    map[0] = (struct fe_fd){0, FE_FD_READ_FROM, 0};
    fd_paths[0] = input;
    CHECK(fe_spawn(&req, &res) == 0, "spawn with append failed: step %d errno %d", res.step, res.err);
    if (res.step == FE_STEP_NONE) reap(res.pidfd);
    memset(buf, 0, sizeof buf);
    fd = open(path, O_RDONLY);
    CHECK(read(fd, buf, sizeof buf - 1) == 19 && strcmp(buf, "out\nerr\nout\nerr\nin\n") == 0,
          "after appending, the file holds '%s'", buf);
    close(fd);
    unlink(input);
    /* a file that cannot be opened: step open, the child fd as detail, nothing left */
    fd_paths[0] = "/no/such/dir/file";
    CHECK(fe_spawn(&req, &res) == -1 && res.step == FE_STEP_OPEN && res.err == ENOENT && res.detail == 0,
          "open failure: step %d errno %d detail %d", res.step, res.err, res.detail);
    unlink(path);
    CHECK(open_fds() == before, "fds leaked: %d before, %d after", before, open_fds());
}

static void process_options_reach_the_child(void) {
    char out[256] = "";
    /* RLIMIT_CORE because valgrind keeps RLIMIT_NOFILE for itself; 4096 <= any hard limit worth running on */
    struct fe_rlimit limits[] = {{RLIMIT_CORE, 4096, 4096}};
    struct fe_spawn_req req = {.nrlimits = 1, .rlimits = limits, .set_umask = 1, .umask = 027, .set_pgid = 1,
                               .pgid = 0, .set_nice = 1, .nice = 5};
    int status = sh_output("echo $(awk '/^Max core file size/ {print $5}' /proc/$$/limits) $(umask) $(nice 2>/dev/null || cut -d' ' -f19 /proc/$$/stat)"
                           " $(cut -d' ' -f5 /proc/$$/stat) $$", &req, out, sizeof out);
    CHECK(status == ((CLD_EXITED << 8) | 0), "sh failed: %#x", status);
    int nofile = 0, mask = 0, nice = 0, pgid = 0, pid = -1;
    CHECK(sscanf(out, "%d %o %d %d %d", &nofile, &mask, &nice, &pgid, &pid) == 5, "unexpected output '%s'", out);
    CHECK(nofile == 4096, "RLIMIT_CORE %d, wanted 4096 (%s)", nofile, out);
    CHECK(mask == 027, "umask %o, wanted 027 (%s)", mask, out);
    CHECK(nice == 5, "niceness %d, wanted 5 (%s)", nice, out);
    CHECK(pgid == pid, "pgid %d, wanted the child's own pid %d (%s)", pgid, pid, out);
}

/* Under /sys/fs/cgroup/unified (cgroup v2) when it exists and we may write it; else say so. */
static void cgroup_placement(int clone3) {
    const char *dir = "/sys/fs/cgroup/unified/spawn_test";
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        printf("spawn_test: cgroup placement SKIPPED (cannot create %s: %s)\n", dir, strerror(errno));
        return;
    }
    fe_spawn_use_clone3(clone3);
    char out[256] = "";
    struct fe_spawn_req req = {.cgroup = dir};
    int status = sh_output("cat /proc/self/cgroup", &req, out, sizeof out);
    CHECK(status == ((CLD_EXITED << 8) | 0), "sh in a cgroup failed: %d", status);
    CHECK(strstr(out, "0::/spawn_test\n") != NULL, "clone3=%d: the child's cgroups were '%s'", clone3, out);
    req.cgroup = "/sys/fs/cgroup/cpu"; /* a cgroup v1 hierarchy */
    CHECK(sh_output("true", &req, out, sizeof out) == -FE_STEP_CGROUP, "a v1 directory was accepted");
    fe_spawn_use_clone3(1);
    rmdir(dir);
}

/* A terminal on fds 0-2 (a new session): its size, name and mode reach the child, EIO ends it. */
static void terminal_spawns(void) {
    int before = open_fds();
    char *argv[] = {"sh", "-c", "stty size; tty; stty -a | grep -c -- '-icanon'; exit 4", NULL};
    char *paths[] = {"/bin/sh", NULL};
    struct fe_fd map[] = {{0, FE_FD_PTY_SLAVE, 0}, {1, FE_FD_PTY_SLAVE, 0}, {2, FE_FD_PTY_SLAVE, 0}};
    int ends[3];
    struct fe_spawn_result res = {.parent_ends = ends};
    struct fe_spawn_req req = {.argv = argv, .envp = ENVP, .paths = paths, .nfds = 3, .fds = map, .ngroups = -1,
                               .new_session = 1, .pty_columns = 100, .pty_rows = 30, .pty_mode = FE_PTY_RAW};
    CHECK(fe_spawn(&req, &res) == 0, "spawn on a terminal failed: step %d errno %d detail %d", res.step, res.err,
          res.detail);
    if (res.step != FE_STEP_NONE) return;
    CHECK(res.pty_master >= 0 && ends[0] == -1 && ends[1] == -1 && ends[2] == -1, "master %d, ends %d %d %d",
          res.pty_master, ends[0], ends[1], ends[2]);
    char out[256] = {0};
    size_t got = 0;
    ssize_t n;
    while (got < sizeof out - 1 && (n = read(res.pty_master, out + got, sizeof out - 1 - got)) > 0) got += (size_t)n;
    CHECK(errno == EIO, "the terminal ended with errno %d, not EIO", errno);
    int pts = -1;
    CHECK(fe_pty_number(res.pty_master, &pts) == 0, "TIOCGPTN");
    char want[128];
    snprintf(want, sizeof want, "30 100\n/dev/pts/%d\n1\n", pts); /* raw mode: no \r added */
    CHECK(strcmp(out, want) == 0, "the terminal showed '%s', wanted '%s'", out, want);
    CHECK(reap(res.pidfd) == ((CLD_EXITED << 8) | 4), "exit status");
    close(res.pty_master);
    CHECK(open_fds() == before, "fds leaked: %d before, %d after", before, open_fds());

    /* Without a new session the child may not take the terminal: step pty (TIOCSCTTY), nothing left. */
    req.new_session = 0;
    CHECK(fe_spawn(&req, &res) == -1 && res.step == FE_STEP_PTY && res.err == EPERM && res.detail == FE_PTY_CTTY,
          "TIOCSCTTY outside a new session: step %d errno %d detail %d", res.step, res.err, res.detail);
    CHECK(res.pty_master == -1, "a failed spawn returned a master");
    CHECK(open_fds() == before, "fds leaked by the failed spawn: %d before, %d after", before, open_fds());
    CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "a child was left unreaped");
}

static void run_all(const char *mechanism) {
    printf("spawn_test: mechanism %s\n", mechanism);
    echo_through_a_pipe();
    swapped_fds_reach_the_child();
    failures_leave_nothing_behind();
    files_and_shared_fds();
    process_options_reach_the_child();
    cgroup_placement(1);
    cgroup_placement(0);
    terminal_spawns();
}

/* FORKEXEC_EXPECT_MECHANISM=fork under valgrind, which runs CLONE_VM|CLONE_VFORK as a fork: the probe must notice. */
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *expect = getenv("FORKEXEC_EXPECT_MECHANISM");
    int wanted = expect != NULL && strcmp(expect, "fork") == 0 ? FE_MECH_FORK : FE_MECH_CLONE_VM;
    int probed = fe_spawn_init(FE_MECH_AUTO);
    CHECK(probed == wanted, "the probe chose mechanism %d, wanted %d", probed, wanted);
    run_all(probed == FE_MECH_CLONE_VM ? "clone-vm (probed)" : "fork (probed)");
    long vm = fe_spawn_count(FE_MECH_CLONE_VM);
    fe_spawn_init(FE_MECH_FORK);
    run_all("fork (forced)");
    CHECK(fe_spawn_count(FE_MECH_CLONE_VM) == vm && fe_spawn_count(FE_MECH_FORK) > 0, "mechanism counters are wrong");
    if (failures) {
        printf("spawn_test: %d failures\n", failures);
        return 1;
    }
    printf("spawn_test: both mechanisms passed\n");
    return 0;
}
