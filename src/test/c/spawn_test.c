// sources: spawn.c child.c fdplan.c pidfd.c
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
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"
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
    CHECK(fe_pidfd_wait(pidfd, 1, &status) == 0, "waitid on pidfd failed");
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

static void run_all(const char *mechanism) {
    printf("spawn_test: mechanism %s\n", mechanism);
    echo_through_a_pipe();
    swapped_fds_reach_the_child();
    failures_leave_nothing_behind();
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
