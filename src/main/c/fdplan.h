/*
 * fdplan.h - the child's fd shuffle, computed in the parent as a pure function.
 *
 * The map says "child fd T must end up as a copy of parent fd S" for each entry
 * (Twisted's _setupChild contract, fdmap[childFD] = parentFD). Collisions are the
 * hard part: {0: 1, 1: 0} swaps, {3: 3} only clears close-on-exec, and the error
 * pipe must never be overwritten. The plan is computed here, before the child
 * exists, and the child only replays it with dup3/fcntl (see spawn.c).
 */
#ifndef FORKEXEC_FDPLAN_H
#define FORKEXEC_FDPLAN_H

#include <stddef.h>

enum fe_fdop_kind {
    FE_FDOP_ASIDE = 1, /* dup3(src, dst, O_CLOEXEC): park a source a later step would overwrite */
    FE_FDOP_PLACE = 2, /* dup3(src, dst, 0): put a source on its child fd, close-on-exec off */
    FE_FDOP_KEEP = 3   /* fcntl(dst, F_SETFD, 0): an identity entry, only close-on-exec off */
};

struct fe_fdop {
    int kind;
    int src;
    int dst;
};

struct fe_fdplan {
    int nops;
    struct fe_fdop *ops; /* capacity: 2 * n + 1 */
    int nkeep;
    int *keep;           /* capacity: n + 1; ascending; the fds that survive the close pass */
    int errfd;           /* where the error pipe's write end lives once the ops ran */
};

/* Bytes the caller must provide for a plan of n entries (ops and keep arrays). */
size_t fe_fdplan_ops_capacity(int n);
size_t fe_fdplan_keep_capacity(int n);

/*
 * Computes the plan for child[i] <- parent[i], i < n, with the error pipe at errfd.
 * plan->ops and plan->keep must point at arrays of the capacities above.
 * Returns 0, or -1 when the map itself is malformed (negative fd, a child fd twice);
 * the Java layer rejects those earlier, so -1 means a bug in a caller.
 */
int fe_fdplan_compute(const int *child, const int *parent, int n, int errfd, struct fe_fdplan *plan);

#endif
