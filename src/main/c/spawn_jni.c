/*
 * spawn_jni.c - JNI glue for dev.forkexec.NativeSpawn: copies the Java arrays into
 * one C block (argv, envp, candidate paths, fd map), releases nothing pinned,
 * and hands the block to fe_spawn() in spawn.c.
 */
#include <errno.h>
#include <jni.h>
#include <stdlib.h>
#include <string.h>

#include "dev_forkexec_NativeSpawn.h"
#include "spawn.h"

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

JNIEXPORT jint JNICALL Java_dev_forkexec_NativeSpawn_init(JNIEnv *env, jclass cls, jint mechanism) {
    (void)env;
    (void)cls;
    return fe_spawn_init(mechanism);
}

JNIEXPORT jlong JNICALL Java_dev_forkexec_NativeSpawn_spawnCount(JNIEnv *env, jclass cls, jint mechanism) {
    (void)env;
    (void)cls;
    return fe_spawn_count(mechanism);
}

JNIEXPORT jintArray JNICALL Java_dev_forkexec_NativeSpawn_spawn(JNIEnv *env, jclass cls, jbyteArray strings, jint argc,
                                                               jint envc, jint pathc, jbyteArray dir, jintArray childFds,
                                                               jintArray kinds, jintArray parentFds, jint uid, jint gid,
                                                               jintArray groups, jint flags) {
    (void)cls;
    jsize nstrings = length(env, strings), ndir = length(env, dir), n = length(env, childFds), ngroups = length(env, groups);
    if (argc < 1 || envc < 0 || pathc < 0 || length(env, kinds) != n || length(env, parentFds) != n) {
        throw_illegal(env, "forkexec: inconsistent spawn arguments");
        return NULL;
    }
    size_t vectors = (size_t)(argc + 1 + envc + 1 + pathc + 1) * sizeof(char *);
    size_t ints = (size_t)n * sizeof(int);
    size_t size = sizeof(struct block) + 16 * 8 + vectors + (size_t)nstrings + (size_t)ndir + 1 + 4 * ints +
                  (size_t)ngroups * sizeof(gid_t);
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
    char *text = bump(&cursor, (size_t)nstrings);
    char *dirtext = bump(&cursor, (size_t)ndir + 1);
    int *child = bump(&cursor, ints), *kind = bump(&cursor, ints), *parent = bump(&cursor, ints);
    b->parent_ends = bump(&cursor, ints);
    gid_t *gids = bump(&cursor, (size_t)ngroups * sizeof(gid_t));

    (*env)->GetByteArrayRegion(env, strings, 0, nstrings, (jbyte *)text);
    if (dir != NULL) (*env)->GetByteArrayRegion(env, dir, 0, ndir, (jbyte *)dirtext);
    (*env)->GetIntArrayRegion(env, childFds, 0, n, child);
    (*env)->GetIntArrayRegion(env, kinds, 0, n, kind);
    (*env)->GetIntArrayRegion(env, parentFds, 0, n, parent);
    for (jsize i = 0; i < ngroups; i++) {
        jint g;
        (*env)->GetIntArrayRegion(env, groups, i, 1, &g);
        gids[i] = (gid_t)g;
    }
    char *walk = text;
    if (!(*env)->ExceptionCheck(env) &&
        (split(&walk, text + nstrings, argv, argc) < 0 || split(&walk, text + nstrings, envp, envc) < 0 ||
         split(&walk, text + nstrings, paths, pathc) < 0))
        throw_illegal(env, "forkexec: spawn strings are not NUL-terminated");
    if ((*env)->ExceptionCheck(env)) {
        free(memory);
        return NULL;
    }

    struct fe_spawn_req *req = &b->req;
    req->argv = argv;
    req->envp = envp;
    req->paths = paths;
    req->dir = dir != NULL ? dirtext : NULL;
    req->nfds = n;
    req->child_fds = child;
    req->kinds = kind;
    req->parent_fds = parent;
    req->new_session = (flags & dev_forkexec_NativeSpawn_NEW_SESSION) != 0;
    req->nonblocking = (flags & dev_forkexec_NativeSpawn_NONBLOCKING) != 0;
    req->set_uid = (flags & dev_forkexec_NativeSpawn_SET_UID) != 0;
    req->set_gid = (flags & dev_forkexec_NativeSpawn_SET_GID) != 0;
    req->uid = (uid_t)uid;
    req->gid = (gid_t)gid;
    req->ngroups = (flags & dev_forkexec_NativeSpawn_SET_GROUPS) != 0 ? ngroups : -1;
    req->groups = gids;

    struct fe_spawn_result res = {.parent_ends = b->parent_ends};
    jintArray out;
    if (fe_spawn(req, &res) == 0) {
        out = (*env)->NewIntArray(env, 3 + n);
        if (out != NULL) {
            jint head[3] = {0, res.pid, res.pidfd};
            (*env)->SetIntArrayRegion(env, out, 0, 3, head);
            (*env)->SetIntArrayRegion(env, out, 3, n, res.parent_ends);
        } else {
            fe_spawn_discard(&res, n); /* OutOfMemoryError pending: leave no child behind */
        }
    } else {
        out = (*env)->NewIntArray(env, 3);
        if (out != NULL) {
            jint head[3] = {res.step, res.err, res.detail};
            (*env)->SetIntArrayRegion(env, out, 0, 3, head);
        }
    }
    free(memory);
    return out;
}
