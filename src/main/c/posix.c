/*
 * posix.c - reaping and signalling by pidfd, so we never touch a pid that is not
 * ours or has been recycled: no wait for "any child", no kill by pid number.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "posix.h"

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

long fe_write(int fd, const void *buf, size_t len) {
    ssize_t n;
    while ((n = write(fd, buf, len)) < 0 && errno == EINTR) {
    }
    if (n >= 0) return n;
    return errno == EAGAIN ? 0 : -errno;
}

void fe_errno_text(int err, char *buf, size_t size) {
    const char *name = strerrorname_np(err);
    const char *desc = strerrordesc_np(err);
    if (name != NULL && desc != NULL)
        snprintf(buf, size, "%s (%s)", desc, name);
    else
        snprintf(buf, size, "Unknown error (errno %d)", err);
}

const struct fe_signal fe_signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},     {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM},     {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL},     {"PWR", SIGPWR},       {"SYS", SIGSYS},     {NULL, 0},
};
