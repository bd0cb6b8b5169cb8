/*
 * fdio_jni.c - JNI glue for dev.forkexec.internal.NativeFd: marshalling only; the syscalls
 * are in fdio.c.
 */
#include <errno.h>
#include <jni.h>

#include "dev_forkexec_internal_NativeFd.h"
#include "fdio.h"

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeFd_writeDirect(JNIEnv *env, jclass cls, jint fd,
                                                                      jobject buffer, jint position, jint length) {
    (void)cls;
    char *base = (*env)->GetDirectBufferAddress(env, buffer);
    if (base == NULL) return -EINVAL;
    return (jint)fe_write(fd, base + position, (size_t)length);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeFd_readDirect(JNIEnv *env, jclass cls, jint fd,
                                                                     jobject buffer, jint position, jint length) {
    (void)cls;
    char *base = (*env)->GetDirectBufferAddress(env, buffer);
    if (base == NULL) return -EINVAL;
    return (jint)fe_read(fd, base + position, (size_t)length);
}

/* The array stays pinned only for one write(2) on a non-blocking fd, which never waits. */
JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeFd_writeArray(JNIEnv *env, jclass cls, jint fd,
                                                                     jbyteArray array, jint offset, jint length) {
    (void)cls;
    jbyte *bytes = (*env)->GetPrimitiveArrayCritical(env, array, NULL);
    if (bytes == NULL) return -ENOMEM;
    long n = fe_write(fd, bytes + offset, (size_t)length);
    (*env)->ReleasePrimitiveArrayCritical(env, array, bytes, JNI_ABORT);
    return (jint)n;
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeFd_close(JNIEnv *env, jclass cls, jint fd) {
    (void)env;
    (void)cls;
    return fe_close(fd);
}

/*
 * FileDescriptor.fd, looked up once: a lookup by name costs more than the rest of the call, and
 * FileDescriptor is a boot class, never unloaded, so its field ID stays valid. Two threads racing
 * here store the same value.
 */
static jfieldID descriptor_fd;

JNIEXPORT void JNICALL Java_dev_forkexec_internal_NativeFd_setFd(JNIEnv *env, jclass cls, jobject descriptor,
                                                                jint fd) {
    (void)cls;
    jfieldID field = descriptor_fd;
    if (field == NULL) {
        jclass type = (*env)->GetObjectClass(env, descriptor);
        field = (*env)->GetFieldID(env, type, "fd", "I");
        if (field == NULL) return; /* NoSuchFieldError is pending */
        descriptor_fd = field;
    }
    (*env)->SetIntField(env, descriptor, field, fd);
}
