/*
 * fdio.c - raw fd I/O (see fdio.h).
 */
#include <errno.h>
#include <unistd.h>

#include "fdio.h"

long fe_write(int fd, const void *buf, size_t len) {
    ssize_t n;
    while ((n = write(fd, buf, len)) < 0 && errno == EINTR) {
    }
    if (n >= 0) return n;
    return errno == EAGAIN ? 0 : -errno;
}

long fe_read(int fd, void *buf, size_t len) {
    ssize_t n;
    while ((n = read(fd, buf, len)) < 0 && errno == EINTR) {
    }
    return n >= 0 ? n : -errno;
}

int fe_close(int fd) { return close(fd) < 0 ? errno : 0; }
