/*
 * child.h - the child's side of a spawn: everything fe_child_main reads, prepared by the
 * parent (spawn.c) before the child exists.
 */
#ifndef FORKEXEC_CHILD_H
#define FORKEXEC_CHILD_H

#include "fdplan.h"
#include "spawn.h"

/* What the child reads; it lives in the parent's frame (CLONE_VM) or a copy of it (fork). */
struct fe_child {
    const struct fe_spawn_req *req;
    const struct fe_fdplan *plan;
    int errfd;        /* the error pipe's write end; moves when the plan parks it */
    int maxfd;        /* RLIMIT_NOFILE, for the last-resort close loop */
    int cgroup_procs; /* cgroup.procs to join by writing "0" (when clone3 could not place us), or -1 */
    pid_t parent;     /* the parent's pid, to notice it died before PR_SET_PDEATHSIG took effect */
    int ctty;         /* the child fd of a new terminal to take as controlling terminal, or -1 */
};

/* The record a failing step writes to the error pipe before the child exits 127. */
struct fe_child_error {
    int step;   /* enum fe_step */
    int err;    /* errno */
    int detail; /* see struct fe_spawn_result */
};

/* Runs the steps between clone and execve; returns only by exiting (exec or _exit(127)). */
int fe_child_main(void *arg);

#endif
