/*
 * names_jni.c - JNI glue for dev.forkexec.internal.NativeNames (errno names, from names.c),
 * and the compile-time check that Signals.java numbers the signals as the C headers do.
 */
#include <jni.h>
#include <signal.h>

#include "dev_forkexec_internal_NativeNames.h"
#include "dev_forkexec_internal_Signals.h"
#include "names.h"

#define SIGNAL(name) _Static_assert(name == dev_forkexec_internal_Signals_##name, #name " differs from Signals.java")
SIGNAL(SIGHUP);
SIGNAL(SIGINT);
SIGNAL(SIGQUIT);
SIGNAL(SIGILL);
SIGNAL(SIGTRAP);
SIGNAL(SIGABRT);
SIGNAL(SIGBUS);
SIGNAL(SIGFPE);
SIGNAL(SIGKILL);
SIGNAL(SIGUSR1);
SIGNAL(SIGSEGV);
SIGNAL(SIGUSR2);
SIGNAL(SIGPIPE);
SIGNAL(SIGALRM);
SIGNAL(SIGTERM);
SIGNAL(SIGSTKFLT);
SIGNAL(SIGCHLD);
SIGNAL(SIGCONT);
SIGNAL(SIGSTOP);
SIGNAL(SIGTSTP);
SIGNAL(SIGTTIN);
SIGNAL(SIGTTOU);
SIGNAL(SIGURG);
SIGNAL(SIGXCPU);
SIGNAL(SIGXFSZ);
SIGNAL(SIGVTALRM);
SIGNAL(SIGPROF);
SIGNAL(SIGWINCH);
SIGNAL(SIGIO);
SIGNAL(SIGPWR);
SIGNAL(SIGSYS);
_Static_assert(_NSIG - 1 == dev_forkexec_internal_Signals_MAX, "Signals.MAX is not the highest signal number");

JNIEXPORT jstring JNICALL Java_dev_forkexec_internal_NativeNames_errnoText(JNIEnv *env, jclass cls, jint err) {
    (void)cls;
    char buf[160];
    fe_errno_text(err, buf, sizeof buf);
    return (*env)->NewStringUTF(env, buf);
}

JNIEXPORT jint JNICALL Java_dev_forkexec_internal_NativeNames_errnoNumber(JNIEnv *env, jclass cls, jstring name) {
    (void)cls;
    const char *chars = (*env)->GetStringUTFChars(env, name, NULL);
    if (chars == NULL) return -1;
    int number = fe_errno_number(chars);
    (*env)->ReleaseStringUTFChars(env, name, chars);
    return number;
}
