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

    /**
     * poll(2) over {@code fds[0..count)}, each for its {@code events} (the EPOLL* bits, which are
     * poll's): fills {@code revents} (a closed fd reads as EPOLLERR | EPOLLHUP) and returns how many
     * are ready, 0 on EINTR or timeout, or -errno. For a short-lived loop over a few fds, where an
     * epoll instance would cost more syscalls than it saves.
     */
    public static native int poll(int[] fds, int[] events, int[] revents, int count, int timeoutMillis);

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
