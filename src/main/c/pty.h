/*
 * pty.h - pseudo-terminals: open one for a spawn (parent side, before the clone), and the
 * ioctls on its master afterwards (window size, termios, foreground process group, signals).
 *
 * Raw ioctl(2) with the kernel's own structs: no grantpt/unlockpt/ptsname (grantpt is a no-op
 * on devpts, ptsname is a path lookup that can race), nothing newer than GLIBC_2.17, and the
 * kernel's 36-byte termios rather than the C library's 60-byte one (whose speeds TCGETS
 * would leave as garbage).
 */
#ifndef FORKEXEC_PTY_H
#define FORKEXEC_PTY_H

#include <stdint.h>

/* Which operation of opening a terminal failed (the "detail" of a FE_STEP_PTY failure). */
enum fe_pty_op {
    FE_PTY_OPEN = 0,    /* open /dev/ptmx */
    FE_PTY_UNLOCK = 1,  /* TIOCSPTLCK (unlockpt) */
    FE_PTY_PEER = 2,    /* TIOCGPTPEER, or open /dev/pts/N where the kernel lacks it */
    FE_PTY_WINSIZE = 3, /* TIOCSWINSZ */
    FE_PTY_TERMIOS = 4, /* TCGETS/TCSETS for echo and raw mode */
    FE_PTY_CTTY = 5     /* in the child: TIOCSCTTY on the terminal's first child fd */
};

/* Bits of a terminal's mode as a spawn asks for it. */
#define FE_PTY_NO_ECHO 1 /* clear ECHO */
#define FE_PTY_RAW 2     /* cfmakeraw (which clears ECHO too, unless ECHO is asked back) */

/* The kernel's struct termios for TCGETS/TCSETS (asm-generic: x86_64 and arm64 alike). */
#define FE_NCC 19
struct fe_termios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[FE_NCC];
};

/*
 * Opens a terminal of columns x rows: the master (O_RDWR|O_NOCTTY|O_CLOEXEC, O_NONBLOCK if
 * asked) and its slave (O_RDWR|O_NOCTTY|O_CLOEXEC, blocking), with the window size and the mode
 * set on the slave before any child exists. 0, or an errno with *op naming what failed; on
 * failure nothing is left open.
 */
int fe_pty_open(int columns, int rows, int mode, int nonblocking, int *master, int *slave, int *op);

/* cfmakeraw's changes, on the kernel struct. */
void fe_pty_make_raw(struct fe_termios *t);

/* TIOCSWINSZ (the kernel sends SIGWINCH to the foreground group if the size changed): 0 or errno. */
int fe_pty_resize(int fd, int columns, int rows);

/* TIOCGWINSZ: 0 or errno. */
int fe_pty_size(int fd, int *columns, int *rows);

/* TCGETS / TCSETS (TCSANOW): 0 or errno. On a master they act on its slave's settings. */
int fe_pty_get_termios(int fd, struct fe_termios *t);
int fe_pty_set_termios(int fd, const struct fe_termios *t);

/* TIOCGPGRP on a master: the slave's foreground process group (0: none). 0 or errno. */
int fe_pty_foreground(int fd, int *pgrp);

/* TIOCSIG on a master: SIGINT, SIGQUIT or SIGTSTP to the slave's foreground group. 0 or errno. */
int fe_pty_signal(int fd, int sig);

/* TIOCGPTN: the N of /dev/pts/N. 0 or errno. */
int fe_pty_number(int fd, int *n);

/* Whether every slave side is closed (POLLHUP, nothing left to read): 1, 0, or -errno. */
int fe_pty_hung_up(int fd);

/* fcntl(F_DUPFD_CLOEXEC): the new fd, or -errno. */
int fe_pty_dup(int fd);

#endif
