/*
 * child.c - what runs in the child between clone and execve, and nothing else.
 *
 * With CLONE_VM the child shares the JVM's memory and runs on a borrowed stack while the
 * parent thread waits, so it calls nothing but raw syscalls through syscall(2): no malloc,
 * no stdio, no locks, no JNI, no glibc setuid-family wrappers (those signal every thread
 * of the process). build.sh checks that this file's object needs no other symbol. All it
 * reads - argv, envp, candidate paths, the fd plan - the parent prepared (spawn.c).
 *
 * The steps, in order, and why in that order:
 *
 *    1. reset signal dispositions  first: a JVM handler must never run in the child
 *    2. join the cgroup            early, so the child runs as little as possible outside it;
 *                                  only when clone3 could not start us inside it
 *    3. setsid or setpgid          before the credential change, while we may still do it
 *    4. resource limits            before 6: a lowered hard limit cannot be raised after it,
 *                                  and raising one needs a capability 6 may drop
 *    5. niceness                   before 6: lowering it needs CAP_SYS_NICE, which 6 may drop
 *    6. setgroups, setgid, setuid  groups and gid first: after setresuid we may lack the right
 *    7. parent-death signal        after 6: a credential change clears it; then check that the
 *                                  parent did not die before it took effect
 *    8. no_new_privs, umask        anywhere before exec
 *    9. chdir                      after 6, so the new user must be able to reach the directory
 *   10. the fd plan                after 9: nothing before it needs the map's fds, and the
 *                                  error pipe it may move is used by every failing step
 *   11. controlling terminal       after 10, when the fd is the new terminal's slave, and 3,
 *                                  since only a session leader without one may take it
 *   12. close the other fds        after 10: the plan reads parent fds this pass removes
 *   13. unblock signals            last before exec: the parent blocked them all around clone
 *   14. execve each candidate      EACCES is more telling than ENOENT; other errors stop
 *
 * A failing step writes (step, errno, detail) to the close-on-exec error pipe and exits
 * with 127; the parent reads that pipe to EOF (EOF means the exec happened).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child.h"
#include "pty.h"

#define KERNEL_NSIG 64
#define KERNEL_SIGSET_SIZE 8
#ifndef CLOSE_RANGE_ALL
#define CLOSE_RANGE_ALL (~0U)
#endif

/* A canary check would call __stack_chk_fail, which is not ours to call here. */
#if defined(__has_attribute)
#if __has_attribute(no_stack_protector)
#define CHILD_CODE __attribute__((no_stack_protector))
#endif
#endif
#ifndef CHILD_CODE
#define CHILD_CODE
#endif

/* The kernel's struct sigaction (x86_64 and arm64 both have sa_restorer). */
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

struct kernel_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Report the failed step to the parent and end the child; nothing else is safe here. */
CHILD_CODE __attribute__((noreturn)) static void child_fail(struct fe_child *c, int step, int err, int detail) {
    struct fe_child_error record = {step, err, detail};
    while (syscall(SYS_write, c->errfd, &record, sizeof record) < 0 && errno == EINTR) {
    }
    syscall(SYS_exit_group, 127);
    __builtin_unreachable();
}

/* Handlers are the JVM's and ignored signals its starter's: the program starts with neither. */
CHILD_CODE static void reset_signal_dispositions(void) {
    struct kernel_sigaction dfl = {0}, old; /* SIG_DFL is 0 */
    for (int sig = 1; sig <= KERNEL_NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        if (syscall(SYS_rt_sigaction, sig, NULL, &old, KERNEL_SIGSET_SIZE) == 0 && old.handler != SIG_DFL)
            syscall(SYS_rt_sigaction, sig, &dfl, NULL, KERNEL_SIGSET_SIZE);
    }
}

/* clone3 could not start us in the cgroup: move there ourselves ("0" is the writer). */
CHILD_CODE static void join_cgroup(struct fe_child *c) {
    long r;
    while ((r = syscall(SYS_write, c->cgroup_procs, "0", 1)) < 0 && errno == EINTR) {
    }
    if (r < 0) child_fail(c, FE_STEP_CGROUP, errno, -1);
}

/* A new session detaches the child from the JVM's terminal and process group. */
CHILD_CODE static void start_session(struct fe_child *c) {
    if (syscall(SYS_setsid) < 0) child_fail(c, FE_STEP_SETSID, errno, -1);
}

/* A group of its own (pgid 0) lets the parent signal the child and all it starts at once. */
CHILD_CODE static void set_process_group(struct fe_child *c) {
    if (syscall(SYS_setpgid, 0, c->req->pgid) < 0) child_fail(c, FE_STEP_SETPGID, errno, -1);
}

/* prlimit64 on ourselves; the limits survive exec. */
CHILD_CODE static void set_resource_limits(struct fe_child *c) {
    const struct fe_spawn_req *r = c->req;
    for (int i = 0; i < r->nrlimits; i++) {
        uint64_t limit[2] = {r->rlimits[i].soft, r->rlimits[i].hard};
        if (syscall(SYS_prlimit64, 0, r->rlimits[i].resource, limit, NULL) < 0) child_fail(c, FE_STEP_RLIMIT, errno, i);
    }
}

/* The raw syscall returns 0 or -1, unlike getpriority's biased value. */
CHILD_CODE static void set_niceness(struct fe_child *c) {
    if (syscall(SYS_setpriority, PRIO_PROCESS, 0, c->req->nice) < 0) child_fail(c, FE_STEP_NICE, errno, -1);
}

/*
 * The kernel sends the signal when the thread that created us exits (spawns that ask for it
 * come from a thread that lives as long as the JVM). If the parent died before prctl took
 * effect we were re-parented and would never get it: deliver it now (it stays pending until
 * step 13 unblocks it).
 */
CHILD_CODE static void set_parent_death_signal(struct fe_child *c) {
    if (syscall(SYS_prctl, PR_SET_PDEATHSIG, (unsigned long)c->req->pdeathsig, 0UL, 0UL, 0UL) < 0)
        child_fail(c, FE_STEP_PDEATHSIG, errno, -1);
    if (syscall(SYS_getppid) != c->parent) syscall(SYS_kill, syscall(SYS_getpid), c->req->pdeathsig);
}

/* execve can then never grant privileges (setuid bits, file capabilities). */
CHILD_CODE static void forbid_new_privileges(struct fe_child *c) {
    if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) < 0) child_fail(c, FE_STEP_NO_NEW_PRIVS, errno, -1);
}

/* Groups first, then gid, then uid: after setresuid we may lack the right to change the others. */
CHILD_CODE static void change_credentials(struct fe_child *c) {
    const struct fe_spawn_req *r = c->req;
    if (r->ngroups >= 0 && syscall(SYS_setgroups, (size_t)r->ngroups, r->groups) < 0)
        child_fail(c, FE_STEP_SETGROUPS, errno, -1);
    if (r->set_gid && syscall(SYS_setresgid, r->gid, r->gid, r->gid) < 0) child_fail(c, FE_STEP_SETGID, errno, -1);
    if (r->set_uid && syscall(SYS_setresuid, r->uid, r->uid, r->uid) < 0) child_fail(c, FE_STEP_SETUID, errno, -1);
}

/* After the credential change, so the new user must be able to reach the directory. */
CHILD_CODE static void change_directory(struct fe_child *c) {
    if (c->req->dir != NULL && syscall(SYS_chdir, c->req->dir) < 0) child_fail(c, FE_STEP_CHDIR, errno, -1);
}

/* Replays the parent's plan: park the endangered sources, then place every entry. */
CHILD_CODE static void apply_fd_plan(struct fe_child *c) {
    const struct fe_fdplan *plan = c->plan;
    for (int i = 0; i < plan->nops; i++) {
        const struct fe_fdop *op = &plan->ops[i];
        long r;
        if (op->kind == FE_FDOP_KEEP)
            r = syscall(SYS_fcntl, op->dst, F_SETFD, 0);
        else
            r = syscall(SYS_dup3, op->src, op->dst, op->kind == FE_FDOP_ASIDE ? O_CLOEXEC : 0);
        if (r < 0) child_fail(c, FE_STEP_FD, errno, op->kind == FE_FDOP_ASIDE ? -1 : op->dst);
        if (op->kind == FE_FDOP_ASIDE && op->src == c->errfd) c->errfd = op->dst;
    }
}

/*
 * TIOCSCTTY: the terminal (opened O_NOCTTY by the parent) becomes our controlling terminal, so
 * /dev/tty works, ^C reaches the foreground group and the kernel hangs the session up when the
 * master closes. Argument 0: never steal a terminal that is another session's.
 */
CHILD_CODE static void take_controlling_terminal(struct fe_child *c) {
    if (syscall(SYS_ioctl, c->ctty, TIOCSCTTY, 0UL) < 0) child_fail(c, FE_STEP_PTY, errno, FE_PTY_CTTY);
}

CHILD_CODE static int is_kept(const struct fe_fdplan *plan, int fd) {
    for (int i = 0; i < plan->nkeep; i++)
        if (plan->keep[i] == fd) return 1;
    return 0;
}

/* close_range(2) over the gaps between kept fds: a few syscalls whatever RLIMIT_NOFILE is. */
CHILD_CODE static int close_gaps(const struct fe_fdplan *plan) {
    unsigned int low = 0;
    for (int i = 0; i < plan->nkeep; i++) {
        unsigned int fd = (unsigned int)plan->keep[i];
        if (fd > low && syscall(SYS_close_range, low, fd - 1, 0) < 0) return errno;
        low = fd + 1;
    }
    if (syscall(SYS_close_range, low, CLOSE_RANGE_ALL, 0) < 0) return errno;
    return 0;
}

CHILD_CODE static int parse_fd(const char *name) {
    int fd = 0;
    if (*name == '\0') return -1;
    for (; *name; name++) {
        if (*name < '0' || *name > '9' || fd > (INT32_MAX - 9) / 10) return -1;
        fd = fd * 10 + (*name - '0');
    }
    return fd;
}

/* Without close_range (kernels before 5.9): close what /proc/self/fd lists. */
CHILD_CODE static int close_listed(const struct fe_fdplan *plan) {
    char buf[1024] __attribute__((aligned(8)));
    long dir = syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return errno;
    for (;;) {
        long len = syscall(SYS_getdents64, (int)dir, buf, sizeof buf);
        if (len < 0) {
            int err = errno;
            syscall(SYS_close, (int)dir);
            return err;
        }
        if (len == 0) break;
        for (long off = 0; off < len;) {
            struct kernel_dirent64 *d = (struct kernel_dirent64 *)(buf + off);
            int fd = parse_fd(d->d_name);
            if (fd >= 0 && fd != dir && !is_kept(plan, fd)) syscall(SYS_close, fd);
            off += d->d_reclen;
        }
    }
    syscall(SYS_close, (int)dir);
    return 0;
}

/* Only the mapped fds and the error pipe may remain; everything the JVM had open stays behind. */
CHILD_CODE static void close_other_fds(struct fe_child *c) {
    if (close_gaps(c->plan) == 0 || close_listed(c->plan) == 0) return;
    for (int fd = 0; fd < c->maxfd; fd++)
        if (!is_kept(c->plan, fd)) syscall(SYS_close, fd);
}

/* The parent blocked every signal around clone; the program must start with none blocked. */
CHILD_CODE static void unblock_signals(void) {
    uint64_t empty = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, KERNEL_SIGSET_SIZE);
}

/* Like execvpe: try each candidate; EACCES is more telling than ENOENT; other errors stop. */
CHILD_CODE __attribute__((noreturn)) static void exec_program(struct fe_child *c) {
    const struct fe_spawn_req *r = c->req;
    int best_err = 0, best_index = -1;
    for (int i = 0; r->paths[i] != NULL; i++) {
        syscall(SYS_execve, r->paths[i], r->argv, r->envp);
        int err = errno;
        switch (err) {
        case EACCES:
        case ENOENT:
        case ENOTDIR:
        case ESTALE:
        case ENODEV:
        case ETIMEDOUT:
            if (best_err == 0 || (err == EACCES && best_err != EACCES)) {
                best_err = err;
                best_index = i;
            }
            continue;
        default:
            child_fail(c, FE_STEP_EXEC, err, i);
        }
    }
    child_fail(c, FE_STEP_EXEC, best_err ? best_err : ENOENT, best_index);
}

CHILD_CODE int fe_child_main(void *arg) {
    struct fe_child *c = arg;
    const struct fe_spawn_req *r = c->req;
    reset_signal_dispositions();
    if (c->cgroup_procs >= 0) join_cgroup(c);
    if (r->new_session) start_session(c);
    if (r->set_pgid) set_process_group(c);
    if (r->nrlimits > 0) set_resource_limits(c);
    if (r->set_nice) set_niceness(c);
    change_credentials(c);
    if (r->pdeathsig > 0) set_parent_death_signal(c);
    if (r->no_new_privs) forbid_new_privileges(c);
    if (r->set_umask) syscall(SYS_umask, r->umask); /* cannot fail */
    change_directory(c);
    apply_fd_plan(c);
    if (c->ctty >= 0) take_controlling_terminal(c);
    close_other_fds(c);
    unblock_signals();
    exec_program(c);
}
