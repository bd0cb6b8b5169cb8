/*
 * pidfd.h - waiting for, reaping and signalling one child through its pidfd, so we never
 * touch a pid that is not ours or has been recycled: no wait for "any child", no kill by
 * pid number (except a whole process group the child leads, which has no pidfd).
 */
#ifndef FORKEXEC_PIDFD_H
#define FORKEXEC_PIDFD_H

#include <stdint.h>

/* What the wait that reaped a child says it used (getrusage's fields that Linux fills). */
struct fe_usage {
    int valid;         /* 0 when the child was reaped elsewhere (then nothing below is known) */
    int autoreap;      /* 1 when SIGCHLD is ignored here, so the kernel reaps children itself */
    int64_t utime_us;  /* user CPU */
    int64_t stime_us;  /* system CPU */
    int64_t maxrss_kb; /* peak resident set, KiB */
    int64_t minflt, majflt, inblock, oublock, nvcsw, nivcsw;
};

/* fe_pidfd_wait's results besides 0 and -errno. */
#define FE_WAIT_RUNNING 1 /* WNOHANG, and the child still runs */
#define FE_WAIT_UNKNOWN 2 /* the child is gone, reaped elsewhere, and the kernel kept no status */

/*
 * Reaps the child: 0 with *status = (si_code << 8) | si_status and *usage filled. When
 * something else reaped it (SIGCHLD ignored, or a wait for any child elsewhere), the status comes
 * from the pidfd itself where the kernel keeps it (PIDFD_GET_INFO, Linux 6.15+; usage->valid
 * is 0), else FE_WAIT_UNKNOWN. FE_WAIT_RUNNING when !block and it still runs; or -errno.
 */
int fe_pidfd_wait(int pidfd, int block, int *status, struct fe_usage *usage);

/* Whether fe_pidfd_wait may ask the pidfd for a status reaped elsewhere (1, the default): 0
   behaves as a kernel before 6.15 does, for tests. */
void fe_pidfd_use_info(int on);

/* poll(2) the pidfd for readability (= the child exited): 1, 0 on timeout, or -errno. */
int fe_pidfd_poll(int pidfd, int timeout_ms);

/* pidfd_send_signal(2): 0 or errno (ESRCH once the child has exited). */
int fe_pidfd_signal(int pidfd, int sig);

/* kill(-pgid, sig): the whole process group a child leads. 0 or errno (ESRCH: no member left). */
int fe_signal_group(int pgid, int sig);

#endif
