/*
 * fdio.h - raw fd I/O for the reactor: a read(2) and a write(2) that a Java interrupt cannot turn into a
 * closed channel, and close(2).
 */
#ifndef FORKEXEC_FDIO_H
#define FORKEXEC_FDIO_H

#include <stddef.h>

/* write(2) to a non-blocking fd: bytes written, 0 when it would block, or -errno. */
long fe_write(int fd, const void *buf, size_t len);

/* read(2) from a non-blocking fd: bytes read, 0 at end-of-file, or -errno (-EAGAIN: nothing yet). */
long fe_read(int fd, void *buf, size_t len);

/* close(2): 0 or errno (the fd is released either way). */
int fe_close(int fd);

#endif
