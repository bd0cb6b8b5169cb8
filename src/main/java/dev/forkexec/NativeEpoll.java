package dev.forkexec;

/** Mirrors {@code epoll_jni.c}: the reactor's poll set and its wake-up eventfd. */
final class NativeEpoll {
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int CTL_ADD = 1;
    static final int CTL_DEL = 2;
    static final int CTL_MOD = 3;

    static {
        NativeLibrary.load();
    }

    private NativeEpoll() {}

    /** epoll_create1(EPOLL_CLOEXEC): the fd, or -errno. */
    static native int create();

    /** eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK): the fd, or -errno. */
    static native int eventfd();

    /** epoll_ctl with the token as data: 0 or errno. */
    static native int ctl(int epfd, int op, int fd, int events, long token);

    /** epoll_wait: fills tokens/events, returns the count (0 on EINTR/timeout) or -errno. */
    static native int await(int epfd, long[] tokens, int[] events, int timeoutMillis);

    /** Wakes a waiter: 0 or errno. */
    static native int signal(int efd);

    /** Resets the eventfd. */
    static native void drain(int efd);
}
