package dev.forkexec;

import dev.forkexec.internal.NativeEpoll;
import dev.forkexec.internal.NativeFd;
import java.nio.ByteBuffer;

/**
 * The parent's writing end of a child fd: its {@link WriteQueue}, EPOLLOUT interest while bytes
 * wait, the producer gate (pause a streaming producer above the high-water mark, resume it or ask a
 * pull producer for more once drained), and flush-then-close.
 *
 * <p>Why a lock: writers call from any thread. A write is tried at once with a raw write(2) when
 * nothing is queued, under this end's lock, and the loop marks the end closed under the same lock
 * before the fd can be closed, so no write ever lands on a reused fd number. What does not fit is
 * copied into the queue, which the loop flushes on EPOLLOUT.
 *
 * <p>Closing by our side ({@link #requestClose()}) takes effect once the queue is flushed, in
 * {@link #drained()}: for a pipe that closes this end, and so the fd. A terminal's input closes this
 * end too, after the VEOF that {@code closeStdin} queued last, but the fd stays open for the
 * terminal's read end (see {@link PolledFd}), and its loss is not reported: the terminal is one
 * connection, reported by its read end. The child closing its side (EPOLLERR/EPOLLHUP) drops the queue: later writes
 * are dropped silently, as Twisted does.
 */
final class WriteEnd extends FdEnd {
    private final Runnable syncTask;
    private final Runnable drainedTask;
    /** The input of a terminal: its loss is not reported (the read end reports the terminal's). */
    private final boolean terminal;

    // Any thread; guarded by this.
    private final WriteQueue queue;
    private boolean wantOut;
    private boolean closeRequested; // by our side: writes now fail
    private boolean lost;           // the child's end closed: writes are dropped
    private Producer producer;
    private boolean streaming;
    private boolean producerPaused;
    /** Writer threads delivering pauseProducing() outside the lock; a resume must wait for them. */
    private int pausesInFlight;
    /** drained() wanted to resume while a pause was in flight: re-run it once the pause landed. */
    private boolean resumeDeferred;

    WriteEnd(ChildProcess child, int childFD, PolledFd fd, Reactor reactor) {
        this(child, childFD, fd, reactor, false);
    }

    WriteEnd(ChildProcess child, int childFD, PolledFd fd, Reactor reactor, boolean terminal) {
        super(child, childFD, fd);
        this.terminal = terminal;
        this.queue = new WriteQueue(reactor.chunkPool());
        this.syncTask = fd::sync;
        this.drainedTask = this::drained;
    }

    @Override
    boolean reportsLoss() {
        return !terminal;
    }

    @Override
    int interest() {
        synchronized (this) {
            return !isOpen() ? -1 : wantOut ? NativeEpoll.EPOLLOUT : 0;
        }
    }

    /** Loop thread: the fd is writable, or the child's side is gone. */
    void ready(int ev) {
        if ((ev & (NativeEpoll.EPOLLERR | NativeEpoll.EPOLLHUP)) != 0) {
            lostByChild();
        } else if ((ev & NativeEpoll.EPOLLOUT) != 0) {
            flush();
        }
    }

    /**
     * Any thread: writes {@code data}'s remaining bytes now, or queues what does not fit.
     * {@code stdin} picks the exception of the transport method that was called, once our side closed.
     */
    void write(ByteBuffer data, boolean stdin) {
        Producer toPause = null;
        boolean updateInterest = false;
        boolean notifyDrained = false;
        synchronized (this) {
            if (closeRequested) {
                String msg = "child fd " + childFD + " of " + child + " was closed by this side";
                if (stdin) throw new IllegalStateException(msg);
                throw new IllegalArgumentException(msg);
            }
            if (lost) return; // the child closed its end; Twisted drops the data too
            // write(2) under the lock: close() marks the end closed under it before the fd is closed.
            if (queue.isEmpty() && NativeFd.write(fd.fd, data) < 0) {
                return; // EPIPE: the child's end is gone; EPOLLERR reports the loss
            }
            if (data.hasRemaining()) {
                queue.add(data);
                updateInterest = !wantOut;
                wantOut = true;
                if (producer != null && streaming && !producerPaused && queue.size() > Reactor.HIGH_WATER_MARK) {
                    producerPaused = true;
                    pausesInFlight++;
                    toPause = producer;
                }
            } else {
                notifyDrained = producer != null && !streaming;
            }
        }
        // Ask for EPOLLOUT before pausing the producer: flushing must not wait on its callback.
        if (updateInterest) child.execute(syncTask);
        if (notifyDrained) child.execute(drainedTask);
        if (toPause != null) {
            child.call("pauseProducing", childFD, toPause::pauseProducing);
            boolean recheck;
            synchronized (this) {
                pausesInFlight--;
                recheck = resumeDeferred && pausesInFlight == 0;
                if (recheck) resumeDeferred = false;
            }
            // The queue drained while the pause was on its way: resume now, after it, not before.
            if (recheck) child.execute(drainedTask);
        }
    }

    /** EPOLLOUT: write what is queued; once empty, stop asking and tell the producer. */
    private void flush() {
        synchronized (this) {
            queue.writeTo(fd.fd); // EPIPE: EPOLLERR follows and reports the loss
            if (!queue.isEmpty()) return;
            wantOut = false;
        }
        // The producer first: what it writes now usually fills the pipe again and needs EPOLLOUT
        // back, so syncing after it saves an epoll_ctl pair per refill.
        drained();
        fd.sync();
    }

    /** Loop thread: the queue is empty: finish a requested close, or ask the producer for more. */
    private void drained() {
        Producer resume = null;
        boolean closeNow;
        synchronized (this) {
            if (!queue.isEmpty() || !isOpen()) return;
            closeNow = closeRequested;
            if (!closeNow && producer != null && streaming && producerPaused && pausesInFlight > 0) {
                resumeDeferred = true; // a resume now could overtake the pause; the writer re-runs us
            } else if (!closeNow && producer != null && (!streaming || producerPaused)) {
                producerPaused = false;
                resume = producer;
            }
        }
        if (closeNow) {
            closeAndMaybeEnd();
        } else if (resume != null) {
            child.call("resumeProducing", childFD, resume::resumeProducing);
        }
    }

    /** Any thread: feeds this end from {@code p}; false (and nothing registered) once it is closed. */
    synchronized boolean register(Producer p, boolean isStreaming) {
        if (producer != null) {
            throw new IllegalStateException("cannot register " + p + " on " + child + ": " + producer
                    + " was never unregistered");
        }
        if (closeRequested || lost) return false;
        producer = p;
        streaming = isStreaming;
        producerPaused = false;
        if (!isStreaming && queue.isEmpty()) child.execute(drainedTask);
        return true;
    }

    synchronized void unregister() {
        producer = null;
    }

    private void lostByChild() {
        synchronized (this) {
            lost = true;
            queue.clear();
        }
        closeAndMaybeEnd();
    }

    /**
     * The child is being torn down outside the loop's usual path (a failed connectionMade, a dying
     * loop): drop the queue and take no more writes, before the fd is closed.
     */
    synchronized void stopWrites() {
        lost = true;
        queue.clear();
    }

    /** Any thread: flush what is queued, then close. */
    @Override
    void requestClose() {
        synchronized (this) {
            if (closeRequested || lost) return;
            closeRequested = true;
        }
        child.execute(drainedTask);
    }

    /** Any thread: drop what is queued and close as soon as the loop gets to it (no flush). */
    void abortClose() {
        synchronized (this) {
            if (lost) return;
            closeRequested = true;
            queue.clear();
        }
        child.execute(drainedTask);
    }

    @Override
    Producer release() {
        synchronized (this) {
            lost = !closeRequested; // not our doing: later writes are dropped, as after the child closed
            Producer stop = producer;
            producer = null;
            queue.clear();
            return stop;
        }
    }
}
