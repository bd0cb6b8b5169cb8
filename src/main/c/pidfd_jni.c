/*
 * pidfd_jni.c - JNI glue for dev.forkexec.internal.NativePidfd: marshalling only; the
 * syscalls are in pidfd.c.
 */
#include <jni.h>
#include <signal.h>

#include "dev_forkexec_internal_NativePidfd.h"
#include "dev_forkexec_internal_WaitCodes.h"
#include "pidfd.h"

#define JAVA(name) dev_forkexec_internal_NativePidfd_##name

_Static_assert(CLD_EXITED == dev_forkexec_internal_WaitCodes_CLD_EXITED, "CLD_EXITED differs from WaitCodes");
_Static_assert(CLD_KILLED == dev_forkexec_internal_WaitCodes_CLD_KILLED, "CLD_KILLED differs from WaitCodes");
_Static_assert(CLD_DUMPED == dev_forkexec_internal_WaitCodes_CLD_DUMPED, "CLD_DUMPED differs from WaitCodes");

/* The usage array: U_VALID, U_AUTOREAP, then the counters, U_SIZE longs in all. */
static void copy_usage(JNIEnv *env, jlongArray out, const struct fe_usage *u) {
    jlong v[JAVA(U_SIZE)];
    v[JAVA(U_VALID)] = u->valid;
    v[JAVA(U_AUTOREAP)] = u->autoreap;
    v[JAVA(U_USER_MICROS)] = u->utime_us;
    v[JAVA(U_SYSTEM_MICROS)] = u->stime_us;
    v[JAVA(U_MAX_RSS_KIB)] = u->maxrss_kb;
    v[JAVA(U_MINOR_FAULTS)] = u->minflt;
    v[JAVA(U_MAJOR_FAULTS)] = u->majflt;
    v[JAVA(U_BLOCKS_IN)] = u->inblock;
    v[JAVA(U_BLOCKS_OUT)] = u->oublock;
    v[JAVA(U_VOLUNTARY_SWITCHES)] = u->nvcsw;
    v[JAVA(U_INVOLUNTARY_SWITCHES)] = u->nivcsw;
    if (out != NULL && (*env)->GetArrayLength(env, out) >= JAVA(U_SIZE))
        (*env)->SetLongArrayRegion(env, out, 0, JAVA(U_SIZE), v);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePidfd_waitPidfd(JNIEnv *env, jclass cls, jint pidfd,
                                                                       jboolean block, jlongArray usage) {
    (void)cls;
    int status = 0;
    struct fe_usage u;
    int r = fe_pidfd_wait(pidfd, block, &status, &u);
    copy_usage(env, usage, &u);
    if (r == 0) return status;
    if (r == FE_WAIT_RUNNING) return JAVA(RUNNING);
    if (r == FE_WAIT_UNKNOWN) return JAVA(UNKNOWN);
    return JAVA(UNKNOWN) - (-r); /* -2 - errno */
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePidfd_pollPidfd(JNIEnv *env, jclass cls, jint pidfd,
                                                                       jint timeoutMillis) {
    (void)env;
    (void)cls;
    return fe_pidfd_poll(pidfd, timeoutMillis);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePidfd_signalPidfd(JNIEnv *env, jclass cls, jint pidfd,
                                                                         jint sig) {
    (void)env;
    (void)cls;
    return fe_pidfd_signal(pidfd, sig);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePidfd_signalGroup(JNIEnv *env, jclass cls, jint pgid,
                                                                         jint sig) {
    (void)env;
    (void)cls;
    return fe_signal_group(pgid, sig);
}

JNIEXPORT void JNICALL Java_dev_forkexec_internal_NativePidfd_useInfo(JNIEnv *env, jclass cls, jboolean on) {
    (void)env;
    (void)cls;
    fe_pidfd_use_info(on);
}
