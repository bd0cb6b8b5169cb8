/*
 * posix_jni.c - JNI glue for dev.forkexec.NativePosix: marshalling only; the
 * syscalls are in posix.c.
 */
#include <errno.h>
#include <jni.h>
#include <unistd.h>

#include "dev_forkexec_NativePosix.h"
#include "posix.h"

JNIEXPORT jint JNICALL Java_dev_forkexec_NativePosix_waitPidfd(JNIEnv *env, jclass cls, jint pidfd, jboolean block) {
    (void)env;
    (void)cls;
    int status = 0;
    int r = fe_pidfd_wait(pidfd, block, &status);
    if (r == 0) return status;
    return r == 1 ? dev_forkexec_NativePosix_RUNNING : dev_forkexec_NativePosix_RUNNING - 1 + r;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_NativePosix_pollPidfd(JNIEnv *env, jclass cls, jint pidfd, jint timeoutMillis) {
    (void)env;
    (void)cls;
    return fe_pidfd_poll(pidfd, timeoutMillis);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_NativePosix_signalPidfd(JNIEnv *env, jclass cls, jint pidfd, jint sig) {
    (void)env;
    (void)cls;
    return fe_pidfd_signal(pidfd, sig);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_NativePosix_close(JNIEnv *env, jclass cls, jint fd) {
    (void)env;
    (void)cls;
    return close(fd) < 0 ? errno : 0;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_NativePosix_writeDirect(JNIEnv *env, jclass cls, jint fd, jobject buffer,
                                                                 jint position, jint length) {
    (void)cls;
    char *base = (*env)->GetDirectBufferAddress(env, buffer);
    if (base == NULL) return -EINVAL;
    return (jint)fe_write(fd, base + position, (size_t)length);
}

/* The array stays pinned only for one write(2) on a non-blocking fd, which never waits. */
JNIEXPORT jint JNICALL Java_dev_forkexec_NativePosix_writeArray(JNIEnv *env, jclass cls, jint fd, jbyteArray array,
                                                                jint offset, jint length) {
    (void)cls;
    jbyte *bytes = (*env)->GetPrimitiveArrayCritical(env, array, NULL);
    if (bytes == NULL) return -ENOMEM;
    long n = fe_write(fd, bytes + offset, (size_t)length);
    (*env)->ReleasePrimitiveArrayCritical(env, array, bytes, JNI_ABORT);
    return (jint)n;
}

JNIEXPORT void JNICALL Java_dev_forkexec_NativePosix_setFd(JNIEnv *env, jclass cls, jobject descriptor, jint fd) {
    (void)cls;
    jclass type = (*env)->GetObjectClass(env, descriptor);
    jfieldID field = (*env)->GetFieldID(env, type, "fd", "I");
    if (field != NULL) (*env)->SetIntField(env, descriptor, field, fd);
}

JNIEXPORT jstring JNICALL Java_dev_forkexec_NativePosix_errnoText(JNIEnv *env, jclass cls, jint err) {
    (void)cls;
    char buf[160];
    fe_errno_text(err, buf, sizeof buf);
    return (*env)->NewStringUTF(env, buf);
}

JNIEXPORT jobjectArray JNICALL Java_dev_forkexec_NativePosix_signalNames(JNIEnv *env, jclass cls) {
    (void)cls;
    jsize n = 0;
    while (fe_signals[n].name != NULL) n++;
    jclass string = (*env)->FindClass(env, "java/lang/String");
    if (string == NULL) return NULL;
    jobjectArray names = (*env)->NewObjectArray(env, n, string, NULL);
    for (jsize i = 0; names != NULL && i < n; i++) {
        jstring name = (*env)->NewStringUTF(env, fe_signals[i].name);
        if (name == NULL) return NULL;
        (*env)->SetObjectArrayElement(env, names, i, name);
        (*env)->DeleteLocalRef(env, name);
    }
    return names;
}

JNIEXPORT jintArray JNICALL Java_dev_forkexec_NativePosix_signalNumbers(JNIEnv *env, jclass cls) {
    (void)cls;
    jsize n = 0;
    while (fe_signals[n].name != NULL) n++;
    jintArray numbers = (*env)->NewIntArray(env, n);
    for (jsize i = 0; numbers != NULL && i < n; i++) {
        jint number = fe_signals[i].number;
        (*env)->SetIntArrayRegion(env, numbers, i, 1, &number);
    }
    return numbers;
}
