package dev.forkexec.internal;

import java.io.FileDescriptor;
import java.lang.annotation.Native;

/**
 * Mirrors {@code pipes_jni.c}: bare pipes and raw fd numbers for the {@code java.lang.Process}
 * adapter, which hands fds it owns to a spawn as {@code ChildFD.inherit} entries (a child's stdio
 * pipes, the links of a pipeline, files opened the way {@code ProcessBuilder} opens them).
 */
public final class NativePipes {
    /** Index of the read end in the array {@link #pipe} fills. */
    @Native public static final int READ_END = 0;
    /** Index of the write end in the array {@link #pipe} fills. */
    @Native public static final int WRITE_END = 1;
    /**
     * ENOEXEC, "Exec format error": what execve says of an executable text file without {@code #!},
     * which {@code ProcessBuilder} (through glibc's execvp) then runs with {@code /bin/sh}.
     */
    @Native public static final int ENOEXEC = 8;

    static {
        NativeLibrary.load();
    }

    private NativePipes() {}

    /**
     * {@code pipe2(O_CLOEXEC)}: fills {@code ends} (length 2) with the read and write end; returns 0
     * or the errno (EMFILE, ENFILE) with {@code ends} untouched. Both ends are close-on-exec; the
     * caller owns them and must close them.
     */
    public static native int pipe(int[] ends);

    /** The fd number a {@link FileDescriptor} holds (-1 once it was closed). */
    public static native int fdOf(FileDescriptor descriptor);
}
