package dev.forkexec.internal;

import java.lang.annotation.Native;

/** Mirrors {@code pidfd_jni.c}: waiting for, reaping and signalling one child through its pidfd. */
public final class NativePidfd {
    /** {@link #waitPidfd} result while the child runs. */
    @Native public static final int RUNNING = -1;
    /** {@link #waitPidfd} result when the child was reaped elsewhere and the kernel kept no status. */
    @Native public static final int UNKNOWN = -2;
    // Results below UNKNOWN are -2 - errno.

    // The usage array {@link #waitPidfd} fills.
    /** 1 when this wait reaped the child (the counters are valid), 0 when something else did. */
    @Native public static final int U_VALID = 0;
    /** 1 when SIGCHLD is ignored in this process, so the kernel reaps children itself. */
    @Native public static final int U_AUTOREAP = 1;
    @Native public static final int U_USER_MICROS = 2;
    @Native public static final int U_SYSTEM_MICROS = 3;
    @Native public static final int U_MAX_RSS_KIB = 4;
    @Native public static final int U_MINOR_FAULTS = 5;
    @Native public static final int U_MAJOR_FAULTS = 6;
    @Native public static final int U_BLOCKS_IN = 7;
    @Native public static final int U_BLOCKS_OUT = 8;
    @Native public static final int U_VOLUNTARY_SWITCHES = 9;
    @Native public static final int U_INVOLUNTARY_SWITCHES = 10;
    @Native public static final int U_SIZE = 11;

    static {
        NativeLibrary.load();
        // A diagnostics switch: false ignores the status a pidfd keeps, as kernels before 6.15 must.
        if ("false".equals(System.getProperty("forkexec.pidfdInfo"))) useInfo(false);
    }

    private NativePidfd() {}

    /**
     * Reaps the child (waitid with rusage): the packed status ({@link WaitCodes}), {@link #RUNNING},
     * {@link #UNKNOWN}, or {@code -2 - errno}; {@code usage} ({@link #U_SIZE} longs) is filled
     * either way. A child reaped elsewhere (SIGCHLD ignored, a waitpid(-1) elsewhere) still yields
     * its status where the kernel keeps it in the pidfd (Linux 6.15+), with {@code U_VALID} 0.
     */
    public static native int waitPidfd(int pidfd, boolean block, long[] usage);

    /** 1 when the child has exited, 0 on timeout, or -errno. */
    public static native int pollPidfd(int pidfd, int timeoutMillis);

    /** pidfd_send_signal: 0 or errno. */
    public static native int signalPidfd(int pidfd, int signal);

    private static native void useInfo(boolean on);

    /** kill(-pgid, signal): 0 or errno (ESRCH when no process is left in the group). */
    public static native int signalGroup(int pgid, int signal);
}
