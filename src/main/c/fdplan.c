/*
 * fdplan.c - the fd shuffle as two named passes (after Go's exec_linux.go), but
 * computed in the parent as a pure function so it can be tested on random maps.
 *
 *   pass 1, "aside": every source that sits on a child fd some entry will
 *           overwrite is first duplicated to a free temporary fd;
 *   pass 2, "place": every entry is dup3'd onto its child fd (or, for an
 *           identity entry, only has close-on-exec cleared).
 *
 * Temporaries are the lowest fd numbers that are neither a source, a target
 * nor the error pipe. Any other fd the child inherited is junk that the close
 * pass removes anyway, so overwriting it is harmless, and temporaries stay far
 * below RLIMIT_NOFILE even when the map uses fds near the limit.
 */
#include "fdplan.h"

size_t fe_fdplan_ops_capacity(int n) { return (size_t)(2 * n + 1) * sizeof(struct fe_fdop); }

size_t fe_fdplan_keep_capacity(int n) { return (size_t)(n + 1) * sizeof(int); }

static int contains(const int *fds, int n, int fd) {
    for (int i = 0; i < n; i++)
        if (fds[i] == fd) return 1;
    return 0;
}

/* A child fd whose entry is not an identity: pass 2 writes over it. */
static int overwritten(const int *child, const int *parent, int n, int fd) {
    for (int i = 0; i < n; i++)
        if (child[i] == fd) return parent[i] != fd;
    return 0;
}

/* The lowest fd above *next that nothing in the map or the error pipe uses. */
static int next_free(const int *child, const int *parent, int n, int errfd, int *next) {
    int fd = *next;
    while (fd == errfd || contains(child, n, fd) || contains(parent, n, fd)) fd++;
    *next = fd + 1;
    return fd;
}

/* Where pass 1 parked fd, or fd itself when it was not moved. */
static int current(const struct fe_fdplan *plan, int fd) {
    for (int i = 0; i < plan->nops; i++)
        if (plan->ops[i].kind == FE_FDOP_ASIDE && plan->ops[i].src == fd) return plan->ops[i].dst;
    return fd;
}

static void emit(struct fe_fdplan *plan, int kind, int src, int dst) {
    struct fe_fdop *op = &plan->ops[plan->nops++];
    op->kind = kind;
    op->src = src;
    op->dst = dst;
}

static int valid(const int *child, const int *parent, int n, int errfd) {
    if (n < 0 || errfd < 0) return 0;
    for (int i = 0; i < n; i++) {
        if (child[i] < 0 || parent[i] < 0) return 0;
        if (contains(child, i, child[i])) return 0;
    }
    return 1;
}

/* Ascending insertion keeps keep[] sorted for the close_range pass. */
static void keep_fd(struct fe_fdplan *plan, int fd) {
    int i = plan->nkeep++;
    while (i > 0 && plan->keep[i - 1] > fd) {
        plan->keep[i] = plan->keep[i - 1];
        i--;
    }
    plan->keep[i] = fd;
}

int fe_fdplan_compute(const int *child, const int *parent, int n, int errfd, struct fe_fdplan *plan) {
    plan->nops = 0;
    plan->nkeep = 0;
    plan->errfd = errfd;
    if (!valid(child, parent, n, errfd)) return -1;

    int next = 0;
    /* The error pipe must outlive every step, so it leaves any slot the map claims. */
    if (contains(child, n, errfd)) {
        int tmp = next_free(child, parent, n, errfd, &next);
        emit(plan, FE_FDOP_ASIDE, errfd, tmp);
        plan->errfd = tmp;
    }
    /* Pass 1: park each source that pass 2 would overwrite before it is read. */
    for (int i = 0; i < n; i++) {
        int src = parent[i];
        if (overwritten(child, parent, n, src) && current(plan, src) == src) {
            int tmp = next_free(child, parent, n, errfd, &next);
            emit(plan, FE_FDOP_ASIDE, src, tmp);
        }
    }
    /* Pass 2: no remaining source is a slot that gets overwritten, so order is free. */
    for (int i = 0; i < n; i++) {
        if (parent[i] == child[i])
            emit(plan, FE_FDOP_KEEP, child[i], child[i]);
        else
            emit(plan, FE_FDOP_PLACE, current(plan, parent[i]), child[i]);
        keep_fd(plan, child[i]);
    }
    keep_fd(plan, plan->errfd);
    return 0;
}
