/*
 * clone3.h - clone3(2), for what clone(2) cannot do: start the child inside a cgroup
 * (CLONE_INTO_CGROUP, Linux 5.7+), atomically, so it never runs a moment in ours.
 */
#ifndef FORKEXEC_CLONE3_H
#define FORKEXEC_CLONE3_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's struct clone_args up to the cgroup field (CLONE_ARGS_SIZE_VER2, 88 bytes). */
struct fe_clone_args {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};

#define FE_CLONE_INTO_CGROUP 0x200000000ULL

/*
 * clone3 with CLONE_VM: the child starts on args->stack and runs fn(arg), then exits with
 * its result; it never returns here. The parent gets the pid, or -errno (-ENOSYS on an
 * architecture without the trampoline, where callers fall back to clone).
 */
long fe_clone3_vm(struct fe_clone_args *args, size_t size, int (*fn)(void *), void *arg);

/* clone3 without CLONE_VM: returns twice, like fork (0 in the child); -errno on failure. */
long fe_clone3_fork(struct fe_clone_args *args, size_t size);

#endif
