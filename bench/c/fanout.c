/*
 * The concurrency limit on this machine (scenario 6): N `cat` children, each sent BYTES on
 * stdin and read back on stdout, at most C alive at once. Two threads, like the JVM libraries
 * (a spawning thread and one I/O thread): the main thread spawns with posix_spawn whenever a
 * slot is free; the I/O thread runs one epoll set over non-blocking pipes and pidfds.
 *
 *   fanout N C BYTES     prints: wall_ns threads peak_rss_kib cpu_ns
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "common.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define CHUNK (64 * 1024)

enum { T_IN = 0, T_OUT = 1, T_PID = 2 };

struct kid {
    pid_t pid;
    int in, out, pidfd;
    long long written, got;
};

static int ep;
static long long bytes;
static char *data;
static char rbuf[CHUNK];
static int devnull;
static sem_t slots;
static long total;

static void watch(int fd, uint32_t events, long idx, int type) {
    struct epoll_event ev = {.events = events, .data.u64 = ((uint64_t)idx << 2) | (uint64_t)type};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
}

static void drop(int *fd) {
    if (*fd < 0) return;
    epoll_ctl(ep, EPOLL_CTL_DEL, *fd, NULL);
    close(*fd);
    *fd = -1;
}

static void start(struct kid *k, long idx) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) die("pipe2");
    posix_spawn_file_actions_t fa;
    char *argv[] = {"cat", NULL};
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, devnull, 2);
    check_spawn(posix_spawnp(&k->pid, "cat", &fa, NULL, argv, environ), "posix_spawnp cat");
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    k->in = in[1];
    k->out = out[0];
    k->written = k->got = 0;
    fcntl(k->in, F_SETFL, O_NONBLOCK);
    fcntl(k->out, F_SETFL, O_NONBLOCK);
    k->pidfd = (int)syscall(SYS_pidfd_open, k->pid, 0);
    if (k->pidfd < 0) die("pidfd_open");
    atomic_thread_fence(memory_order_release); /* every field is set before the I/O thread can see an event */
    watch(k->in, EPOLLOUT, idx, T_IN);
    watch(k->out, EPOLLIN, idx, T_OUT);
    watch(k->pidfd, EPOLLIN, idx, T_PID);
}

/* Returns 1 when the child is done: stdin written and closed, stdout at EOF, reaped. */
static int step(struct kid *k, int type, uint32_t events) {
    if (type == T_IN) {
        if (events & (EPOLLERR | EPOLLHUP)) {
            drop(&k->in);
        } else {
            while (k->written < bytes) {
                long long left = bytes - k->written;
                ssize_t n = write(k->in, data + k->written, left < CHUNK ? (size_t)left : CHUNK);
                if (n < 0) {
                    if (errno == EAGAIN) break;
                    if (errno == EINTR) continue;
                    die("write");
                }
                k->written += n;
            }
            if (k->written == bytes) drop(&k->in);
        }
    } else if (type == T_OUT) {
        for (;;) {
            ssize_t n = read(k->out, rbuf, CHUNK);
            if (n > 0) {
                k->got += n;
                continue;
            }
            if (n == 0) {
                drop(&k->out);
            } else if (errno == EINTR) {
                continue;
            } else if (errno != EAGAIN) {
                die("read");
            }
            break;
        }
    } else {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid((idtype_t)P_PIDFD, (id_t)k->pidfd, &info, WEXITED) < 0) die("waitid");
        if (info.si_code != CLD_EXITED || info.si_status != 0) {
            fprintf(stderr, "fanout: cat %d failed\n", (int)k->pid);
            exit(2);
        }
        drop(&k->pidfd);
    }
    return k->in < 0 && k->out < 0 && k->pidfd < 0;
}

static struct kid *kids;

/* The I/O thread: every pipe and pidfd; frees a slot whenever a child is done. */
static void *io_loop(void *arg) {
    (void)arg;
    long done = 0;
    struct epoll_event evs[256];
    while (done < total) {
        int m = epoll_wait(ep, evs, 256, -1);
        if (m < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        atomic_thread_fence(memory_order_acquire);
        for (int i = 0; i < m; i++) {
            long idx = (long)(evs[i].data.u64 >> 2);
            int type = (int)(evs[i].data.u64 & 3);
            struct kid *k = &kids[idx];
            int *fd = type == T_IN ? &k->in : type == T_OUT ? &k->out : &k->pidfd;
            if (*fd < 0) continue; /* dropped earlier in this batch */
            if (step(k, type, evs[i].events)) {
                if (k->got != bytes) {
                    fprintf(stderr, "fanout: cat %d echoed %lld of %lld bytes\n", (int)k->pid, k->got, bytes);
                    exit(2);
                }
                done++;
                sem_post(&slots);
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: fanout N C BYTES\n");
        return 2;
    }
    total = (long)arg_ll(argv[1]);
    long conc = (long)arg_ll(argv[2]);
    bytes = arg_ll(argv[3]);
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
    data = malloc((size_t)bytes + 1);
    for (long long i = 0; i < bytes; i++) data[i] = (char)(i * 31 + 7);
    devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0 || devnull < 0 || sem_init(&slots, 0, (unsigned)conc) != 0) die("setup");
    kids = calloc((size_t)total, sizeof *kids);

    int64_t t0 = now_ns();
    pthread_t io;
    if (pthread_create(&io, NULL, io_loop, NULL) != 0) die("pthread_create");
    for (long i = 0; i < total; i++) {
        while (sem_wait(&slots) != 0)
            if (errno != EINTR) die("sem_wait");
        start(&kids[i], i);
    }
    pthread_join(io, NULL);
    int64_t wall = now_ns() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long long cpu = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL
            + (long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
    printf("%lld 2 %ld %lld\n", (long long)wall, ru.ru_maxrss, cpu);
    return 0;
}
