package dev.forkexec;

import java.io.FileDescriptor;

/** Mirrors {@code posix_jni.c}: reaping and signalling by pidfd, fds, errno and signal names. */
final class NativePosix {
    /** {@link #waitPidfd} result while the child runs; results below it are {@code -2 - errno}. */
    static final int RUNNING = -1;

    static {
        NativeLibrary.load();
    }

    private NativePosix() {}

    /** (si_code << 8) | si_status once reaped, {@link #RUNNING}, or -2 - errno. */
    static native int waitPidfd(int pidfd, boolean block);

    /** 1 when the child has exited, 0 on timeout, or -errno. */
    static native int pollPidfd(int pidfd, int timeoutMillis);

    /** 0 or errno. */
    static native int signalPidfd(int pidfd, int signal);

    /** 0 or errno. */
    static native int close(int fd);

    /** Points a fresh {@link FileDescriptor} at a raw fd (JNI may set its private field). */
    static native void setFd(FileDescriptor descriptor, int fd);

    /** "No such file or directory (ENOENT)". */
    static native String errnoText(int errno);

    static native String[] signalNames();

    static native int[] signalNumbers();
}
