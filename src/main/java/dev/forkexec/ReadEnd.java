package dev.forkexec;

import dev.forkexec.internal.NativeEpoll;
import java.nio.ByteBuffer;

/**
 * The parent's reading end of a child fd: wants EPOLLIN unless the transport paused reading or our
 * side closed it, reads into the reactor's one read buffer and lends it to
 * {@code childDataReceived}, and closes at EOF or on a read error (a terminal master's EIO once the
 * child side is gone is such an error, so it is EOF here too).
 *
 * <p>Reads run on the loop thread only, so the read loop takes no lock and allocates nothing; only a
 * close request comes from other threads.
 */
final class ReadEnd extends FdEnd {
    /** Reads per wakeup, so one busy child cannot starve the others. */
    static final int READS_PER_WAKEUP = 16;

    private final Reactor reactor;
    /** Our side asked to close: reads stop at once. Set under the lock, read by the loop without it. */
    private volatile boolean closeRequested;
    private boolean lost; // guarded by this: closed not by our request (EOF, error, Reactor.close())

    ReadEnd(ChildProcess child, int childFD, PolledFd fd, Reactor reactor) {
        super(child, childFD, fd);
        this.reactor = reactor;
    }

    @Override
    int interest() {
        return !isOpen() || child.readingPaused() || closeRequested ? -1 : NativeEpoll.EPOLLIN;
    }

    /** The fd is readable, hung up or in error: read what there is. */
    void readable() {
        readAvailable(READS_PER_WAKEUP, false);
    }

    /**
     * Reads until EAGAIN, EOF or {@code max} reads; EOF or an error closes this end. With
     * {@code ignorePause} (the child was reaped during Reactor.close()) it reads even while paused.
     */
    void readAvailable(int max, boolean ignorePause) {
        ByteBuffer buf = reactor.readBuffer();
        for (int i = 0; i < max && isOpen(); i++) {
            if (!ignorePause && (child.readingPaused() || closeRequested)) return;
            buf.clear();
            int n = fd.read(buf);
            if (n == 0) return;
            if (n < 0) {
                closeAndMaybeEnd();
                return;
            }
            buf.flip();
            child.dataReceived(childFD, buf);
        }
    }

    @Override
    void requestClose() {
        synchronized (this) {
            if (closeRequested || lost) return;
            closeRequested = true;
        }
        child.execute(this::closeAndMaybeEnd);
    }

    @Override
    synchronized Producer release() {
        lost = !closeRequested;
        return null;
    }
}
