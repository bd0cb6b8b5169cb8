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
 *
 * A map with FE_FD_PTY_SLAVE entries gets one new pseudo-terminal, opened here with its size
 * and mode set on the slave before the clone (pty.c): the slave is those entries' one source,
 * closed in the parent right after the clone like every source (while we held it, the master
 * would never see the child's side hang up), and the master is returned.
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
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clone3.h"
#include "fdplan.h"
#include "pidfd.h"
#include "pty.h"
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
#define CGROUP2_MAGIC 0x63677270 /* statfs f_type of a cgroup v2 hierarchy */

static int mechanism = FE_MECH_CLONE_VM;
static int clone3_allowed = 1;
static atomic_int clone_pidfd_refused; /* qemu-user refuses CLONE_PIDFD: pidfd_open instead */
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

/* clone3 into the cgroup: the pid, or -1 with errno (ENOSYS where it is refused: then fall back). */
static pid_t clone3_child(int mech, void *top, int (*fn)(void *), void *arg, int *pidfd, int cgroup_fd) {
    struct fe_clone_args args = {.pidfd = (uint64_t)(uintptr_t)pidfd, .exit_signal = SIGCHLD,
                                 .cgroup = (uint64_t)cgroup_fd};
    long r;
    args.flags = CLONE_PIDFD | FE_CLONE_INTO_CGROUP;
    if (mech == FE_MECH_CLONE_VM) {
        args.flags |= CLONE_VM | CLONE_VFORK;
        args.stack = (uint64_t)(uintptr_t)((char *)top - CHILD_STACK_SIZE);
        args.stack_size = CHILD_STACK_SIZE;
        r = fe_clone3_vm(&args, sizeof args, fn, arg);
    } else {
        r = fe_clone3_fork(&args, sizeof args);
        if (r == 0) syscall(SYS_exit_group, fn(arg));
    }
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return (pid_t)r;
}

/* Whether clone3's failure means "not here" (seccomp, an old kernel, qemu-user), not "not so". */
static int clone3_refused(int err) { return err == ENOSYS || err == E2BIG || err == EINVAL || err == EPERM; }

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same on x86_64 and aarch64 */
#endif

/* clone(2), asking for the pidfd with CLONE_PIDFD unless this kernel (or emulator) refused it before. */
static pid_t clone_once(int mech, void *top, int (*fn)(void *), void *arg, int *pidfd, int with_pidfd) {
    int flags = (with_pidfd ? CLONE_PIDFD : 0) | SIGCHLD;
    if (mech == FE_MECH_CLONE_VM) return clone(fn, top, CLONE_VM | CLONE_VFORK | flags, arg, pidfd);
    pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, pidfd, NULL, 0);
    if (pid == 0) syscall(SYS_exit_group, fn(arg));
    return pid;
}

/*
 * qemu-user rejects CLONE_PIDFD with EINVAL: then clone without it and open the pidfd right
 * after. The child cannot be reaped in between (only we reap it, by pidfd), so the pid still
 * names it, as a zombie at worst.
 */
static pid_t plain_clone(int mech, void *top, int (*fn)(void *), void *arg, int *pidfd) {
    if (!atomic_load(&clone_pidfd_refused)) {
        pid_t pid = clone_once(mech, top, fn, arg, pidfd, 1);
        if (pid >= 0 || errno != EINVAL) return pid;
        atomic_store(&clone_pidfd_refused, 1);
    }
    pid_t pid = clone_once(mech, top, fn, arg, pidfd, 0);
    if (pid < 0) return pid;
    *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (*pidfd < 0) {
        int err = errno;
        if (err != ESRCH) { /* ESRCH: the kernel reaped it already (SIGCHLD ignored): the pid is not ours */
            kill(pid, SIGKILL); /* still our unreaped child: the pid cannot have been reused */
            while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR) {
            }
        }
        errno = err;
        return -1;
    }
    return pid;
}

/* cgroup_fd >= 0: start the child inside that cgroup with clone3; -1 with errno ENOSYS if refused. */
static pid_t clone_child(int mech, int (*fn)(void *), void *arg, int *pidfd, int cgroup_fd) {
    uint64_t old;
    pid_t pid;
    void *top = NULL;
    if (mech == FE_MECH_CLONE_VM && (top = thread_stack_top()) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    block_all_signals(&old);
    if (cgroup_fd >= 0) {
        pid = clone3_child(mech, top, fn, arg, pidfd, cgroup_fd);
        if (pid < 0 && clone3_refused(errno)) errno = ENOSYS;
    } else {
        pid = plain_clone(mech, top, fn, arg, pidfd);
    }
    int err = errno;
    restore_signals(&old);
    if (pid > 0) atomic_fetch_add(&spawned[mech], 1);
    errno = err;
    return pid;
}

static void reap(int pidfd) {
    int status;
    struct fe_usage usage;
    fe_pidfd_wait(pidfd, 1, &status, &usage);
}

static int probe_child(void *arg) {
    *(volatile int *)arg = 1;
    return 0;
}

/* qemu-user and some sandboxes accept CLONE_VM but do not share memory: look before trusting it. */
static int clone_vm_works(void) {
    volatile int shared = 0;
    int pidfd = -1;
    pid_t pid = clone_child(FE_MECH_CLONE_VM, probe_child, (void *)&shared, &pidfd, -1);
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

void fe_spawn_use_clone3(int on) { clone3_allowed = on; }

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

/* Whether make_sources opened entry i's source, so it is ours to close: not inherited, not shared
   (the terminal's slave is shared by its entries and closed on its own). */
static int owns_source(const struct fe_fd *f) {
    return f->kind != FE_FD_INHERIT && f->kind != FE_FD_SAME_AS && f->kind != FE_FD_PTY_SLAVE;
}

static int open_flags(int kind) {
    switch (kind) {
    case FE_FD_READ_FROM: return O_RDONLY;
    case FE_FD_WRITE_TO: return O_WRONLY | O_CREAT | O_TRUNC;
    case FE_FD_APPEND_TO: return O_WRONLY | O_CREAT | O_APPEND;
    default: return O_RDWR; /* FE_FD_DEV_NULL */
    }
}

/* A pipe whose parent end is ours and whose other end becomes the child's fd. */
static int make_pipe(const struct fe_spawn_req *req, struct fe_spawn_result *res, int i, int *source) {
    const struct fe_fd *f = &req->fds[i];
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return failed(res, FE_STEP_PIPE, errno, f->child_fd);
    int parent_reads = f->kind == FE_FD_PARENT_READS;
    res->parent_ends[i] = parent_reads ? p[0] : p[1];
    *source = parent_reads ? p[1] : p[0];
    if (req->nonblocking && fcntl(res->parent_ends[i], F_SETFL, O_NONBLOCK) < 0)
        return failed(res, FE_STEP_PIPE, errno, f->child_fd);
    return 0;
}

/* The spawn's terminal, on its first FE_FD_PTY_SLAVE entry; the master goes to the result. */
static int make_pty(const struct fe_spawn_req *req, struct fe_spawn_result *res, int *slave) {
    int op;
    int err = fe_pty_open(req->pty_columns, req->pty_rows, req->pty_mode, req->nonblocking, &res->pty_master, slave,
                          &op);
    return err != 0 ? failed(res, FE_STEP_PTY, err, op) : 0;
}

/*
 * What each child fd becomes, in the parent, just before the clone: pipes and files are born
 * close-on-exec (only our end of a pipe may be non-blocking); inherited fds are checked to be
 * open; a SAME_AS entry takes the source of the entry it names, so 2>&1 shares one pipe; the
 * terminal's entries all take its slave (*slave, opened on the first of them).
 */
static int make_sources(const struct fe_spawn_req *req, struct fe_spawn_result *res, int *sources, int *slave) {
    for (int i = 0; i < req->nfds; i++) {
        const struct fe_fd *f = &req->fds[i];
        switch (f->kind) {
        case FE_FD_INHERIT:
            if (fcntl(f->arg, F_GETFD) < 0) return failed(res, FE_STEP_FD, errno, f->child_fd);
            sources[i] = f->arg;
            break;
        case FE_FD_PARENT_READS:
        case FE_FD_PARENT_WRITES:
            if (make_pipe(req, res, i, &sources[i]) < 0) return -1;
            break;
        case FE_FD_SAME_AS:
            break; /* below, once every other source exists */
        case FE_FD_PTY_SLAVE:
            if (*slave < 0 && make_pty(req, res, slave) < 0) return -1;
            sources[i] = *slave;
            break;
        default: {
            const char *path = f->kind == FE_FD_DEV_NULL ? "/dev/null" : req->fd_paths[i];
            int fd = open(path, open_flags(f->kind) | O_CLOEXEC | O_NOCTTY, 0666);
            if (fd < 0) return failed(res, FE_STEP_OPEN, errno, f->child_fd);
            sources[i] = fd;
        }
        }
    }
    for (int i = 0; i < req->nfds; i++)
        if (req->fds[i].kind == FE_FD_SAME_AS) sources[i] = sources[req->fds[i].arg];
    return 0;
}

/* What make_sources opened (not the inherited fds, which are the caller's, nor shared ones twice). */
static void close_sources(const struct fe_spawn_req *req, int *sources) {
    for (int i = 0; i < req->nfds; i++)
        if (owns_source(&req->fds[i])) close_fd(&sources[i]);
}

/* The cgroup directory as an O_PATH fd for clone3; it must be a cgroup v2 directory. */
static int open_cgroup(const struct fe_spawn_req *req, struct fe_spawn_result *res, int *fd) {
    struct statfs fs;
    *fd = open(req->cgroup, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0) return failed(res, FE_STEP_CGROUP, errno, -1);
    if (fstatfs(*fd, &fs) < 0) return failed(res, FE_STEP_CGROUP, errno, -1);
    if (fs.f_type != CGROUP2_MAGIC) return failed(res, FE_STEP_CGROUP, EBADF, -1); /* clone3's word for it */
    return 0;
}

/* Where clone3 is refused, the child joins the cgroup itself through this file. */
static int open_cgroup_procs(int dirfd, struct fe_spawn_result *res, int *fd) {
    *fd = openat(dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    return *fd < 0 ? failed(res, FE_STEP_CGROUP, errno, -1) : 0;
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
    close_fd(&res->pty_master);
    for (int i = 0; i < nfds; i++) close_fd(&res->parent_ends[i]);
}

/* The child fd that becomes the controlling terminal: the lowest one of the terminal, or -1. */
static int ctty_fd(const struct fe_spawn_req *req) {
    int fd = -1;
    for (int i = 0; i < req->nfds; i++)
        if (req->fds[i].kind == FE_FD_PTY_SLAVE && (fd < 0 || req->fds[i].child_fd < fd)) fd = req->fds[i].child_fd;
    return fd;
}

int fe_spawn(const struct fe_spawn_req *req, struct fe_spawn_result *res) {
    int n = req->nfds;
    int err_read = -1, err_write = -1; /* the error pipe */
    int cgroup_fd = -1, cgroup_procs = -1;
    int pty_slave = -1;
    res->pid = -1;
    res->pty_master = -1;
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
    if (make_sources(req, res, sources, &pty_slave) < 0) goto out;
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
    if (req->cgroup != NULL && open_cgroup(req, res, &cgroup_fd) < 0) goto out;
    struct rlimit lim;
    struct fe_child c = {.req = req, .plan = &plan, .errfd = err_write, .maxfd = 65536, .cgroup_procs = -1,
                         .parent = getpid(), .ctty = ctty_fd(req)};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < INT32_MAX)
        c.maxfd = (int)lim.rlim_cur;

    int pidfd = -1;
    pid_t pid = -1;
    errno = ENOSYS;
    if (cgroup_fd < 0 || clone3_allowed) pid = clone_child(mechanism, fe_child_main, &c, &pidfd, cgroup_fd);
    if (pid < 0 && cgroup_fd >= 0 && errno == ENOSYS) {
        if (open_cgroup_procs(cgroup_fd, res, &cgroup_procs) < 0) goto out;
        c.cgroup_procs = cgroup_procs;
        pid = clone_child(mechanism, fe_child_main, &c, &pidfd, -1);
    }
    if (pid < 0) {
        int err = errno;
        int resources = err == EMFILE || err == ENFILE || err == ENOMEM || err == EAGAIN;
        failed(res, cgroup_fd >= 0 && !resources ? FE_STEP_CGROUP : FE_STEP_CLONE, err, -1);
        goto out;
    }
    close_sources(req, sources);
    close_fd(&pty_slave); /* now, not after the exec: the child has its own copy */
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
    close_fd(&pty_slave);
    close_fd(&err_read);
    close_fd(&err_write);
    close_fd(&cgroup_fd);
    close_fd(&cgroup_procs);
    if (rc < 0) {
        for (int i = 0; i < n; i++) close_fd(&res->parent_ends[i]);
        close_fd(&res->pty_master);
    }
    free(sources);
    free(child_fds);
    free(plan.ops);
    free(plan.keep);
    return rc;
}
