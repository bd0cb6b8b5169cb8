package dev.forkexec;

import dev.forkexec.internal.NativeEpoll;
import dev.forkexec.internal.NativeFd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * One of the parent's fds to a child, as the reactor's poll set holds it: registered once, with the
 * union of what the {@link FdEnd}s using it want, and closed once the last of them is done.
 *
 * <p>Why per fd and not per end: epoll keys its interest on the open file, so an fd that is both
 * read and written must be one registration whose events are the union of its ends' wants (a second
 * {@code EPOLL_CTL_ADD} of the same fd fails with EEXIST), and the fd may be closed only when no end
 * uses it any more. A pipe has exactly one end, so for a pipe this is just its registration and its
 * close.
 *
 * <p>How a pseudo-terminal master composes: one non-blocking fd, one {@code PolledFd}, a
 * {@link ReadEnd} (the child's output; read(2) failing with EIO once the slave side is gone is EOF,
 * which the read loop already treats so) and a {@link WriteEnd} (the child's input; the same queue,
 * EPOLLOUT interest, back-pressure and producer gate as a pipe). The fd is registered once, with
 * EPOLLIN|EPOLLOUT combined while both want them, and leaves the poll set only when neither does (a
 * paused read end and a finished write end: no EPOLLHUP spinning the loop). An event goes to the read
 * end on EPOLLIN, EPOLLHUP or EPOLLERR, then to the write end on EPOLLOUT, EPOLLHUP or EPOLLERR. When
 * the slave side hangs up, the read end reads on to EIO while the write end drops its queue and is
 * done; the fd closes after both, and not before the child is reaped unless our side hangs up
 * (ChildProcess.releaseTerminal says why). Closing the terminal's input queues VEOF as its last byte and
 * closes the write end once that is flushed (where a pipe's write end closes the pipe), leaving the
 * fd to the read end. The terminal's fd is closed under the {@link Terminal}'s lock, so none of its
 * ioctls can reach a reused fd number.
 *
 * <p>Loop thread only, except {@link #fd} (read by writers on any thread, under their end's lock).
 */
final class PolledFd implements Reactor.Handler {
    /** Events for the read end: data, or the writer side hung up (read on to EOF), or an error. */
    private static final int READ_EVENTS = NativeEpoll.EPOLLIN | NativeEpoll.EPOLLHUP | NativeEpoll.EPOLLERR;
    /** Events for the write end: room, or the reader side is gone. */
    private static final int WRITE_EVENTS = NativeEpoll.EPOLLOUT | NativeEpoll.EPOLLHUP | NativeEpoll.EPOLLERR;

    private final Reactor reactor;
    /** The raw fd number; valid while the channel is open. */
    final int fd;
    private final FileChannel channel;
    /** Closes the fd: the channel's close, or for a terminal its close under the Terminal's lock. */
    private final Runnable closer;
    private ReadEnd reader;
    private WriteEnd writer;

    private boolean attached;
    private boolean closed;
    private long token = -1;
    private int events = -1; // what the poll set holds for this fd; -1: not in it

    PolledFd(Reactor reactor, int fd, FileChannel channel) {
        this(reactor, fd, channel, null);
    }

    /** {@code closer} closes the fd instead of the channel's plain close (null: that close). */
    PolledFd(Reactor reactor, int fd, FileChannel channel, Runnable closer) {
        this.reactor = reactor;
        this.fd = fd;
        this.channel = channel;
        this.closer = closer;
    }

    /** Called once by each end as it is made. */
    void add(FdEnd end) {
        if (end instanceof ReadEnd r && reader == null) {
            reader = r;
        } else if (end instanceof WriteEnd w && writer == null) {
            writer = w;
        } else {
            throw new IllegalStateException("fd " + fd + " already has a " + end.getClass().getSimpleName());
        }
    }

    /** First time on the loop: from now on the poll set follows what the ends want. */
    void attach() {
        attached = true;
        sync();
    }

    /**
     * Makes the poll set match what the ends want now: out of it when no open end needs it, else the
     * union of their events (0 still reports EPOLLERR and EPOLLHUP).
     */
    void sync() {
        if (!attached || closed) return;
        int want = -1;
        if (reader != null) want = union(want, reader.interest());
        if (writer != null) want = union(want, writer.interest());
        if (want == events) return;
        if (token < 0) token = reactor.register(this);
        if (want < 0) {
            reactor.control(NativeEpoll.CTL_DEL, fd, 0, token);
        } else {
            reactor.control(events < 0 ? NativeEpoll.CTL_ADD : NativeEpoll.CTL_MOD, fd, want, token);
        }
        events = want;
    }

    private static int union(int a, int b) {
        return a < 0 ? b : b < 0 ? a : a | b;
    }

    @Override
    public void ready(int ev) {
        ReadEnd r = reader;
        if (r != null && r.isOpen() && (ev & READ_EVENTS) != 0) r.readable();
        WriteEnd w = writer;
        if (w != null && w.isOpen() && (ev & WRITE_EVENTS) != 0) w.ready(ev);
    }

    /**
     * read(2) into {@code buf} (direct): bytes read, 0 when nothing is there yet, -1 at EOF or on an
     * error (EIO from a terminal master whose slave side is gone is the usual one). The loop thread's
     * interrupt status plays no part: a caller-driven loop may be interrupted at any moment.
     */
    int read(ByteBuffer buf) {
        int n = NativeFd.read(fd, buf);
        return n < -1 ? -1 : n;
    }

    /** An end is done with this fd: once none is left, leave the poll set and close the fd. */
    void endClosed() {
        if (closed) return;
        if ((reader != null && reader.isOpen()) || (writer != null && writer.isOpen())) {
            sync(); // the other end may want less now
            return;
        }
        closed = true;
        if (events >= 0) reactor.control(NativeEpoll.CTL_DEL, fd, 0, token);
        events = -1;
        if (token >= 0) reactor.unregister(token);
        closeChannel();
    }

    /**
     * The loop thread is dying: close the fd without touching the poll set (closing the epoll fd
     * drops every registration). Each write end must have stopped writers first
     * ({@link WriteEnd#stopWrites()}), so no write lands on a reused fd number.
     */
    void forget() {
        closed = true;
        events = -1;
        closeChannel();
    }

    private void closeChannel() {
        if (closer != null) {
            closer.run();
            return;
        }
        closeQuietly(channel);
    }

    static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the fd is released whatever close(2) reports
        }
    }
}
