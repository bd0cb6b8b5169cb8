/*
 * pipes.c - bare close-on-exec pipes (see pipes.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "pipes.h"

int fe_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC) < 0 ? errno : 0; }
