/*
 * pty.c - pseudo-terminals (see pty.h). Parent side only: the child's one terminal step,
 * TIOCSCTTY, is in child.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "pty.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41) /* Linux 4.13 */
#endif

/* The kernel's struct winsize, as TIOCSWINSZ reads it. */
struct fe_winsize {
    unsigned short rows, columns, xpixel, ypixel;
};

_Static_assert(sizeof(struct fe_termios) == 36, "the kernel's termios for TCGETS is 36 bytes");
_Static_assert(VINTR < FE_NCC && VEOF < FE_NCC && VSUSP < FE_NCC && VMIN < FE_NCC && VTIME < FE_NCC,
               "a control character index is beyond the kernel's c_cc");

static int ioctl_errno(int fd, unsigned long request, void *arg) {
    int r;
    while ((r = ioctl(fd, request, arg)) < 0 && errno == EINTR) {
    }
    return r < 0 ? errno : 0;
}

void fe_pty_make_raw(struct fe_termios *t) {
    t->iflag &= ~(uint32_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t->oflag &= ~(uint32_t)OPOST;
    t->lflag &= ~(uint32_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t->cflag = (t->cflag & ~(uint32_t)(CSIZE | PARENB)) | CS8;
    t->cc[VMIN] = 1;
    t->cc[VTIME] = 0;
}

/* The slave without a path lookup; where the kernel predates TIOCGPTPEER, by its name. */
static int open_slave(int master) {
    int s = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s >= 0 || (errno != ENOTTY && errno != EINVAL)) return s;
    int n;
    char path[32];
    if (ioctl(master, TIOCGPTN, &n) < 0) return -1;
    snprintf(path, sizeof path, "/dev/pts/%d", n);
    return open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

/* Echo and raw mode on the slave, so the program finds them set when it starts. */
static int set_mode(int slave, int mode) {
    struct fe_termios t;
    int err = fe_pty_get_termios(slave, &t);
    if (err != 0) return err;
    if (mode & FE_PTY_RAW) fe_pty_make_raw(&t);
    if (mode & FE_PTY_NO_ECHO)
        t.lflag &= ~(uint32_t)ECHO;
    else
        t.lflag |= ECHO;
    return fe_pty_set_termios(slave, &t);
}

int fe_pty_open(int columns, int rows, int mode, int nonblocking, int *master, int *slave, int *op) {
    int err, unlock = 0;
    *master = -1;
    *slave = -1;
    *op = FE_PTY_OPEN;
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0));
    if (m < 0) return errno;
    *op = FE_PTY_UNLOCK;
    if ((err = ioctl_errno(m, TIOCSPTLCK, &unlock)) != 0) goto fail;
    *op = FE_PTY_PEER;
    int s = open_slave(m);
    if (s < 0) {
        err = errno;
        goto fail;
    }
    *op = FE_PTY_WINSIZE;
    if ((err = fe_pty_resize(s, columns, rows)) != 0) goto fail_slave;
    *op = FE_PTY_TERMIOS;
    if ((mode & (FE_PTY_RAW | FE_PTY_NO_ECHO)) != 0 && (err = set_mode(s, mode)) != 0) goto fail_slave;
    *master = m;
    *slave = s;
    return 0;
fail_slave:
    close(s);
fail:
    close(m);
    return err;
}

int fe_pty_resize(int fd, int columns, int rows) {
    struct fe_winsize ws = {.rows = (unsigned short)rows, .columns = (unsigned short)columns};
    return ioctl_errno(fd, TIOCSWINSZ, &ws);
}

int fe_pty_size(int fd, int *columns, int *rows) {
    struct fe_winsize ws = {0};
    int err = ioctl_errno(fd, TIOCGWINSZ, &ws);
    *columns = ws.columns;
    *rows = ws.rows;
    return err;
}

int fe_pty_get_termios(int fd, struct fe_termios *t) { return ioctl_errno(fd, TCGETS, t); }

int fe_pty_set_termios(int fd, const struct fe_termios *t) { return ioctl_errno(fd, TCSETS, (void *)t); }

int fe_pty_foreground(int fd, int *pgrp) {
    pid_t p = 0;
    int err = ioctl_errno(fd, TIOCGPGRP, &p);
    *pgrp = (int)p;
    return err;
}

int fe_pty_signal(int fd, int sig) {
    int r;
    while ((r = ioctl(fd, TIOCSIG, (unsigned long)sig)) < 0 && errno == EINTR) {
    }
    return r < 0 ? errno : 0;
}

int fe_pty_number(int fd, int *n) {
    unsigned int u = 0;
    int err = ioctl_errno(fd, TIOCGPTN, &u);
    *n = (int)u;
    return err;
}

int fe_pty_hung_up(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    while ((r = poll(&p, 1, 0)) < 0 && errno == EINTR) {
    }
    if (r < 0) return -errno;
    return (p.revents & POLLHUP) != 0 && (p.revents & POLLIN) == 0;
}

int fe_pty_dup(int fd) {
    int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    return r < 0 ? -errno : r;
}
