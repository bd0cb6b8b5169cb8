package dev.forkexec.internal;

import java.io.FileDescriptor;
import java.nio.ByteBuffer;

/** Mirrors {@code fdio_jni.c}: raw reads, writes and closes of the parent's ends of a child's pipes. */
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

    /**
     * read(2) from a non-blocking fd into a direct buffer, advancing its position: bytes read, 0 when
     * nothing is there yet (EAGAIN), -1 at end-of-file, or {@code -1 - errno} for an error. Unlike
     * FileChannel.read it ignores the caller's interrupt status, which must never close a child's pipe.
     *
     * @throws IllegalArgumentException for a heap buffer
     */
    public static int read(int fd, ByteBuffer dst) {
        if (!dst.isDirect()) throw new IllegalArgumentException("NativeFd.read needs a direct buffer");
        int n = readDirect(fd, dst, dst.position(), dst.remaining());
        if (n > 0) {
            dst.position(dst.position() + n);
            return n;
        }
        if (n == 0) return -1;
        return n == -NativeNames.EAGAIN ? 0 : -1 + n;
    }

    private static native int readDirect(int fd, ByteBuffer buffer, int position, int length);

    private static native int writeDirect(int fd, ByteBuffer buffer, int position, int length);

    private static native int writeArray(int fd, byte[] array, int offset, int length);

    /** close(2): 0 or errno. */
    public static native int close(int fd);

    /** Points a fresh {@link FileDescriptor} at a raw fd (JNI may set its private field). */
    public static native void setFd(FileDescriptor descriptor, int fd);
}
