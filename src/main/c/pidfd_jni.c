/*
 * pidfd_jni.c - JNI glue for dev.forkexec.internal.NativePidfd: marshalling only; the
 * syscalls are in pidfd.c.
 */
#include <jni.h>
#include <signal.h>

#include "dev_forkexec_internal_NativePidfd.h"
#include "dev_forkexec_internal_WaitCodes.h"
#include "pidfd.h"

_Static_assert(CLD_EXITED == dev_forkexec_internal_WaitCodes_CLD_EXITED, "CLD_EXITED differs from WaitCodes");
_Static_assert(CLD_KILLED == dev_forkexec_internal_WaitCodes_CLD_KILLED, "CLD_KILLED differs from WaitCodes");
_Static_assert(CLD_DUMPED == dev_forkexec_internal_WaitCodes_CLD_DUMPED, "CLD_DUMPED differs from WaitCodes");

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativePidfd_waitPidfd(JNIEnv *env, jclass cls, jint pidfd,
                                                                       jboolean block) {
    (void)env;
    (void)cls;
    int status = 0;
    int r = fe_pidfd_wait(pidfd, block, &status);
    if (r == 0) return status;
    return r == 1 ? dev_forkexec_internal_NativePidfd_RUNNING : dev_forkexec_internal_NativePidfd_RUNNING - 1 + r;
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
