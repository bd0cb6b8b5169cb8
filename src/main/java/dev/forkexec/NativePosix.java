package dev.forkexec;

import java.io.FileDescriptor;
import java.nio.ByteBuffer;

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

    /**
     * write(2) of the buffer's remaining bytes to a non-blocking fd, advancing its position: bytes
     * written, 0 when the pipe is full, or -errno. Unlike FileChannel.write it ignores the caller's
     * interrupt status, which must never close a child's pipe.
     */
    static int write(int fd, ByteBuffer src) {
        int n;
        if (src.isDirect()) {
            n = writeDirect(fd, src, src.position(), src.remaining());
        } else if (src.hasArray()) {
            n = writeArray(fd, src.array(), src.arrayOffset() + src.position(), src.remaining());
        } else {
            byte[] copy = new byte[src.remaining()]; // a read-only heap buffer hides its array
            src.duplicate().get(copy);
            n = writeArray(fd, copy, 0, copy.length);
        }
        if (n > 0) src.position(src.position() + n);
        return n;
    }

    private static native int writeDirect(int fd, ByteBuffer buffer, int position, int length);

    private static native int writeArray(int fd, byte[] array, int offset, int length);

    /** Points a fresh {@link FileDescriptor} at a raw fd (JNI may set its private field). */
    static native void setFd(FileDescriptor descriptor, int fd);

    /** "No such file or directory (ENOENT)". */
    static native String errnoText(int errno);

    static native String[] signalNames();

    static native int[] signalNumbers();
}
