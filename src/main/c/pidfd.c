/*
 * pidfd.c - reaping and signalling by pidfd (see pidfd.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define KERNEL_SIGSET_SIZE 8
#define KERNEL_SIG_IGN ((void *)1)
#define KERNEL_SA_NOCLDWAIT 2

/* The first 64 bytes of the kernel's struct pidfd_info (PIDFD_INFO_SIZE_VER0): all we read. */
struct pidfd_info {
    uint64_t mask;
    uint64_t cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code; /* a wait(2) status, once the child has been reaped (Linux 6.15+) */
};
_Static_assert(sizeof(struct pidfd_info) == 64, "struct pidfd_info VER0 is 64 bytes");
#define PIDFD_GET_INFO 0xC040FF0Bul /* _IOWR(0xFF, 11, 64 bytes): the size every kernel with it accepts */
#define PIDFD_INFO_EXIT (1ULL << 3)

static int info_allowed = 1;

void fe_pidfd_use_info(int on) { info_allowed = on; }

/* The kernel's struct sigaction, to read SIGCHLD's disposition without a libc wrapper. */
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

/* SIG_IGN or SA_NOCLDWAIT on SIGCHLD: exited children are reaped by the kernel, not by waitid. */
static int sigchld_autoreaps(void) {
    struct kernel_sigaction sa;
    if (syscall(SYS_rt_sigaction, SIGCHLD, NULL, &sa, KERNEL_SIGSET_SIZE) != 0) return 0;
    return sa.handler == KERNEL_SIG_IGN || (sa.flags & KERNEL_SA_NOCLDWAIT) != 0;
}

static int64_t micros(struct timeval t) { return (int64_t)t.tv_sec * 1000000 + t.tv_usec; }

static void fill_usage(struct fe_usage *u, const struct rusage *ru) {
    u->valid = 1;
    u->utime_us = micros(ru->ru_utime);
    u->stime_us = micros(ru->ru_stime);
    u->maxrss_kb = ru->ru_maxrss;
    u->minflt = ru->ru_minflt;
    u->majflt = ru->ru_majflt;
    u->inblock = ru->ru_inblock;
    u->oublock = ru->ru_oublock;
    u->nvcsw = ru->ru_nvcsw;
    u->nivcsw = ru->ru_nivcsw;
}

/* A wait(2) status as (si_code << 8) | si_status. */
static int from_wait_status(int s) {
    if ((s & 0x7f) == 0) return (CLD_EXITED << 8) | ((s >> 8) & 0xff);
    return (((s & 0x80) ? CLD_DUMPED : CLD_KILLED) << 8) | (s & 0x7f);
}

/*
 * The child was reaped elsewhere. Once its task is released the pidfd polls POLLHUP, and on
 * Linux 6.15+ the pidfd keeps the exit status; older kernels (and qemu-user) do not.
 */
static int status_from_pidfd(int pidfd, int *status) {
    if (!info_allowed) return FE_WAIT_UNKNOWN;
    /* A reaper elsewhere may be mid-way: wait (up to 1 s) for the release, which polls POLLHUP.
       events = 0: POLLIN is already set once the child exited, so only POLLHUP may end the wait. */
    struct pollfd p = {.fd = pidfd, .events = 0};
    for (int waited = 0; waited < 1000 && !(p.revents & POLLHUP); waited += 10) {
        if (poll(&p, 1, 10) < 0 && errno != EINTR) break;
    }
    struct pidfd_info info;
    memset(&info, 0, sizeof info);
    info.mask = PIDFD_INFO_EXIT;
    if (syscall(SYS_ioctl, pidfd, PIDFD_GET_INFO, &info) != 0 || !(info.mask & PIDFD_INFO_EXIT)) return FE_WAIT_UNKNOWN;
    *status = from_wait_status(info.exit_code);
    return 0;
}

int fe_pidfd_wait(int pidfd, int block, int *status, struct fe_usage *usage) {
    siginfo_t info;
    struct rusage ru;
    memset(&info, 0, sizeof info);
    memset(&ru, 0, sizeof ru);
    memset(usage, 0, sizeof *usage);
    int options = WEXITED | (block ? 0 : WNOHANG);
    /* The raw syscall: glibc's waitid has no rusage argument. */
    while (syscall(SYS_waitid, P_PIDFD, pidfd, &info, options, &ru) < 0) {
        if (errno == EINTR) continue;
        if (errno != ECHILD) return -errno;
        usage->autoreap = sigchld_autoreaps();
        return status_from_pidfd(pidfd, status);
    }
    if (info.si_pid == 0) return FE_WAIT_RUNNING;
    *status = (info.si_code << 8) | (info.si_status & 0xff);
    fill_usage(usage, &ru);
    return 0;
}

int fe_pidfd_poll(int pidfd, int timeout_ms) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) return errno == EINTR ? 0 : -errno;
    return r > 0;
}

int fe_pidfd_signal(int pidfd, int sig) { return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? errno : 0; }

int fe_signal_group(int pgid, int sig) { return pgid > 0 && kill(-pgid, sig) < 0 ? errno : 0; }
