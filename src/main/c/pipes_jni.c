/*
 * pipes_jni.c - JNI glue for dev.forkexec.internal.NativePipes: marshalling only; the syscall is
 * in pipes.c.
 */
#include <errno.h>
#include <jni.h>

#include "dev_forkexec_internal_NativePipes.h"
#include "pipes.h"

#define SAME(java, c) _Static_assert(dev_forkexec_internal_NativePipes_##java == (c), #java " differs from NativePipes.java")
SAME(READ_END, 0);
SAME(WRITE_END, 1);
SAME(ENOEXEC, ENOEXEC);

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePipes_pipe(JNIEnv *env, jclass cls, jintArray ends) {
    (void)cls;
    if ((*env)->GetArrayLength(env, ends) < 2) return EINVAL;
    int fds[2];
    int err = fe_pipe_cloexec(fds);
    if (err != 0) return err;
    jint out[2] = {fds[0], fds[1]};
    (*env)->SetIntArrayRegion(env, ends, 0, 2, out);
    return 0;
}

/* JNI may read a private field: the int fd inside a java.io.FileDescriptor (-1 once closed). */
JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePipes_fdOf(JNIEnv *env, jclass cls, jobject descriptor) {
    (void)cls;
    jclass type = (*env)->GetObjectClass(env, descriptor);
    jfieldID field = (*env)->GetFieldID(env, type, "fd", "I");
    if (field == NULL) return -1; /* NoSuchFieldError is pending and surfaces in Java */
    return (*env)->GetIntField(env, descriptor, field);
}
