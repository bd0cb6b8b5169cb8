/*
 * epoll.h - the reactor's poll set: one epoll instance per Reactor and an eventfd
 * that other threads write to wake it.
 */
#ifndef FORKEXEC_EPOLL_H
#define FORKEXEC_EPOLL_H

#include <stdint.h>

/* epoll_create1(EPOLL_CLOEXEC): the fd, or -errno. */
int fe_epoll_create(void);

/* eventfd(EFD_CLOEXEC | EFD_NONBLOCK): the fd, or -errno. */
int fe_eventfd_create(void);

/* epoll_ctl with data.u64 = token: 0 or errno. op: EPOLL_CTL_ADD, _MOD, _DEL. */
int fe_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token);

/* epoll_wait into tokens[i], events[i]: how many, 0 on EINTR or timeout, or -errno. */
int fe_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max, int timeout_ms);

/*
 * poll(2) over fds[0..n), each for events[i] (EPOLL* bits, which are poll's POLL* bits on Linux):
 * revents[i] filled, POLLNVAL reported as EPOLLERR | EPOLLHUP; how many are ready, 0 on EINTR or
 * timeout, or -errno. For a loop that watches a handful of fds for a short while (a calling
 * thread's Command.run()), where an epoll instance would cost more syscalls than it saves.
 */
int fe_poll(const int *fds, const uint32_t *events, uint32_t *revents, int n, int timeout_ms);

/* Adds 1 to the eventfd (0 or errno; EAGAIN means it is already signalled). */
int fe_eventfd_signal(int efd);

/* Resets the eventfd to 0. */
void fe_eventfd_drain(int efd);

#endif
