/*
 * epoll_jni.c - JNI glue for dev.forkexec.internal.NativeEpoll: marshalling only; the
 * syscalls are in epoll.c.
 */
#include <errno.h>
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "dev_forkexec_internal_NativeEpoll.h"
#include "epoll.h"

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_create(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return fe_epoll_create();
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_eventfd(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return fe_eventfd_create();
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_ctl(JNIEnv *env, jclass cls, jint epfd, jint op, jint fd,
                                                        jint events, jlong token) {
    (void)env;
    (void)cls;
    return fe_epoll_ctl(epfd, op, fd, (uint32_t)events, (uint64_t)token);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_await(JNIEnv *env, jclass cls, jint epfd, jlongArray tokens,
                                                          jintArray events, jint timeoutMillis) {
    (void)cls;
    uint64_t t[256];
    uint32_t e[256];
    jsize max = (*env)->GetArrayLength(env, tokens);
    if ((*env)->GetArrayLength(env, events) < max) max = (*env)->GetArrayLength(env, events);
    int n = fe_epoll_wait(epfd, t, e, max, timeoutMillis);
    if (n > 0) {
        (*env)->SetLongArrayRegion(env, tokens, 0, n, (const jlong *)t);
        (*env)->SetIntArrayRegion(env, events, 0, n, (const jint *)e);
    }
    return n;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_poll(JNIEnv *env, jclass cls, jintArray fds, jintArray events,
                                                         jintArray revents, jint count, jint timeoutMillis) {
    (void)cls;
    if (count < 0 || (*env)->GetArrayLength(env, fds) < count || (*env)->GetArrayLength(env, events) < count
        || (*env)->GetArrayLength(env, revents) < count) {
        return -EINVAL;
    }
    jint small[3][16];
    jint *f = small[0], *e = small[1], *r = small[2];
    jint *heap = NULL;
    if (count > 16) {
        heap = malloc(3 * (size_t)count * sizeof *heap);
        if (heap == NULL) return -ENOMEM;
        f = heap;
        e = heap + count;
        r = heap + 2 * count;
    }
    (*env)->GetIntArrayRegion(env, fds, 0, count, f);
    (*env)->GetIntArrayRegion(env, events, 0, count, e);
    int n = fe_poll((const int *)f, (const uint32_t *)e, (uint32_t *)r, count, timeoutMillis);
    if (n > 0) (*env)->SetIntArrayRegion(env, revents, 0, count, r);
    free(heap);
    return n;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_signal(JNIEnv *env, jclass cls, jint efd) {
    (void)env;
    (void)cls;
    return fe_eventfd_signal(efd);
}

JNIEXPORT void JNICALL Java_dev_forkexec_internal_NativeEpoll_drain(JNIEnv *env, jclass cls, jint efd) {
    (void)env;
    (void)cls;
    fe_eventfd_drain(efd);
}

/* The kernel's numbers, read once by NativeEpoll's static fields. */
JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_epollin(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return EPOLLIN;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_epollout(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return EPOLLOUT;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_epollerr(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return EPOLLERR;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_epollhup(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return EPOLLHUP;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_ctlAdd(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return EPOLL_CTL_ADD;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_ctlDel(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return EPOLL_CTL_DEL;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeEpoll_ctlMod(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return EPOLL_CTL_MOD;
}
