/*
 * epoll.c - the reactor's poll set. Level-triggered, so a pipe with data left in it
 * (a paused or slow reader) is reported again on the next wait.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "epoll.h"

int fe_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int fe_eventfd_create(void) {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

int fe_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev = {.events = events, .data.u64 = token};
    return epoll_ctl(epfd, op, fd, &ev) < 0 ? errno : 0;
}

int fe_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event ready[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, ready, max, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        tokens[i] = ready[i].data.u64;
        events[i] = ready[i].events;
    }
    return n;
}

/* fe_poll passes the Java side's EPOLL* interest bits to poll(2) as they are. */
_Static_assert(EPOLLIN == POLLIN && EPOLLOUT == POLLOUT && EPOLLERR == POLLERR && EPOLLHUP == POLLHUP,
               "poll(2) and epoll(7) event bits differ");

int fe_poll(const int *fds, const uint32_t *events, uint32_t *revents, int n, int timeout_ms) {
    struct pollfd small[16];
    struct pollfd *p = small;
    if (n < 0) return -EINVAL;
    if (n > 16) {
        p = calloc((size_t)n, sizeof *p);
        if (p == NULL) return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        p[i].fd = fds[i];
        p[i].events = (short)events[i];
        p[i].revents = 0;
    }
    int ready = poll(p, (nfds_t)n, timeout_ms);
    int err = errno;
    if (ready > 0) {
        for (int i = 0; i < n; i++) {
            revents[i] = (p[i].revents & POLLNVAL) ? (uint32_t)(EPOLLERR | EPOLLHUP) : (uint32_t)(uint16_t)p[i].revents;
        }
    }
    if (p != small) free(p);
    if (ready < 0) return err == EINTR ? 0 : -err;
    return ready;
}

int fe_eventfd_signal(int efd) {
    uint64_t one = 1;
    return write(efd, &one, sizeof one) < 0 ? errno : 0;
}

void fe_eventfd_drain(int efd) {
    uint64_t value;
    while (read(efd, &value, sizeof value) < 0 && errno == EINTR) {
    }
}
