package dev.forkexec;

import dev.forkexec.internal.NativeEpoll;
import dev.forkexec.internal.NativeFd;
import dev.forkexec.internal.Signals;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A child run by a {@link Reactor}: the {@link ProcessTransport} its protocol drives (Twisted's
 * {@code Process}).
 *
 * <p>Threading: every method is safe from any thread. A write is tried at once (a raw write(2), so a
 * caller's interrupt never touches the pipe) when nothing is queued; what does not fit is copied into
 * the queue without blocking, and the reactor flushes it when the pipe has room.
 * Closing, pausing and registration take effect on the reactor thread, in call order. Protocol
 * callbacks (except {@code connectionMade}) and {@link Producer#resumeProducing()} run on the reactor
 * thread; {@link Producer#pauseProducing()} runs in the thread whose write crossed the high-water mark.
 */
public final class ChildProcess implements ProcessTransport {
    private static final int READS_PER_WAKEUP = 16;
    /** Reads of a pipe a grandchild may still feed, once Reactor.close() reaped the child. */
    private static final int READS_AT_CLOSE = 64;

    private final Reactor reactor;
    private final Subprocess process;
    private final ProcessProtocol protocol;
    private final Map<Integer, Pipe> pipes;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private volatile boolean readingPaused;

    // Loop thread only.
    private boolean attached;
    private long pidfdToken = -1;
    private ExitStatus status;
    private boolean ended;

    ChildProcess(Reactor reactor, Subprocess process, ProcessProtocol protocol) {
        this.reactor = reactor;
        this.process = process;
        this.protocol = protocol;
        Map<Integer, Pipe> p = new TreeMap<>();
        for (Map.Entry<Integer, FileChannel> e : process.channels().entrySet()) {
            int childFD = e.getKey();
            boolean parentReads = process.spec().childFDs().get(childFD).kind() == ChildFD.Kind.PARENT_READS;
            p.put(childFD, new Pipe(childFD, process.fd(childFD), e.getValue(), parentReads));
        }
        this.pipes = Collections.unmodifiableMap(p);
    }

    // ------------------------------------------------------------ ProcessTransport

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public void write(byte[] data) {
        write(ByteBuffer.wrap(Objects.requireNonNull(data, "data")));
    }

    @Override
    public void write(ByteBuffer data) {
        Objects.requireNonNull(data, "data");
        Pipe stdin = pipes.get(0);
        if (stdin == null || stdin.parentReads) {
            throw new IllegalStateException(this + " has no stdin pipe (child fd 0 is not mapped to parentWrites())");
        }
        stdin.write(data, true);
    }

    @Override
    public void writeSequence(List<ByteBuffer> data) {
        Objects.requireNonNull(data, "data");
        for (ByteBuffer b : data) write(b);
    }

    @Override
    public void writeToChild(int childFD, ByteBuffer data) {
        Objects.requireNonNull(data, "data");
        Pipe p = pipes.get(childFD);
        if (p == null || p.parentReads) {
            throw new IllegalArgumentException("child fd " + childFD + " of " + this
                    + " is not a parentWrites() pipe; the writable ones are " + writers());
        }
        p.write(data, false);
    }

    @Override
    public void closeChildFD(int childFD) {
        Pipe p = pipes.get(childFD);
        if (p != null) p.requestClose();
    }

    @Override
    public void closeStdin() {
        closeChildFD(0);
    }

    @Override
    public void closeStdout() {
        closeChildFD(1);
    }

    @Override
    public void closeStderr() {
        closeChildFD(2);
    }

    @Override
    public void loseConnection() {
        closeStdin();
        closeStderr();
        closeStdout();
    }

    @Override
    public void pauseProducing() {
        readingPaused = true;
        reactor.execute(this::syncReaders);
    }

    @Override
    public void resumeProducing() {
        readingPaused = false;
        reactor.execute(this::syncReaders);
    }

    @Override
    public void registerProducer(Producer producer, boolean streaming) {
        Objects.requireNonNull(producer, "producer");
        Pipe stdin = pipes.get(0);
        if (stdin == null || stdin.parentReads || !stdin.register(producer, streaming)) {
            call(this, "stopProducing", 0, producer::stopProducing);
        }
    }

    @Override
    public void unregisterProducer() {
        Pipe stdin = pipes.get(0);
        if (stdin != null) stdin.unregister();
    }

    @Override
    public void signalProcess(String signal) {
        signalProcess(Signals.parse(signal));
    }

    @Override
    public void signalProcess(int signal) {
        try {
            process.signal(signal);
        } catch (ProcessExitedAlreadyException e) {
            throw new ProcessExitedAlreadyException(this + " has been reaped; it cannot receive " + Signals.name(signal));
        }
    }

    /**
     * Sends a signal to the child's whole process group, as {@link Subprocess#signalProcessGroup(int)}
     * describes: the child must lead its own group (processGroup(0) or newSession), else
     * IllegalStateException; ProcessExitedAlreadyException once no member of the group is left.
     */
    public void signalProcessGroup(int signal) {
        process.signalProcessGroup(signal);
    }

    /** {@link #signalProcessGroup(int)} by POSIX name ("TERM", "SIGTERM") or number ("15"). */
    public void signalProcessGroup(String signal) {
        process.signalProcessGroup(signal);
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
        return exit.copy();
    }

    /** The exit status once the child was reaped. */
    public Optional<ExitStatus> exitStatus() {
        return process.exitStatus();
    }

    /** The spec this child was started from. */
    public ProcessSpec spec() {
        return process.spec();
    }

    /** {@code ChildProcess[pid=123, running]}, or the exit status once reaped. */
    @Override
    public String toString() {
        Optional<ExitStatus> s = process.exitStatus();
        return "ChildProcess[pid=" + process.pid() + ", " + (s.isPresent() ? s.get() : "running") + "]";
    }

    private List<Integer> writers() {
        return pipes.values().stream().filter(p -> !p.parentReads).map(p -> p.childFD).toList();
    }

    // ------------------------------------------------------------ loop side

    /** Runs a protocol or producer callback; what it throws is logged with the pid and fd. */
    static void call(ChildProcess child, String callback, int childFD, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | LinkageError | AssertionError e) {
            Reactor.LOG.log(Level.ERROR, () -> "forkexec: " + callback + (childFD >= 0 ? "(fd " + childFD + ")" : "")
                    + " for pid " + child.pid() + " threw; the reactor goes on", e);
        } finally {
            // A callback that interrupted the loop thread must not make its next read or write close a pipe.
            if (child.reactor.inLoop()) Thread.interrupted();
        }
    }

    /** First task on the loop: put the pipes and the pidfd into the poll set. */
    void attach() {
        attached = true;
        pidfdToken = reactor.register(this::pidfdReady);
        reactor.control(NativeEpoll.CTL_ADD, process.pidfd(), NativeEpoll.EPOLLIN, pidfdToken);
        for (Pipe p : pipes.values()) p.sync();
        if (reactor.closing()) killForClose();
    }

    private void syncReaders() {
        for (Pipe p : pipes.values()) {
            if (p.parentReads) p.sync();
        }
    }

    /** The pidfd is readable: the child exited. */
    private void pidfdReady(int events) {
        ExitStatus s;
        try {
            Optional<ExitStatus> reaped = process.tryWait();
            if (reaped.isEmpty()) return;
            s = reaped.get();
        } catch (IllegalStateException e) {
            Reactor.LOG.log(Level.ERROR, "forkexec: cannot reap pid " + pid() + "; reporting exit 255", e);
            s = ExitStatus.exited(255);
        }
        reactor.control(NativeEpoll.CTL_DEL, process.pidfd(), 0, pidfdToken);
        reactor.unregister(pidfdToken);
        pidfdToken = -1;
        status = s;
        ExitStatus reported = s;
        call(this, "processExited", -1, () -> protocol.processExited(reported));
        if (reactor.closing()) closeAllPipes();
        maybeEnd();
    }

    /** Reactor.close(): kill, and once reaped, close whatever a grandchild may still hold. */
    void killForClose() {
        if (!attached) return; // attach() runs later and calls this again
        if (status == null) {
            try {
                process.signal(Signals.SIGKILL);
            } catch (ProcessExitedAlreadyException alreadyGone) {
                // reaped meanwhile: pidfdReady() follows
            }
        } else {
            closeAllPipes();
            maybeEnd();
        }
    }

    private void closeAllPipes() {
        for (Pipe p : pipes.values()) {
            if (p.parentReads) p.readAvailable(READS_AT_CLOSE, true);
            p.close();
        }
    }

    /** Twisted's maybeCallProcessEnded: reaped and every pipe closed. */
    private void maybeEnd() {
        if (ended || status == null) return;
        for (Pipe p : pipes.values()) {
            if (p.open) return;
        }
        ended = true;
        process.close();
        reactor.ended(this);
        ExitStatus s = status;
        call(this, "processEnded", -1, () -> protocol.processEnded(s));
        exit.complete(s);
    }

    /** One pipe to the child; readers are loop-confined, a writer's queue is guarded by the pipe. */
    private final class Pipe implements Reactor.Handler {
        final int childFD;
        final int fd;
        final FileChannel channel;
        final boolean parentReads;

        // Loop thread only.
        boolean open = true;
        long token = -1;
        int events = -1; // what the poll set holds for us; -1: not in it

        // Any thread; guarded by this.
        private final WriteQueue queue = new WriteQueue(reactor.chunkPool());
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

        Pipe(int childFD, int fd, FileChannel channel, boolean parentReads) {
            this.childFD = childFD;
            this.fd = fd;
            this.channel = channel;
            this.parentReads = parentReads;
        }

        /** Makes the poll set match what this pipe wants now. */
        void sync() {
            if (!attached) return;
            int want;
            synchronized (this) {
                want = !open ? -1 : parentReads ? (readingPaused || closeRequested ? -1 : NativeEpoll.EPOLLIN)
                        : (wantOut ? NativeEpoll.EPOLLOUT : 0);
            }
            if (want == events) return;
            if (token < 0) token = reactor.register(this);
            if (want < 0) {
                reactor.control(NativeEpoll.CTL_DEL, fd, 0, token);
            } else {
                reactor.control(events < 0 ? NativeEpoll.CTL_ADD : NativeEpoll.CTL_MOD, fd, want, token);
            }
            events = want;
        }

        @Override
        public void ready(int ev) {
            if (!open) return;
            if (parentReads) {
                readAvailable(READS_PER_WAKEUP, false);
            } else if ((ev & (NativeEpoll.EPOLLERR | NativeEpoll.EPOLLHUP)) != 0) {
                lostByChild();
            } else if ((ev & NativeEpoll.EPOLLOUT) != 0) {
                flush();
            }
        }

        // ---------------------------------------------------- reading

        /** Reads until EAGAIN, EOF or {@code max} reads; EOF or an error closes the pipe. */
        void readAvailable(int max, boolean ignorePause) {
            ByteBuffer buf = reactor.readBuffer();
            for (int i = 0; i < max && open; i++) {
                if (!ignorePause && (readingPaused || closeRequested)) return;
                int n;
                buf.clear();
                try {
                    n = channel.read(buf);
                } catch (IOException e) {
                    n = -1;
                }
                if (n == 0) return;
                if (n < 0) {
                    close();
                    maybeEnd();
                    return;
                }
                buf.flip();
                call(ChildProcess.this, "childDataReceived", childFD, () -> protocol.childDataReceived(childFD, buf));
            }
        }

        // ---------------------------------------------------- writing

        void write(ByteBuffer data, boolean stdin) {
            Producer toPause = null;
            boolean updateInterest = false;
            boolean notifyDrained = false;
            synchronized (this) {
                if (closeRequested) {
                    String msg = "child fd " + childFD + " of " + ChildProcess.this + " was closed by this side";
                    if (stdin) throw new IllegalStateException(msg);
                    throw new IllegalArgumentException(msg);
                }
                if (lost) return; // the child closed its end; Twisted drops the data too
                // write(2) under the lock: close() marks the pipe closed under it before closing the fd.
                if (queue.isEmpty() && NativeFd.write(fd, data) < 0) {
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
            if (updateInterest) reactor.execute(this::sync);
            if (notifyDrained) reactor.execute(this::drained);
            if (toPause != null) {
                call(ChildProcess.this, "pauseProducing", childFD, toPause::pauseProducing);
                boolean recheck;
                synchronized (this) {
                    pausesInFlight--;
                    recheck = resumeDeferred && pausesInFlight == 0;
                    if (recheck) resumeDeferred = false;
                }
                // The queue drained while the pause was on its way: resume now, after it, not before.
                if (recheck) reactor.execute(this::drained);
            }
        }

        /** EPOLLOUT: write what is queued; once empty, stop asking and tell the producer. */
        private void flush() {
            synchronized (this) {
                queue.writeTo(fd); // EPIPE: EPOLLERR follows and reports the loss
                if (!queue.isEmpty()) return;
                wantOut = false;
            }
            // The producer first: what it writes now usually fills the pipe again and needs EPOLLOUT
            // back, so syncing after it saves an epoll_ctl pair per refill.
            drained();
            sync();
        }

        /** The queue is empty: finish a requested close, or ask the producer for more. */
        private void drained() {
            Producer resume = null;
            boolean closeNow;
            synchronized (this) {
                if (!queue.isEmpty() || !open) return;
                closeNow = closeRequested;
                if (!closeNow && producer != null && streaming && producerPaused && pausesInFlight > 0) {
                    resumeDeferred = true; // a resume now could overtake the pause; the writer re-runs us
                } else if (!closeNow && producer != null && (!streaming || producerPaused)) {
                    producerPaused = false;
                    resume = producer;
                }
            }
            if (closeNow) {
                close();
                maybeEnd();
            } else if (resume != null) {
                call(ChildProcess.this, "resumeProducing", childFD, resume::resumeProducing);
            }
        }

        synchronized boolean register(Producer p, boolean isStreaming) {
            if (producer != null) {
                throw new IllegalStateException("cannot register " + p + " on " + ChildProcess.this + ": " + producer
                        + " was never unregistered");
            }
            if (closeRequested || lost) return false;
            producer = p;
            streaming = isStreaming;
            producerPaused = false;
            if (!isStreaming && queue.isEmpty()) reactor.execute(this::drained);
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
            close();
            maybeEnd();
        }

        // ---------------------------------------------------- closing

        /** Any thread: writers flush then close; readers close now. */
        void requestClose() {
            synchronized (this) {
                if (closeRequested || lost) return;
                closeRequested = true;
            }
            reactor.execute(parentReads ? this::closeAndMaybeEnd : this::drained);
        }

        private void closeAndMaybeEnd() {
            close();
            maybeEnd();
        }

        /** Loop thread: leave the poll set, close the fd, tell the protocol once. */
        void close() {
            if (!open) return;
            Producer stop;
            synchronized (this) {
                open = false;
                lost = !closeRequested; // not our doing: later writes are dropped, as after the child closed
                stop = producer;
                producer = null;
                queue.clear();
            }
            if (events >= 0) reactor.control(NativeEpoll.CTL_DEL, fd, 0, token);
            events = -1;
            if (token >= 0) reactor.unregister(token);
            try {
                channel.close();
            } catch (IOException ignored) {
                // the fd is released whatever close(2) reports
            }
            call(ChildProcess.this, "childConnectionLost", childFD, () -> protocol.childConnectionLost(childFD));
            if (stop != null) call(ChildProcess.this, "stopProducing", childFD, stop::stopProducing);
        }
    }
}
