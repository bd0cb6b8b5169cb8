package dev.forkexec.internal;

import java.io.FileDescriptor;
import java.nio.ByteBuffer;

/** Mirrors {@code fdio_jni.c}: raw writes and closes of the parent's ends of a child's pipes. */
public final class NativeFd {
    static {
        NativeLibrary.load();
    }

    private NativeFd() {}

    /**
     * write(2) of the buffer's remaining bytes to a non-blocking fd, advancing its position: bytes
     * written, 0 when the pipe is full, or -errno. Unlike FileChannel.write it ignores the caller's
     * interrupt status, which must never close a child's pipe.
     */
    public static int write(int fd, ByteBuffer src) {
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

    /** close(2): 0 or errno. */
    public static native int close(int fd);

    /** Points a fresh {@link FileDescriptor} at a raw fd (JNI may set its private field). */
    public static native void setFd(FileDescriptor descriptor, int fd);
}
