/*
 * spawn_jni.c - JNI glue for dev.forkexec.internal.NativeSpawn: copies a request (strings,
 * header, fd map, groups; the layout is NativeSpawn's) into one C block, hands it to
 * fe_spawn() in spawn.c, and packs the result. Marshalling only.
 */
#include <errno.h>
#include <jni.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "dev_forkexec_internal_NativeSpawn.h"
#include "pty.h"
#include "spawn.h"

#define JAVA(name) dev_forkexec_internal_NativeSpawn_##name
#define SAME(c, java) _Static_assert((c) == JAVA(java), #c " differs from NativeSpawn." #java)

SAME(FE_FD_INHERIT, FD_INHERIT);
SAME(FE_FD_PARENT_READS, FD_PARENT_READS);
SAME(FE_FD_PARENT_WRITES, FD_PARENT_WRITES);
SAME(FE_MECH_AUTO, MECH_AUTO);
SAME(FE_MECH_CLONE_VM, MECH_CLONE_VM);
SAME(FE_MECH_FORK, MECH_FORK);
SAME(FE_STEP_NONE, STEP_NONE);
SAME(FE_STEP_PIPE, STEP_PIPE);
SAME(FE_STEP_CLONE, STEP_CLONE);
SAME(FE_STEP_SETSID, STEP_SETSID);
SAME(FE_STEP_SETGROUPS, STEP_SETGROUPS);
SAME(FE_STEP_SETGID, STEP_SETGID);
SAME(FE_STEP_SETUID, STEP_SETUID);
SAME(FE_STEP_CHDIR, STEP_CHDIR);
SAME(FE_STEP_FD, STEP_FD);
SAME(FE_STEP_EXEC, STEP_EXEC);
SAME(FE_STEP_MEMORY, STEP_MEMORY);
SAME(FE_STEP_OPEN, STEP_OPEN);
SAME(FE_STEP_SETPGID, STEP_SETPGID);
SAME(FE_STEP_RLIMIT, STEP_RLIMIT);
SAME(FE_STEP_NICE, STEP_NICE);
SAME(FE_STEP_PDEATHSIG, STEP_PDEATHSIG);
SAME(FE_STEP_CGROUP, STEP_CGROUP);
SAME(FE_STEP_NO_NEW_PRIVS, STEP_NO_NEW_PRIVS);
SAME(FE_FD_READ_FROM, FD_READ_FROM);
SAME(FE_FD_WRITE_TO, FD_WRITE_TO);
SAME(FE_FD_APPEND_TO, FD_APPEND_TO);
SAME(FE_FD_DEV_NULL, FD_DEV_NULL);
SAME(FE_FD_SAME_AS, FD_SAME_AS);
SAME(FE_FD_PTY_SLAVE, FD_PTY_SLAVE);
SAME(FE_STEP_PTY, STEP_PTY);
SAME(FE_PTY_NO_ECHO, PTY_NO_ECHO);
SAME(FE_PTY_RAW, PTY_RAW);
SAME(FE_PTY_OPEN, PTY_OP_OPEN);
SAME(FE_PTY_UNLOCK, PTY_OP_UNLOCK);
SAME(FE_PTY_PEER, PTY_OP_PEER);
SAME(FE_PTY_WINSIZE, PTY_OP_WINSIZE);
SAME(FE_PTY_TERMIOS, PTY_OP_TERMIOS);
SAME(FE_PTY_CTTY, PTY_OP_CTTY);

/* ResourceLimit's codes (NativeSpawn.LIMIT_*) to the kernel's RLIMIT_* numbers. */
static const int RLIMITS[] = {
    [JAVA(LIMIT_AS)] = RLIMIT_AS,           [JAVA(LIMIT_CORE)] = RLIMIT_CORE,     [JAVA(LIMIT_CPU)] = RLIMIT_CPU,
    [JAVA(LIMIT_DATA)] = RLIMIT_DATA,       [JAVA(LIMIT_FSIZE)] = RLIMIT_FSIZE,   [JAVA(LIMIT_MEMLOCK)] = RLIMIT_MEMLOCK,
    [JAVA(LIMIT_NOFILE)] = RLIMIT_NOFILE,   [JAVA(LIMIT_NPROC)] = RLIMIT_NPROC,   [JAVA(LIMIT_STACK)] = RLIMIT_STACK,
};
_Static_assert(sizeof RLIMITS / sizeof RLIMITS[0] == JAVA(LIMIT_COUNT), "a ResourceLimit code has no RLIMIT_*");
SAME(3, FD_ENTRY_SIZE); /* struct fe_fd's three ints, in the order child_fd, kind, arg */
_Static_assert(sizeof(struct fe_fd) == JAVA(FD_ENTRY_SIZE) * sizeof(jint), "struct fe_fd is not three ints");

/* Everything fe_spawn needs, in one allocation so one free releases it. */
struct block {
    struct fe_spawn_req req;
    int *parent_ends;
};

static jsize length(JNIEnv *env, jarray array) { return array == NULL ? 0 : (*env)->GetArrayLength(env, array); }

static void throw_illegal(JNIEnv *env, const char *message) {
    jclass type = (*env)->FindClass(env, "java/lang/IllegalArgumentException");
    if (type != NULL) (*env)->ThrowNew(env, type, message);
}

/* Points vector[0..count) at the NUL-terminated strings starting at *cursor. */
static int split(char **cursor, const char *end, char **vector, int count) {
    for (int i = 0; i < count; i++) {
        char *nul = memchr(*cursor, '\0', (size_t)(end - *cursor));
        if (nul == NULL) return -1;
        vector[i] = *cursor;
        *cursor = nul + 1;
    }
    vector[count] = NULL;
    return 0;
}

static void *bump(char **cursor, size_t bytes) {
    void *p = *cursor;
    *cursor += (bytes + 15) & ~(size_t)15;
    return p;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeSpawn_init(JNIEnv *env, jclass cls, jint mechanism,
                                                                   jboolean clone3) {
    (void)env;
    (void)cls;
    fe_spawn_use_clone3(clone3);
    return fe_spawn_init(mechanism);
}

JNIEXPORT jlong JNICALL Java_dev_forkexec_internal_NativeSpawn_spawnCount(JNIEnv *env, jclass cls, jint mechanism) {
    (void)env;
    (void)cls;
    return fe_spawn_count(mechanism);
}

/* The packed result: R_STEP, R_ERRNO, R_DETAIL, R_PID, R_PIDFD, R_PTY_MASTER, then one parent end per entry. */
static jintArray pack(JNIEnv *env, const struct fe_spawn_result *res, int nfds) {
    jsize size = JAVA(R_ENDS) + (res->step == FE_STEP_NONE ? nfds : 0);
    jintArray out = (*env)->NewIntArray(env, size);
    if (out == NULL) return NULL;
    jint head[JAVA(R_ENDS)];
    head[JAVA(R_STEP)] = res->step;
    head[JAVA(R_ERRNO)] = res->err;
    head[JAVA(R_DETAIL)] = res->detail;
    head[JAVA(R_PID)] = res->pid;
    head[JAVA(R_PIDFD)] = res->pidfd;
    head[JAVA(R_PTY_MASTER)] = res->pty_master;
    (*env)->SetIntArrayRegion(env, out, 0, JAVA(R_ENDS), head);
    if (size > JAVA(R_ENDS)) (*env)->SetIntArrayRegion(env, out, JAVA(R_ENDS), nfds, res->parent_ends);
    return out;
}

/* The next NUL-terminated string at *cursor, or NULL when none is left. */
static char *next_string(char **cursor, const char *end) {
    char *nul = *cursor < end ? memchr(*cursor, '\0', (size_t)(end - *cursor)) : NULL;
    if (nul == NULL) return NULL;
    char *s = *cursor;
    *cursor = nul + 1;
    return s;
}

static int has_path(int kind) { return kind == FE_FD_READ_FROM || kind == FE_FD_WRITE_TO || kind == FE_FD_APPEND_TO; }

/* Checks what the C side relies on: kinds known, SAME_AS naming an earlier-resolved non-SAME_AS entry. */
static int valid_map(const struct fe_fd *map, int n) {
    for (int i = 0; i < n; i++) {
        if (map[i].kind < FE_FD_INHERIT || map[i].kind > FE_FD_PTY_SLAVE) return 0;
        if (map[i].kind == FE_FD_SAME_AS &&
            (map[i].arg < 0 || map[i].arg >= n || map[map[i].arg].kind == FE_FD_SAME_AS))
            return 0;
    }
    return 1;
}

JNIEXPORT jintArray JNICALL Java_dev_forkexec_internal_NativeSpawn_spawn(JNIEnv *env, jclass cls, jbyteArray strings,
                                                                        jintArray header, jintArray fds,
                                                                        jintArray groups, jlongArray limits) {
    (void)cls;
    jint h[JAVA(H_SIZE)];
    jsize nstrings = length(env, strings), nfd_ints = length(env, fds), ngroups = length(env, groups);
    jsize nlimit_longs = length(env, limits);
    if (length(env, header) != JAVA(H_SIZE) || nfd_ints % JAVA(FD_ENTRY_SIZE) != 0 ||
        nlimit_longs % JAVA(LIMIT_ENTRY_SIZE) != 0) {
        throw_illegal(env, "forkexec: malformed spawn request (header, fd map or limits size)");
        return NULL;
    }
    (*env)->GetIntArrayRegion(env, header, 0, JAVA(H_SIZE), h);
    int argc = h[JAVA(H_ARGC)], envc = h[JAVA(H_ENVC)], pathc = h[JAVA(H_PATHC)];
    int n = nfd_ints / JAVA(FD_ENTRY_SIZE), nlimits = nlimit_longs / JAVA(LIMIT_ENTRY_SIZE), flags = h[JAVA(H_FLAGS)];
    if (argc < 1 || envc < 0 || pathc < 0) {
        throw_illegal(env, "forkexec: malformed spawn request (counts)");
        return NULL;
    }
    size_t vectors = (size_t)(argc + 1 + envc + 1 + pathc + 1 + n) * sizeof(char *);
    size_t ints = (size_t)n * sizeof(int);
    size_t size = sizeof(struct block) + 16 * 8 + vectors + (size_t)nstrings + n * sizeof(struct fe_fd) + ints +
                  (size_t)ngroups * sizeof(gid_t) + (size_t)nlimits * (sizeof(struct fe_rlimit) + sizeof(jlong) * 3);
    char *memory = calloc(1, size);
    if (memory == NULL) {
        jclass oom = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
        if (oom != NULL) (*env)->ThrowNew(env, oom, "forkexec: no memory to marshal a spawn");
        return NULL;
    }
    char *cursor = memory;
    struct block *b = bump(&cursor, sizeof *b);
    char **argv = bump(&cursor, (size_t)(argc + 1) * sizeof(char *));
    char **envp = bump(&cursor, (size_t)(envc + 1) * sizeof(char *));
    char **paths = bump(&cursor, (size_t)(pathc + 1) * sizeof(char *));
    char **fd_paths = bump(&cursor, (size_t)n * sizeof(char *));
    char *text = bump(&cursor, (size_t)nstrings);
    struct fe_fd *map = bump(&cursor, n * sizeof(struct fe_fd));
    b->parent_ends = bump(&cursor, ints);
    gid_t *gids = bump(&cursor, (size_t)ngroups * sizeof(gid_t));
    struct fe_rlimit *rlimits = bump(&cursor, (size_t)nlimits * sizeof(struct fe_rlimit));
    jlong *raw_limits = bump(&cursor, (size_t)nlimit_longs * sizeof(jlong));

    (*env)->GetByteArrayRegion(env, strings, 0, nstrings, (jbyte *)text);
    (*env)->GetIntArrayRegion(env, fds, 0, nfd_ints, (jint *)map);
    if (nlimit_longs > 0) (*env)->GetLongArrayRegion(env, limits, 0, nlimit_longs, raw_limits);
    for (jsize i = 0; i < ngroups; i++) {
        jint g;
        (*env)->GetIntArrayRegion(env, groups, i, 1, &g);
        gids[i] = (gid_t)g;
    }
    if ((*env)->ExceptionCheck(env)) {
        free(memory);
        return NULL;
    }
    /* The strings, in order: argv, envp, candidates, [dir], [cgroup], then each file entry's path. */
    char *walk = text, *dir = NULL, *cgroup = NULL;
    const char *end = text + nstrings;
    int ok = split(&walk, end, argv, argc) == 0 && split(&walk, end, envp, envc) == 0 &&
             split(&walk, end, paths, pathc) == 0 && valid_map(map, n);
    if (ok && (flags & JAVA(FLAG_HAS_DIR))) ok = (dir = next_string(&walk, end)) != NULL;
    if (ok && (flags & JAVA(FLAG_HAS_CGROUP))) ok = (cgroup = next_string(&walk, end)) != NULL;
    for (int i = 0; ok && i < n; i++) {
        fd_paths[i] = NULL;
        if (has_path(map[i].kind)) ok = (fd_paths[i] = next_string(&walk, end)) != NULL;
    }
    for (int i = 0; ok && i < nlimits; i++) {
        const jlong *e = raw_limits + i * JAVA(LIMIT_ENTRY_SIZE);
        if (e[0] < 0 || e[0] >= JAVA(LIMIT_COUNT)) ok = 0;
        else rlimits[i] = (struct fe_rlimit){.resource = RLIMITS[e[0]], .soft = (uint64_t)e[1], .hard = (uint64_t)e[2]};
    }
    if (!ok) {
        throw_illegal(env, "forkexec: malformed spawn request (strings, fd map or limits)");
        free(memory);
        return NULL;
    }

    struct fe_spawn_req *req = &b->req;
    req->argv = argv;
    req->envp = envp;
    req->paths = paths;
    req->dir = dir;
    req->nfds = n;
    req->fds = map;
    req->fd_paths = (const char *const *)fd_paths;
    req->new_session = (flags & JAVA(FLAG_NEW_SESSION)) != 0;
    req->nonblocking = (flags & JAVA(FLAG_NONBLOCKING)) != 0;
    req->set_uid = (flags & JAVA(FLAG_SET_UID)) != 0;
    req->set_gid = (flags & JAVA(FLAG_SET_GID)) != 0;
    req->uid = (uid_t)h[JAVA(H_UID)];
    req->gid = (gid_t)h[JAVA(H_GID)];
    req->ngroups = (flags & JAVA(FLAG_SET_GROUPS)) != 0 ? ngroups : -1;
    req->groups = gids;
    req->set_pgid = (flags & JAVA(FLAG_SET_PGID)) != 0;
    req->pgid = h[JAVA(H_PGID)];
    req->nrlimits = nlimits;
    req->rlimits = rlimits;
    req->set_nice = (flags & JAVA(FLAG_SET_NICE)) != 0;
    req->nice = h[JAVA(H_NICE)];
    req->set_umask = (flags & JAVA(FLAG_SET_UMASK)) != 0;
    req->umask = h[JAVA(H_UMASK)];
    req->pdeathsig = h[JAVA(H_PDEATHSIG)];
    req->no_new_privs = (flags & JAVA(FLAG_NO_NEW_PRIVS)) != 0;
    req->cgroup = cgroup;
    req->pty_columns = h[JAVA(H_PTY_COLUMNS)];
    req->pty_rows = h[JAVA(H_PTY_ROWS)];
    req->pty_mode = h[JAVA(H_PTY_MODE)];

    struct fe_spawn_result res = {.parent_ends = b->parent_ends};
    fe_spawn(req, &res);
    jintArray out = pack(env, &res, n);
    if (out == NULL && res.step == FE_STEP_NONE) fe_spawn_discard(&res, n); /* OutOfMemoryError pending: leave no child */
    free(memory);
    return out;
}
