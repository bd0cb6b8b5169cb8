package dev.forkexec;

/**
 * One direction of one child fd as the parent uses it: a {@link ReadEnd} or a {@link WriteEnd}. This
 * base holds what both share, the child fd it stands for, the {@link PolledFd} it goes through, and
 * the close protocol: an end closes once, its fd is released when no other end still uses it, and
 * only then does the protocol hear {@code childConnectionLost} (so a callback that spawns can never
 * be handed this fd's number while we still use it).
 *
 * <p>An end never owns its fd: a pipe's {@code PolledFd} has one end, a pseudo-terminal master's has
 * a read end and a write end (see {@link PolledFd} for how those compose).
 *
 * <p>{@code open} is loop-confined; what other threads call is synchronized in the subclasses.
 */
abstract class FdEnd {
    final ChildProcess child;
    final int childFD;
    final PolledFd fd;
    private boolean open = true; // loop thread only

    FdEnd(ChildProcess child, int childFD, PolledFd fd) {
        this.child = child;
        this.childFD = childFD;
        this.fd = fd;
        fd.add(this);
    }

    /** Loop thread: whether this end is still in use. */
    final boolean isOpen() {
        return open;
    }

    /**
     * Loop thread: what this end needs from the poll set now: -1 nothing (it may leave the set), else
     * the events to wait for (0: none, but stay in the set to hear EPOLLERR and EPOLLHUP).
     */
    abstract int interest();

    /** Any thread: our side asks to close (a write end flushes first, a read end stops at once). */
    abstract void requestClose();

    /**
     * Loop thread: this end's own state ends (under its lock, before the fd can close); returns the
     * producer to stop once the protocol has heard of the loss, or null.
     */
    abstract Producer release();

    /**
     * Whether the protocol hears {@code childConnectionLost} when this end closes: yes for a pipe;
     * a terminal is one connection, reported once, by its read end (fd 1).
     */
    boolean reportsLoss() {
        return true;
    }

    /** Loop thread: stop, release the fd once no other end uses it, tell the protocol once. */
    final void close() {
        if (!open) return;
        open = false;
        Producer stop = release();
        fd.endClosed();
        if (reportsLoss()) child.connectionLost(childFD);
        if (stop != null) child.call("stopProducing", childFD, stop::stopProducing);
    }

    /** Loop thread: {@link #close()}, then processEnded if that was the child's last fd and it was reaped. */
    final void closeAndMaybeEnd() {
        close();
        child.maybeEnd();
    }
}
