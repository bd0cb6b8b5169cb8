package dev.forkexec.internal;

/** Mirrors {@code epoll_jni.c}: the reactor's poll set and its wake-up eventfd. Event and op numbers come from C. */
public final class NativeEpoll {
    static {
        NativeLibrary.load();
    }

    public static final int EPOLLIN = epollin();
    public static final int EPOLLOUT = epollout();
    public static final int EPOLLERR = epollerr();
    public static final int EPOLLHUP = epollhup();
    public static final int CTL_ADD = ctlAdd();
    public static final int CTL_DEL = ctlDel();
    public static final int CTL_MOD = ctlMod();

    private NativeEpoll() {}

    /** epoll_create1(EPOLL_CLOEXEC): the fd, or -errno. */
    public static native int create();

    /** eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK): the fd, or -errno. */
    public static native int eventfd();

    /** epoll_ctl with the token as data: 0 or errno. */
    public static native int ctl(int epfd, int op, int fd, int events, long token);

    /** epoll_wait: fills tokens/events, returns the count (0 on EINTR/timeout) or -errno. */
    public static native int await(int epfd, long[] tokens, int[] events, int timeoutMillis);

    /** Wakes a waiter: 0 or errno. */
    public static native int signal(int efd);

    /** Resets the eventfd. */
    public static native void drain(int efd);

    private static native int epollin();

    private static native int epollout();

    private static native int epollerr();

    private static native int epollhup();

    private static native int ctlAdd();

    private static native int ctlDel();

    private static native int ctlMod();
}
