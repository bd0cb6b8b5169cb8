package dev.forkexec.internal;

/**
 * Mirrors {@code names_jni.c}: errno names and texts, and the errno numbers the Java side tests
 * for, taken from the C headers once (so they are right on every platform the library is built for).
 */
public final class NativeNames {
    static {
        NativeLibrary.load();
    }

    public static final int EPERM = errno("EPERM");
    public static final int ENOENT = errno("ENOENT");
    public static final int ESRCH = errno("ESRCH");
    public static final int EBADF = errno("EBADF");
    public static final int ECHILD = errno("ECHILD");
    public static final int ENFILE = errno("ENFILE");
    public static final int EMFILE = errno("EMFILE");
    public static final int EACCES = errno("EACCES");
    public static final int EBUSY = errno("EBUSY");
    public static final int EOPNOTSUPP = errno("EOPNOTSUPP");
    public static final int ENODEV = errno("ENODEV");
    public static final int ENOSPC = errno("ENOSPC");
    public static final int EIO = errno("EIO");
    public static final int EAGAIN = errno("EAGAIN");

    private NativeNames() {}

    /** "No such file or directory (ENOENT)", the same in every locale. */
    public static native String errnoText(int errno);

    private static native int errnoNumber(String name);

    private static int errno(String name) {
        int n = errnoNumber(name);
        if (n < 0) throw new IllegalStateException("forkexec: the native library does not know errno " + name);
        return n;
    }
}
