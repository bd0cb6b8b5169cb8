/*
 * pty_jni.c - JNI glue for dev.forkexec.internal.NativePty: marshalling only; the ioctls are
 * in pty.c. Checks that NativePty's termios bits and indices are the C headers'.
 */
#include <jni.h>
#include <termios.h>

#include "dev_forkexec_internal_NativePty.h"
#include "pty.h"

#define JAVA(name) dev_forkexec_internal_NativePty_##name
/* Pasted here, not through JAVA(): an argument that is a macro (ECHO) would be expanded first. */
#define SAME(c) _Static_assert((c) == dev_forkexec_internal_NativePty_##c, #c " differs from NativePty." #c)
SAME(BRKINT);
SAME(ICRNL);
SAME(IXON);
SAME(OPOST);
SAME(ONLCR);
SAME(ISIG);
SAME(ICANON);
SAME(ECHO);
SAME(IEXTEN);
SAME(VINTR);
SAME(VQUIT);
SAME(VERASE);
SAME(VKILL);
SAME(VEOF);
SAME(VSUSP);
_Static_assert(FE_NCC == JAVA(NCC), "NativePty.NCC differs from the kernel's c_cc size");

static void to_java(JNIEnv *env, jintArray out, const struct fe_termios *t) {
    jint v[JAVA(T_SIZE)];
    v[JAVA(T_IFLAG)] = (jint)t->iflag;
    v[JAVA(T_OFLAG)] = (jint)t->oflag;
    v[JAVA(T_CFLAG)] = (jint)t->cflag;
    v[JAVA(T_LFLAG)] = (jint)t->lflag;
    for (int i = 0; i < FE_NCC; i++) v[JAVA(T_CC) + i] = t->cc[i];
    (*env)->SetIntArrayRegion(env, out, 0, JAVA(T_SIZE), v);
}

/* 0, or -1 with an exception pending (a short array). */
static int from_java(JNIEnv *env, jintArray in, struct fe_termios *t) {
    jint v[JAVA(T_SIZE)];
    (*env)->GetIntArrayRegion(env, in, 0, JAVA(T_SIZE), v);
    if ((*env)->ExceptionCheck(env)) return -1;
    t->iflag = (uint32_t)v[JAVA(T_IFLAG)];
    t->oflag = (uint32_t)v[JAVA(T_OFLAG)];
    t->cflag = (uint32_t)v[JAVA(T_CFLAG)];
    t->lflag = (uint32_t)v[JAVA(T_LFLAG)];
    for (int i = 0; i < FE_NCC; i++) t->cc[i] = (uint8_t)v[JAVA(T_CC) + i];
    return 0;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePty_resize(JNIEnv *env, jclass cls, jint fd, jint columns,
                                                                  jint rows) {
    (void)env;
    (void)cls;
    return fe_pty_resize(fd, columns, rows);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePty_size(JNIEnv *env, jclass cls, jint fd, jintArray out) {
    (void)cls;
    int cr[2];
    int err = fe_pty_size(fd, &cr[0], &cr[1]);
    if (err == 0) (*env)->SetIntArrayRegion(env, out, 0, 2, (const jint *)cr);
    return err;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePty_getTermios(JNIEnv *env, jclass cls, jint fd,
                                                                      jintArray out) {
    (void)cls;
    struct fe_termios t;
    int err = fe_pty_get_termios(fd, &t);
    if (err == 0) to_java(env, out, &t);
    return err;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePty_setTermios(JNIEnv *env, jclass cls, jint fd,
                                                                      jintArray in) {
    (void)cls;
    struct fe_termios t = {0};
    if (from_java(env, in, &t) < 0) return 0;
    /* c_line (the line discipline) is not carried: keep the terminal's. */
    struct fe_termios now;
    int err = fe_pty_get_termios(fd, &now);
    if (err != 0) return err;
    t.line = now.line;
    return fe_pty_set_termios(fd, &t);
}

JNIEXPORT void JNICALL Java_dev_forkexec_internal_NativePty_makeRaw(JNIEnv *env, jclass cls, jintArray termios) {
    (void)cls;
    struct fe_termios t = {0};
    if (from_java(env, termios, &t) < 0) return;
    fe_pty_make_raw(&t);
    to_java(env, termios, &t);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePty_foregroundGroup(JNIEnv *env, jclass cls, jint fd) {
    (void)env;
    (void)cls;
    int pgrp;
    int err = fe_pty_foreground(fd, &pgrp);
    return err != 0 ? -err : pgrp;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePty_signalForeground(JNIEnv *env, jclass cls, jint fd,
                                                                            jint sig) {
    (void)env;
    (void)cls;
    return fe_pty_signal(fd, sig);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePty_number(JNIEnv *env, jclass cls, jint fd) {
    (void)env;
    (void)cls;
    int n;
    int err = fe_pty_number(fd, &n);
    return err != 0 ? -err : n;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePty_hungUp(JNIEnv *env, jclass cls, jint fd) {
    (void)env;
    (void)cls;
    return fe_pty_hung_up(fd);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePty_dup(JNIEnv *env, jclass cls, jint fd) {
    (void)env;
    (void)cls;
    return fe_pty_dup(fd);
}
