package dev.forkexec.internal;

import java.lang.annotation.Native;

/** Mirrors {@code pidfd_jni.c}: waiting for, reaping and signalling one child through its pidfd. */
public final class NativePidfd {
    /** {@link #waitPidfd} result while the child runs; results below it are {@code -2 - errno}. */
    @Native public static final int RUNNING = -1;

    static {
        NativeLibrary.load();
    }

    private NativePidfd() {}

    /** The packed status ({@link WaitCodes}) once reaped, {@link #RUNNING}, or {@code -2 - errno}. */
    public static native int waitPidfd(int pidfd, boolean block);

    /** 1 when the child has exited, 0 on timeout, or -errno. */
    public static native int pollPidfd(int pidfd, int timeoutMillis);

    /** pidfd_send_signal: 0 or errno. */
    public static native int signalPidfd(int pidfd, int signal);
}
