/*
 * pidfd.h - waiting for, reaping and signalling one child through its pidfd, so we never
 * touch a pid that is not ours or has been recycled: no wait for "any child", no kill by
 * pid number.
 */
#ifndef FORKEXEC_PIDFD_H
#define FORKEXEC_PIDFD_H

/* waitid(P_PIDFD): 0 and *status = (si_code << 8) | si_status; 1 when still running; or -errno. */
int fe_pidfd_wait(int pidfd, int block, int *status);

/* poll(2) the pidfd for readability (= the child exited): 1, 0 on timeout, or -errno. */
int fe_pidfd_poll(int pidfd, int timeout_ms);

/* pidfd_send_signal(2): 0 or errno (ESRCH once the child has exited). */
int fe_pidfd_signal(int pidfd, int sig);

#endif
