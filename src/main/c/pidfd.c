/*
 * pidfd.c - reaping and signalling by pidfd (see pidfd.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int fe_pidfd_wait(int pidfd, int block, int *status) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int options = WEXITED | (block ? 0 : WNOHANG);
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, options) < 0)
        if (errno != EINTR) return -errno;
    if (info.si_pid == 0) return 1; /* WNOHANG and still running */
    *status = (info.si_code << 8) | (info.si_status & 0xff);
    return 0;
}

int fe_pidfd_poll(int pidfd, int timeout_ms) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) return errno == EINTR ? 0 : -errno;
    return r > 0;
}

int fe_pidfd_signal(int pidfd, int sig) { return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? errno : 0; }
