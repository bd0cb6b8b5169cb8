/*
 * spawn.h - start a child with an exact fd map, credentials, session and directory.
 *
 * Plain C, no JNI: spawn_jni.c marshals Java values into a struct fe_spawn_req, and the C
 * tests call fe_spawn() directly. The numeric codes below are part of the JNI protocol:
 * spawn_jni.c checks each against the constant NativeSpawn.java defines for it.
 */
#ifndef FORKEXEC_SPAWN_H
#define FORKEXEC_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

/* How one child fd is set up (ChildFD's kinds). */
enum fe_fd_kind {
    FE_FD_INHERIT = 0,       /* a dup of the parent fd in arg */
    FE_FD_PARENT_READS = 1,  /* a pipe: the child writes, the parent reads */
    FE_FD_PARENT_WRITES = 2, /* a pipe: the parent writes, the child reads */
    FE_FD_READ_FROM = 3,     /* the file at path, O_RDONLY */
    FE_FD_WRITE_TO = 4,      /* the file at path, O_WRONLY | O_CREAT | O_TRUNC, 0666 & ~umask */
    FE_FD_APPEND_TO = 5,     /* the file at path, O_WRONLY | O_CREAT | O_APPEND */
    FE_FD_DEV_NULL = 6,      /* /dev/null, O_RDWR */
    FE_FD_SAME_AS = 7,       /* the same open file as the entry whose index is in arg (never another SAME_AS) */
    FE_FD_PTY_SLAVE = 8      /* the slave of the spawn's one new pseudo-terminal (every such entry shares it) */
};

/* Steps that can fail; reported with an errno (SpawnException.step()). */
enum fe_step {
    FE_STEP_NONE = 0,
    FE_STEP_PIPE = 1,
    FE_STEP_CLONE = 2,
    FE_STEP_SETSID = 3,
    FE_STEP_SETGROUPS = 4,
    FE_STEP_SETGID = 5,
    FE_STEP_SETUID = 6,
    FE_STEP_CHDIR = 7,
    FE_STEP_FD = 8,
    FE_STEP_EXEC = 9,
    FE_STEP_MEMORY = 10,
    FE_STEP_OPEN = 11,
    FE_STEP_SETPGID = 12,
    FE_STEP_RLIMIT = 13,
    FE_STEP_NICE = 14,
    FE_STEP_PDEATHSIG = 15,
    FE_STEP_CGROUP = 16,
    FE_STEP_NO_NEW_PRIVS = 17,
    FE_STEP_PTY = 18 /* detail: enum fe_pty_op */
};

/* How the child is created. */
enum fe_mechanism {
    FE_MECH_AUTO = 0,     /* probe: clone-vm when it works here, else fork */
    FE_MECH_CLONE_VM = 1, /* clone(CLONE_VM|CLONE_VFORK) on a separate stack */
    FE_MECH_FORK = 2      /* a plain fork (clone without CLONE_VM) */
};

/* One entry of the fd map: child fd <- what kind says. */
struct fe_fd {
    int child_fd;
    int kind; /* enum fe_fd_kind */
    int arg;  /* FE_FD_INHERIT: the parent fd; FE_FD_SAME_AS: an entry index; otherwise unused */
};

/* One resource limit, set in the child with prlimit64 before the credential change. */
struct fe_rlimit {
    int resource;  /* RLIMIT_* */
    uint64_t soft; /* RLIM64_INFINITY (all ones) for unlimited */
    uint64_t hard;
};

struct fe_spawn_req {
    char *const *argv;  /* NULL-terminated */
    char *const *envp;  /* NULL-terminated */
    char *const *paths; /* candidate files to execve, in order; NULL-terminated */
    const char *dir;    /* chdir target, or NULL */
    int nfds;
    const struct fe_fd *fds;       /* nfds entries */
    const char *const *fd_paths;   /* nfds entries: the file of a READ_FROM/WRITE_TO/APPEND_TO entry, else NULL */
    int nonblocking;               /* parent ends of pipes get O_NONBLOCK */
    int new_session;
    int set_pgid, pgid;            /* setpgid(0, pgid) in the child (0: a group of its own) */
    int set_uid, set_gid;
    uid_t uid;
    gid_t gid;
    int ngroups;                   /* -1: leave supplementary groups alone */
    const gid_t *groups;
    int nrlimits;
    const struct fe_rlimit *rlimits;
    int set_nice, nice;            /* setpriority(PRIO_PROCESS, 0, nice) */
    int set_umask, umask;          /* umask(umask) in the child */
    int pdeathsig;                 /* PR_SET_PDEATHSIG; 0: none */
    int no_new_privs;              /* PR_SET_NO_NEW_PRIVS */
    const char *cgroup;            /* a cgroup v2 directory to start the child in, or NULL */
    int pty_columns, pty_rows;     /* the terminal's size, for FE_FD_PTY_SLAVE entries */
    int pty_mode;                  /* FE_PTY_NO_ECHO | FE_PTY_RAW (pty.h) */
};

struct fe_spawn_result {
    pid_t pid;
    int pidfd;
    int *parent_ends; /* caller-provided, nfds entries: our end of each pipe, -1 for the others */
    int pty_master;   /* the terminal's master when the map has FE_FD_PTY_SLAVE entries, else -1 */
    int step;         /* enum fe_step; FE_STEP_NONE on success */
    int err;          /* errno of the failed step */
    int detail;       /* exec: index of the candidate the errno belongs to; fd, pipe, open: the child fd;
                         rlimit: the index into rlimits; pty: enum fe_pty_op; else -1 */
};

/* Chooses the mechanism once per process; returns the one in force. */
int fe_spawn_init(int mechanism);

/* Whether cgroup spawns may use clone3 (1, the default) or must use their fallback (0): for tests. */
void fe_spawn_use_clone3(int on);

/* 0 on success (pid, pidfd, parent_ends set); -1 with step/err/detail set, nothing left behind. */
int fe_spawn(const struct fe_spawn_req *req, struct fe_spawn_result *res);

/* Undoes a successful fe_spawn the caller cannot hand on: SIGKILL, reap, close every fd (the master too). */
void fe_spawn_discard(struct fe_spawn_result *res, int nfds);

/* How many children each mechanism started (index: enum fe_mechanism). */
long fe_spawn_count(int mechanism);

#endif
