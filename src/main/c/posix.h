/*
 * posix.h - what a spawned child needs after it exists: reaping and signalling it
 * through its pidfd, and naming errnos and signals for messages.
 */
#ifndef FORKEXEC_POSIX_H
#define FORKEXEC_POSIX_H

#include <stddef.h>

/* waitid(P_PIDFD): 0 and *status = (si_code << 8) | si_status; 1 when still running; or -errno. */
int fe_pidfd_wait(int pidfd, int block, int *status);

/* poll(2) the pidfd for readability (= the child exited): 1, 0 on timeout, or -errno. */
int fe_pidfd_poll(int pidfd, int timeout_ms);

/* pidfd_send_signal(2): 0 or errno (ESRCH once the child has exited). */
int fe_pidfd_signal(int pidfd, int sig);

/* write(2) to a non-blocking fd: bytes written, 0 when it would block, or -errno. */
long fe_write(int fd, const void *buf, size_t len);

/* "No such file or directory (ENOENT)", untranslated whatever the locale. */
void fe_errno_text(int err, char *buf, size_t size);

/* The signals the platform defines, by name without "SIG"; NULL-terminated. */
struct fe_signal {
    const char *name;
    int number;
};
extern const struct fe_signal fe_signals[];

#endif
