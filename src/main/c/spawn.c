/*
 * spawn.c - the parent's side of a spawn: pipes, the fd plan, the clone, and the wait for
 * the exec. What the child does between clone and execve is in child.c.
 *
 * The parent makes every fd close-on-exec, computes the fd plan (fdplan.c) and blocks all
 * signals, then clones the child: with CLONE_VM|CLONE_VFORK on a cached per-thread stack
 * (no page-table copy, whatever the JVM's heap), or as a plain fork where the load-time
 * probe finds CLONE_VM does not really share memory (qemu-user, some sandboxes). It then
 * reads the error pipe to EOF: EOF means the exec happened; a record means the child
 * failed and is reaped here, every fd made for it closed.
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

#include "child.h"
#include "fdplan.h"
#include "pidfd.h"
#include "spawn.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* The previous child's frames never returned, so ASan still marks them poisoned. */
#define FORGET_OLD_FRAMES(base, size) __asan_unpoison_memory_region((base), (size))
#else
#define FORGET_OLD_FRAMES(base, size) ((void)(base), (void)(size))
#endif

#define CHILD_STACK_SIZE (64 * 1024)
#define KERNEL_SIGSET_SIZE 8

static int mechanism = FE_MECH_CLONE_VM;
static atomic_long spawned[3];
static pthread_key_t stack_key;
static pthread_once_t stack_key_once = PTHREAD_ONCE_INIT;

/* ------------------------------------------------------------------ the clone */

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

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same on x86_64 and aarch64 */
#endif

/* qemu-user before 8.0 rejects CLONE_PIDFD (EINVAL): a plain fork, then a pidfd for the child. */
static pid_t fork_then_pidfd_open(int *pidfd) {
    pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0);
    if (pid <= 0) return pid;
    *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (*pidfd < 0) {
        int err = errno;
        if (err != ESRCH) { /* ESRCH: already reaped by the kernel (SIGCHLD ignored), the pid is not ours */
            kill(pid, SIGKILL);
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
            }
        }
        errno = err;
        return -1;
    }
    return pid;
}

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
        if (pid < 0 && errno == EINVAL) pid = fork_then_pidfd_open(pidfd);
        if (pid == 0) syscall(SYS_exit_group, fn(arg));
    }
    int err = errno;
    restore_signals(&old);
    if (pid > 0) atomic_fetch_add(&spawned[mech], 1);
    errno = err;
    return pid;
}

static void reap(int pidfd) {
    int status;
    fe_pidfd_wait(pidfd, 1, &status);
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

/* ------------------------------------------------------------------ the spawn */

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
static int make_sources(const struct fe_spawn_req *req, struct fe_spawn_result *res, int *sources) {
    for (int i = 0; i < req->nfds; i++) {
        const struct fe_fd *f = &req->fds[i];
        if (f->kind == FE_FD_INHERIT) {
            if (fcntl(f->arg, F_GETFD) < 0) return failed(res, FE_STEP_FD, errno, f->child_fd);
            sources[i] = f->arg;
            continue;
        }
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) return failed(res, FE_STEP_PIPE, errno, f->child_fd);
        int parent_reads = f->kind == FE_FD_PARENT_READS;
        res->parent_ends[i] = parent_reads ? p[0] : p[1];
        sources[i] = parent_reads ? p[1] : p[0];
        if (req->nonblocking && fcntl(res->parent_ends[i], F_SETFL, O_NONBLOCK) < 0)
            return failed(res, FE_STEP_PIPE, errno, f->child_fd);
    }
    return 0;
}

/* The child's ends of what make_sources created (not the inherited fds, which are the caller's). */
static void close_sources(const struct fe_spawn_req *req, int *sources) {
    for (int i = 0; i < req->nfds; i++)
        if (req->fds[i].kind != FE_FD_INHERIT) close_fd(&sources[i]);
}

/* EOF: exec happened. A record: the child failed, and is already gone or going. */
static int await_exec(int errfd, struct fe_child_error *record) {
    ssize_t n;
    while ((n = read(errfd, record, sizeof *record)) < 0 && errno == EINTR) {
    }
    if (n == 0) return 0;
    if (n != (ssize_t)sizeof *record) {
        record->step = FE_STEP_EXEC;
        record->err = n < 0 ? errno : EIO;
        record->detail = -1;
    }
    return -1;
}

void fe_spawn_discard(struct fe_spawn_result *res, int nfds) {
    fe_pidfd_signal(res->pidfd, SIGKILL);
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
    int *child_fds = malloc((size_t)(n + 1) * sizeof(int));
    struct fe_fdplan plan = {.ops = malloc(fe_fdplan_ops_capacity(n)), .keep = malloc(fe_fdplan_keep_capacity(n))};
    int rc = -1;
    if (sources == NULL || child_fds == NULL || plan.ops == NULL || plan.keep == NULL) {
        failed(res, FE_STEP_MEMORY, ENOMEM, -1);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        sources[i] = -1;
        child_fds[i] = req->fds[i].child_fd;
    }
    if (make_sources(req, res, sources) < 0) goto out;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        failed(res, FE_STEP_PIPE, errno, -1);
        goto out;
    }
    err_read = fds[0];
    err_write = fds[1];
    if (fe_fdplan_compute(child_fds, sources, n, err_write, &plan) < 0) {
        failed(res, FE_STEP_FD, EINVAL, -1);
        goto out;
    }
    struct rlimit lim;
    struct fe_child c = {.req = req, .plan = &plan, .errfd = err_write, .maxfd = 65536};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < INT32_MAX)
        c.maxfd = (int)lim.rlim_cur;

    int pidfd = -1;
    pid_t pid = clone_child(mechanism, fe_child_main, &c, &pidfd);
    if (pid < 0) {
        failed(res, FE_STEP_CLONE, errno, -1);
        goto out;
    }
    close_sources(req, sources);
    close_fd(&err_write);

    struct fe_child_error record;
    if (await_exec(err_read, &record) < 0) {
        reap(pidfd);
        close(pidfd);
        failed(res, record.step, record.err, record.detail);
        goto out;
    }
    res->pid = pid;
    res->pidfd = pidfd;
    rc = 0;
out:
    if (sources != NULL) close_sources(req, sources);
    close_fd(&err_read);
    close_fd(&err_write);
    if (rc < 0)
        for (int i = 0; i < n; i++) close_fd(&res->parent_ends[i]);
    free(sources);
    free(child_fds);
    free(plan.ops);
    free(plan.keep);
    return rc;
}
