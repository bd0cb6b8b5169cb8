/*
 * spawn.c - the child path: clone, then the steps between clone and execve.
 *
 * With CLONE_VM the child shares the JVM's memory, so between clone and exec it
 * calls nothing but raw syscalls through syscall(2): no malloc, no stdio, no locks,
 * no glibc setuid-family wrappers (those signal every thread of the process). All
 * it needs - argv, envp, candidate paths, the fd plan - is prepared in the parent.
 * A failing step writes (step, errno, detail) to a close-on-exec pipe and the child
 * exits with 127; the parent reads that pipe to EOF (EOF means exec happened).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdplan.h"
#include "spawn.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* The previous child's frames never returned, so ASan still marks them poisoned. */
#define FORGET_OLD_FRAMES(base, size) __asan_unpoison_memory_region((base), (size))
#else
#define FORGET_OLD_FRAMES(base, size) ((void)(base), (void)(size))
#endif

#define CHILD_STACK_SIZE (64 * 1024)
#define KERNEL_NSIG 64
#define KERNEL_SIGSET_SIZE 8
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLOSE_RANGE_ALL
#define CLOSE_RANGE_ALL (~0U)
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

/* Everything the child reads; it lives in the parent's frame (CLONE_VM) or a copy (fork). */
struct child {
    const struct fe_spawn_req *req;
    const struct fe_fdplan *plan;
    int errfd;     /* the error pipe's write end; moves when the plan parks it */
    int maxfd;     /* RLIMIT_NOFILE, for the last-resort close loop */
};

static int mechanism = FE_MECH_CLONE_VM;
static atomic_long spawned[3];
static pthread_key_t stack_key;
static pthread_once_t stack_key_once = PTHREAD_ONCE_INIT;

/* ------------------------------------------------------------------ child */

/* Report the failed step to the parent and end the child; nothing else is safe here. */
__attribute__((noreturn)) static void child_fail(struct child *c, int step, int err, int detail) {
    int record[3] = {step, err, detail};
    while (syscall(SYS_write, c->errfd, record, sizeof record) < 0 && errno == EINTR) {
    }
    syscall(SYS_exit_group, 127);
    __builtin_unreachable();
}

/* Handlers are the JVM's and ignored signals its starter's: the program starts with neither. */
static void reset_signal_dispositions(void) {
    struct kernel_sigaction dfl, old;
    memset(&dfl, 0, sizeof dfl); /* SIG_DFL is 0 */
    for (int sig = 1; sig <= KERNEL_NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        if (syscall(SYS_rt_sigaction, sig, NULL, &old, KERNEL_SIGSET_SIZE) == 0 && old.handler != SIG_DFL)
            syscall(SYS_rt_sigaction, sig, &dfl, NULL, KERNEL_SIGSET_SIZE);
    }
}

/* A new session detaches the child from the JVM's terminal and process group. */
static void start_session(struct child *c) {
    if (syscall(SYS_setsid) < 0) child_fail(c, FE_STEP_SETSID, errno, -1);
}

/* Groups first, then gid, then uid: after setresuid we may lack the right to change the others. */
static void change_credentials(struct child *c) {
    const struct fe_spawn_req *r = c->req;
    if (r->ngroups >= 0 && syscall(SYS_setgroups, (size_t)r->ngroups, r->groups) < 0)
        child_fail(c, FE_STEP_SETGROUPS, errno, -1);
    if (r->set_gid && syscall(SYS_setresgid, r->gid, r->gid, r->gid) < 0)
        child_fail(c, FE_STEP_SETGID, errno, -1);
    if (r->set_uid && syscall(SYS_setresuid, r->uid, r->uid, r->uid) < 0)
        child_fail(c, FE_STEP_SETUID, errno, -1);
}

/* After the credential change, so the new user must be able to reach the directory. */
static void change_directory(struct child *c) {
    if (c->req->dir != NULL && syscall(SYS_chdir, c->req->dir) < 0) child_fail(c, FE_STEP_CHDIR, errno, -1);
}

/* Replays the parent's plan: park the endangered sources, then place every entry. */
static void apply_fd_plan(struct child *c) {
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

static int is_kept(const struct fe_fdplan *plan, int fd) {
    for (int i = 0; i < plan->nkeep; i++)
        if (plan->keep[i] == fd) return 1;
    return 0;
}

/* close_range(2) over the gaps between kept fds: a few syscalls whatever RLIMIT_NOFILE is. */
static int close_gaps(const struct fe_fdplan *plan) {
    unsigned int low = 0;
    for (int i = 0; i < plan->nkeep; i++) {
        unsigned int fd = (unsigned int)plan->keep[i];
        if (fd > low && syscall(SYS_close_range, low, fd - 1, 0) < 0) return errno;
        low = fd + 1;
    }
    if (syscall(SYS_close_range, low, CLOSE_RANGE_ALL, 0) < 0) return errno;
    return 0;
}

static int parse_fd(const char *name) {
    int fd = 0;
    if (*name == '\0') return -1;
    for (; *name; name++) {
        if (*name < '0' || *name > '9' || fd > (INT32_MAX - 9) / 10) return -1;
        fd = fd * 10 + (*name - '0');
    }
    return fd;
}

/* Without close_range (kernels before 5.9): close what /proc/self/fd lists. */
static int close_listed(const struct fe_fdplan *plan) {
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
static void close_other_fds(struct child *c) {
    if (close_gaps(c->plan) == 0 || close_listed(c->plan) == 0) return;
    for (int fd = 0; fd < c->maxfd; fd++)
        if (!is_kept(c->plan, fd)) syscall(SYS_close, fd);
}

/* The parent blocked every signal around clone; the program must start with none blocked. */
static void unblock_signals(void) {
    uint64_t empty = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, KERNEL_SIGSET_SIZE);
}

/* Like execvpe: try each candidate; EACCES is more telling than ENOENT; other errors stop. */
static void exec_program(struct child *c) {
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

/* The child, in the order the steps must happen. */
static int child_main(void *arg) {
    struct child *c = arg;
    reset_signal_dispositions();
    if (c->req->new_session) start_session(c);
    change_credentials(c);
    change_directory(c);
    apply_fd_plan(c);
    close_other_fds(c);
    unblock_signals();
    exec_program(c);
    return 127; /* not reached: exec_program ends in child_fail */
}

/* ----------------------------------------------------------------- parent */

static size_t stack_mapping_size(void) { return CHILD_STACK_SIZE + (size_t)sysconf(_SC_PAGESIZE); }

static void free_stack(void *base) { munmap(base, stack_mapping_size()); }

static void create_stack_key(void) { pthread_key_create(&stack_key, free_stack); }

/* One cached stack per spawning thread (unmapped when the thread ends), with a guard page below. */
static void *thread_stack_top(void) {
    pthread_once(&stack_key_once, create_stack_key);
    size_t size = stack_mapping_size();
    void *base = pthread_getspecific(stack_key);
    if (base == NULL) {
        base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
        if (base == MAP_FAILED) return NULL;
        if (mprotect(base, size - CHILD_STACK_SIZE, PROT_NONE) != 0 || pthread_setspecific(stack_key, base) != 0) {
            munmap(base, size);
            return NULL;
        }
    }
    FORGET_OLD_FRAMES((char *)base + (size - CHILD_STACK_SIZE), CHILD_STACK_SIZE);
    return (char *)base + size; /* stacks grow down on x86_64 and arm64 */
}

/* No JVM signal handler may run in the child before it resets them. */
static void block_all_signals(uint64_t *old) {
    uint64_t all = ~(uint64_t)0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, old, KERNEL_SIGSET_SIZE);
}

static void restore_signals(const uint64_t *old) { syscall(SYS_rt_sigprocmask, SIG_SETMASK, old, NULL, KERNEL_SIGSET_SIZE); }

static pid_t clone_child(int mech, int (*fn)(void *), void *arg, int *pidfd) {
    uint64_t old;
    pid_t pid;
    block_all_signals(&old);
    if (mech == FE_MECH_CLONE_VM) {
        void *top = thread_stack_top();
        if (top == NULL) {
            restore_signals(&old);
            errno = ENOMEM;
            return -1;
        }
        pid = clone(fn, top, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, arg, pidfd);
    } else {
        pid = (pid_t)syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, pidfd, NULL, 0);
        if (pid == 0) syscall(SYS_exit_group, fn(arg));
    }
    int err = errno;
    restore_signals(&old);
    if (pid > 0) atomic_fetch_add(&spawned[mech], 1);
    errno = err;
    return pid;
}

static void reap(int pidfd) {
    siginfo_t info;
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED) < 0 && errno == EINTR) {
    }
}

static int probe_child(void *arg) {
    *(volatile int *)arg = 1;
    return 0;
}

/* qemu-user and some sandboxes accept CLONE_VM but do not share memory: look before trusting it. */
static int clone_vm_works(void) {
    volatile int shared = 0;
    int pidfd = -1;
    pid_t pid = clone_child(FE_MECH_CLONE_VM, probe_child, (void *)&shared, &pidfd);
    if (pid < 0) return 0;
    if (pidfd >= 0) {
        reap(pidfd);
        close(pidfd);
    } else {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    atomic_fetch_sub(&spawned[FE_MECH_CLONE_VM], 1);
    return shared == 1 && pidfd >= 0;
}

int fe_spawn_init(int mech) {
    if (mech == FE_MECH_AUTO) mech = clone_vm_works() ? FE_MECH_CLONE_VM : FE_MECH_FORK;
    mechanism = mech;
    return mechanism;
}

long fe_spawn_count(int mech) { return mech >= 0 && mech < 3 ? atomic_load(&spawned[mech]) : 0; }

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static int failed(struct fe_spawn_result *res, int step, int err, int detail) {
    res->step = step;
    res->err = err;
    res->detail = detail;
    return -1;
}

/* The parent's pipes: born close-on-exec; only our end may be non-blocking. */
static int make_pipes(const struct fe_spawn_req *req, struct fe_spawn_result *res, int *sources) {
    for (int i = 0; i < req->nfds; i++) {
        if (req->kinds[i] == FE_FD_INHERIT) {
            if (fcntl(req->parent_fds[i], F_GETFD) < 0) return failed(res, FE_STEP_FD, errno, req->child_fds[i]);
            sources[i] = req->parent_fds[i];
            continue;
        }
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) return failed(res, FE_STEP_PIPE, errno, req->child_fds[i]);
        int parent_reads = req->kinds[i] == FE_FD_PARENT_READS;
        res->parent_ends[i] = parent_reads ? p[0] : p[1];
        sources[i] = parent_reads ? p[1] : p[0];
        if (req->nonblocking && fcntl(res->parent_ends[i], F_SETFL, O_NONBLOCK) < 0)
            return failed(res, FE_STEP_PIPE, errno, req->child_fds[i]);
    }
    return 0;
}

static void close_child_ends(const struct fe_spawn_req *req, int *sources) {
    for (int i = 0; i < req->nfds; i++)
        if (req->kinds[i] != FE_FD_INHERIT) close_fd(&sources[i]);
}

/* EOF: exec happened. A record: the child failed, and is already gone or going. */
static int await_exec(int errfd, int record[3]) {
    ssize_t n;
    while ((n = read(errfd, record, 3 * sizeof(int))) < 0 && errno == EINTR) {
    }
    if (n == 0) return 0;
    if (n != (ssize_t)(3 * sizeof(int))) {
        record[0] = FE_STEP_EXEC;
        record[1] = n < 0 ? errno : EIO;
        record[2] = -1;
    }
    return -1;
}

void fe_spawn_discard(struct fe_spawn_result *res, int nfds) {
    syscall(SYS_pidfd_send_signal, res->pidfd, SIGKILL, NULL, 0);
    reap(res->pidfd);
    close_fd(&res->pidfd);
    for (int i = 0; i < nfds; i++) close_fd(&res->parent_ends[i]);
}

int fe_spawn(const struct fe_spawn_req *req, struct fe_spawn_result *res) {
    int n = req->nfds;
    int err_read = -1, err_write = -1; /* the error pipe */
    res->pid = -1;
    res->pidfd = -1;
    res->step = FE_STEP_NONE;
    res->err = 0;
    res->detail = -1;
    for (int i = 0; i < n; i++) res->parent_ends[i] = -1;

    int *sources = malloc((size_t)(n + 1) * sizeof(int));
    struct fe_fdplan plan = {.ops = malloc(fe_fdplan_ops_capacity(n)), .keep = malloc(fe_fdplan_keep_capacity(n))};
    int rc = -1;
    if (sources == NULL || plan.ops == NULL || plan.keep == NULL) {
        failed(res, FE_STEP_MEMORY, ENOMEM, -1);
        goto out;
    }
    for (int i = 0; i < n; i++) sources[i] = -1;
    if (make_pipes(req, res, sources) < 0) goto out;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        failed(res, FE_STEP_PIPE, errno, -1);
        goto out;
    }
    err_read = fds[0];
    err_write = fds[1];
    if (fe_fdplan_compute(req->child_fds, sources, n, err_write, &plan) < 0) {
        failed(res, FE_STEP_FD, EINVAL, -1);
        goto out;
    }
    struct rlimit lim;
    struct child c = {.req = req, .plan = &plan, .errfd = err_write, .maxfd = 65536};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < INT32_MAX)
        c.maxfd = (int)lim.rlim_cur;

    int pidfd = -1;
    pid_t pid = clone_child(mechanism, child_main, &c, &pidfd);
    if (pid < 0) {
        failed(res, FE_STEP_CLONE, errno, -1);
        goto out;
    }
    close_child_ends(req, sources);
    close_fd(&err_write);

    int record[3];
    if (await_exec(err_read, record) < 0) {
        reap(pidfd);
        close(pidfd);
        failed(res, record[0], record[1], record[2]);
        goto out;
    }
    res->pid = pid;
    res->pidfd = pidfd;
    rc = 0;
out:
    if (sources != NULL) close_child_ends(req, sources);
    close_fd(&err_read);
    close_fd(&err_write);
    if (rc < 0)
        for (int i = 0; i < n; i++) close_fd(&res->parent_ends[i]);
    free(sources);
    free(plan.ops);
    free(plan.keep);
    return rc;
}
