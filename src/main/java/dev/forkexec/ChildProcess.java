package dev.forkexec;

import dev.forkexec.internal.NativeEpoll;
import dev.forkexec.internal.NativeFd;
import dev.forkexec.internal.Signals;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
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
 *
 * <p>With a terminal ({@link ProcessSpec.Builder#usePTY()}), the master is the child's only channel:
 * writes to fd 0 ({@code write}, {@code writeToChild(0, ...)}) type into it, what it shows arrives as
 * {@code childDataReceived(1, ...)}, and {@code childConnectionLost(1)} comes once every slave side is
 * closed; {@link #terminal()} controls it.
 */
public final class ChildProcess implements ProcessTransport {
    /*
     * Inside, each child fd is one FdEnd: a ReadEnd for a parentReads() pipe, a WriteEnd for a
     * parentWrites() one, each going through the PolledFd that holds the fd's poll registration. A
     * terminal is one non-blocking master fd, one PolledFd, with a write end as child fd 0 (what is
     * typed) and a read end as child fd 1 (what the terminal shows; EIO once every slave side is
     * closed is its end of file). This class maps the transport's calls onto those ends and owns the
     * child's life: the pidfd, reaping, and processEnded once reaped with every end closed.
     */

    /** Reads of a pipe a grandchild may still feed, once Reactor.close() reaped the child. */
    private static final int READS_AT_CLOSE = 64;

    private final Reactor reactor;
    private final Subprocess process;
    private final ProcessProtocol protocol;
    /** Child fd to the end we hold on it. */
    private final Map<Integer, FdEnd> ends;
    /** The fds behind {@link #ends}, each once. */
    private final List<PolledFd> fds;
    /** With usePTY: the terminal, its one fd (both ends), and its input end (child fd 0); else null. */
    private final Terminal terminal;
    private final PolledFd terminalFd;
    private final WriteEnd terminalInput;
    private final FileChannel terminalChannel;
    /**
     * Our side asked to hang the terminal up (loseConnection, Expect.close), or the child is being
     * torn down: its master closes as soon as both ends are done, not only once the child is reaped.
     */
    private volatile boolean hangUpNow;
    /** Loop thread: both ends of the terminal are done, and its master waits for the reap to close. */
    private boolean terminalClosePending;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private volatile boolean readingPaused;
    /** connectionMade threw an Error: the child is gone and no callback may follow. */
    private volatile boolean discarded;
    /** Until {@link #start()}: loop work asked for during connectionMade is held in {@link #held}. */
    private volatile boolean holding = true;
    private final List<Runnable> held = new ArrayList<>(); // guarded by itself

    // Loop thread only.
    private boolean attached;
    private long pidfdToken = -1;
    private ExitStatus status;
    private boolean ended;

    ChildProcess(Reactor reactor, Subprocess process, ProcessProtocol protocol) {
        this.reactor = reactor;
        this.process = process;
        this.protocol = protocol;
        Map<Integer, FdEnd> e = new TreeMap<>();
        List<PolledFd> f = new ArrayList<>();
        for (Map.Entry<Integer, FileChannel> c : process.channels().entrySet()) {
            int childFD = c.getKey();
            PolledFd fd = new PolledFd(reactor, process.fd(childFD), c.getValue());
            boolean parentReads = process.spec().childFDs().get(childFD).kind() == ChildFD.Kind.PARENT_READS;
            e.put(childFD, parentReads ? new ReadEnd(this, childFD, fd, reactor) : new WriteEnd(this, childFD, fd, reactor));
            f.add(fd);
        }
        int master = process.takePtyMaster();
        if (master >= 0) {
            // One non-blocking fd, one registration: input typed as child fd 0, output read as child fd 1.
            FileDescriptor descriptor = new FileDescriptor();
            NativeFd.setFd(descriptor, master);
            FileChannel channel = new FileInputStream(descriptor).getChannel();
            this.terminalChannel = channel;
            this.terminal = new Terminal(master, this::toString, this::typeIntoTerminal);
            PolledFd fd = new PolledFd(reactor, master, channel, this::releaseTerminal);
            this.terminalFd = fd;
            this.terminalInput = new WriteEnd(this, 0, fd, reactor, true);
            e.put(0, terminalInput);
            e.put(1, new ReadEnd(this, 1, fd, reactor));
            f.add(fd);
        } else {
            this.terminal = null;
            this.terminalFd = null;
            this.terminalInput = null;
            this.terminalChannel = null;
        }
        this.ends = Collections.unmodifiableMap(e);
        this.fds = List.copyOf(f);
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
        if (!(ends.get(0) instanceof WriteEnd stdin)) {
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
        if (!(ends.get(childFD) instanceof WriteEnd w)) {
            throw new IllegalArgumentException("child fd " + childFD + " of " + this
                    + " is not a parentWrites() pipe; the writable ones are " + writers());
        }
        w.write(data, false);
    }

    /**
     * {@inheritDoc}
     *
     * <p>On a terminal ({@code usePTY}): 0 types VEOF and closes the input, as {@link #closeStdin()}
     * describes; 1 stops reading what the terminal shows; 2 does nothing (the terminal's output all
     * arrives as child fd 1).
     */
    @Override
    public void closeChildFD(int childFD) {
        if (childFD == 0 && terminalInput != null) {
            ByteBuffer eof = terminal.eofIfOpen();
            try {
                if (eof != null) terminalInput.write(eof, true);
            } catch (IllegalStateException closedAlready) {
                return; // closed by this side before: closing again does nothing
            }
        }
        FdEnd e = ends.get(childFD);
        if (e != null) e.requestClose();
    }

    /**
     * {@inheritDoc}
     *
     * <p>On a terminal ({@code usePTY}) this types the terminal's end-of-file character (VEOF, as it
     * is set at this moment) after what is queued, then takes no more writes; the terminal stays open
     * for its output. VEOF is an end of file for the child only in canonical mode and at the start of
     * a line (see {@link Terminal#sendEof()}); {@link Terminal#sendEof()} types it and keeps the input
     * open.
     */
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

    /**
     * {@inheritDoc}
     *
     * <p>On a terminal: flushes what is queued (no VEOF is typed), stops reading (the protocol hears
     * {@code childConnectionLost(1)}), then closes the master, so the kernel hangs the terminal up
     * and the child's session gets SIGHUP.
     */
    @Override
    public void loseConnection() {
        if (terminalInput != null) {
            hangUpNow = true;
            terminalInput.requestClose();
            ends.get(1).requestClose();
            return;
        }
        closeStdin();
        closeStderr();
        closeStdout();
    }

    @Override
    public void pauseProducing() {
        readingPaused = true;
        execute(this::syncReaders);
    }

    @Override
    public void resumeProducing() {
        readingPaused = false;
        execute(this::syncReaders);
    }

    @Override
    public void registerProducer(Producer producer, boolean streaming) {
        Objects.requireNonNull(producer, "producer");
        if (!(ends.get(0) instanceof WriteEnd stdin) || !stdin.register(producer, streaming)) {
            call("stopProducing", 0, producer::stopProducing);
        }
    }

    @Override
    public void unregisterProducer() {
        if (ends.get(0) instanceof WriteEnd stdin) stdin.unregister();
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
     * describes: the child must lead its own group ({@code processGroup(0)} or {@code newSession}).
     *
     * @param signal the signal number, e.g. 15 for SIGTERM
     * @throws IllegalStateException if the child does not lead its own process group
     * @throws ProcessExitedAlreadyException once no member of the group is left
     * @throws IllegalArgumentException for a number outside 0 to 64
     */
    public void signalProcessGroup(int signal) {
        process.signalProcessGroup(signal);
    }

    /**
     * {@link #signalProcessGroup(int)} by POSIX name.
     *
     * @param signal the name with or without {@code SIG} ({@code "TERM"}, {@code "SIGTERM"}) or the
     *     number ({@code "15"})
     * @throws IllegalArgumentException for a name or number that is no signal
     * @throws IllegalStateException if the child does not lead its own process group
     * @throws ProcessExitedAlreadyException once no member of the group is left
     */
    public void signalProcessGroup(String signal) {
        process.signalProcessGroup(signal);
    }

    /**
     * {@inheritDoc}
     *
     * <p>It completes exceptionally only if the reactor's loop thread died (with the error that
     * ended it; the child was then killed, reaped and ended), or if {@code connectionMade} threw an
     * Error (with that error; the child was killed and reaped and spawnProcess threw it).
     */
    @Override
    public CompletableFuture<ExitStatus> onExit() {
        return exit.copy();
    }

    /**
     * The child's terminal: window size, echo and raw mode, control characters, foreground process
     * group.
     *
     * @return the terminal
     * @throws IllegalStateException for a child started without {@link ProcessSpec.Builder#usePTY()}
     */
    public Terminal terminal() {
        if (terminal == null) {
            throw new IllegalStateException(this + " has no terminal: spawn it with ProcessSpec.Builder.usePTY()");
        }
        return terminal;
    }

    /**
     * Sets the terminal's window size ({@code TIOCSWINSZ}); the kernel sends SIGWINCH to its
     * foreground process group. Same as {@code terminal().resize(columns, rows)}.
     *
     * @param columns the new width, 1 to 65535
     * @param rows the new height, 1 to 65535
     * @throws IllegalStateException for a child without a terminal, or once the terminal was released
     * @throws IllegalArgumentException for a size outside 1 to 65535
     */
    public void resizeTerminal(int columns, int rows) {
        terminal().resize(columns, rows);
    }

    /** Expect.close(): drop what is queued to the terminal and close its master now (SIGHUP to the session). */
    void hangUpTerminal() {
        if (terminalInput == null) return;
        hangUpNow = true;
        terminalInput.abortClose();
        ends.get(1).requestClose();
    }

    /**
     * Both ends of the terminal are done (its PolledFd calls this instead of closing the channel):
     * close the master, unless the child still runs and our side did not ask to hang up. Then it
     * stays open until the reap: a child that closed its fds 0-2 (the end of file we just read) but
     * has not exited yet would otherwise get SIGHUP from the hang-up that closing the master is, and
     * die of it instead of exiting as it meant to. Loop thread, or the spawning thread in discard().
     */
    private void releaseTerminal() {
        if (status == null && !hangUpNow) {
            terminalClosePending = true;
            return;
        }
        terminalClosePending = false;
        terminal.close(() -> PolledFd.closeQuietly(terminalChannel));
    }

    /** Terminal.sendInterrupt() and the like: queued behind what was written before, as any write. */
    private void typeIntoTerminal(ByteBuffer bytes) {
        terminalInput.write(bytes, true);
    }

    /**
     * {@return the exit status once the child was reaped, else empty} That can be before
     * {@code processEnded}, while a grandchild still holds a pipe; {@link #onExit()} completes only
     * after {@code processEnded}.
     */
    public Optional<ExitStatus> exitStatus() {
        return process.exitStatus();
    }

    /** {@return the spec this child was started from} */
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
        return ends.values().stream().filter(e -> e instanceof WriteEnd).map(e -> e.childFD).toList();
    }

    // ------------------------------------------------------------ loop side

    /**
     * Runs a protocol or producer callback (none once the child was discarded). Whatever it throws,
     * Errors included, is logged with the pid and fd and goes no further: on the loop thread nobody
     * could catch it, and letting a StackOverflowError or OutOfMemoryError from one callback end the
     * loop would stop every other child's output, exits and writes. By the time it reaches here the
     * stack has unwound and what the callback allocated is garbage, so the loop can go on.
     */
    void call(String callback, int childFD, Runnable body) {
        if (discarded) return;
        try {
            body.run();
        } catch (Throwable t) {
            failed(callback, childFD, t);
        } finally {
            // A callback that interrupted the loop thread must not make its next read or write close a pipe.
            if (reactor.inLoop()) reactor.clearInterrupt();
        }
    }

    /** Loop thread: a read end lends the read buffer to the protocol (no allocation per read); as {@link #call}. */
    void dataReceived(int childFD, ByteBuffer data) {
        try {
            protocol.childDataReceived(childFD, data);
        } catch (Throwable t) {
            failed("childDataReceived", childFD, t);
        } finally {
            reactor.clearInterrupt(); // as in call(): the loop's next read must not see the callback's interrupt
        }
    }

    /** Logs a callback's failure; a failure to log (out of memory again) must not stop the caller either. */
    private void failed(String callback, int childFD, Throwable t) {
        try {
            Log.logger().log(Level.ERROR, () -> "forkexec: " + callback + (childFD >= 0 ? "(fd " + childFD + ")" : "")
                    + " for pid " + pid() + " threw; the reactor goes on", t);
        } catch (Throwable logFailed) {
            // nothing more can be done about it here; the loop goes on
        }
    }

    /**
     * Calling thread, inside spawnProcess: an Exception is logged like any callback's and the child
     * runs on (Twisted does the same). An Error means the protocol never finished setting up, and
     * here, unlike on the loop, there is a caller to tell: the child is killed and reaped, its fds
     * closed, and the Error comes out of spawnProcess.
     */
    void connectionMade() {
        try {
            protocol.connectionMade(this);
        } catch (Exception e) {
            failed("connectionMade", -1, e);
        } catch (Throwable t) {
            try {
                discard(t);
            } catch (Throwable cleanup) {
                t.addSuppressed(cleanup);
            }
            throw t;
        } finally {
            if (reactor.inLoop()) reactor.clearInterrupt();
        }
    }

    /**
     * Before attach(), on the spawning thread: kill and reap the child, close its fds, and let no
     * callback reach the protocol or a producer from now on. What connectionMade asked of the loop
     * (a flush, a close, a pull producer's first resume) was held, and is dropped.
     */
    void discard(Throwable cause) {
        synchronized (held) {
            discarded = true;
            held.clear();
        }
        for (FdEnd e : ends.values()) {
            if (e instanceof WriteEnd w) w.stopWrites();
        }
        hangUpNow = true;
        if (terminalFd != null) terminalFd.forget(); // ours, not the Subprocess's
        process.close(); // closes every pipe, SIGKILLs, reaps, closes the pidfd
        exit.completeExceptionally(cause);
    }

    /**
     * The loop thread is dying of {@code cause} (Reactor.loop): end this child here and now, without
     * the poll set. Kill and reap it, close its fds, deliver the callbacks it is still owed (each
     * open fd's childConnectionLost, processExited, processEnded) so no protocol waits for ever, and
     * fail onExit() with the cause.
     */
    void abandon(Throwable cause) {
        if (ended) return;
        for (FdEnd e : ends.values()) {
            if (e instanceof WriteEnd w) w.stopWrites();
        }
        hangUpNow = true;
        ExitStatus reaped;
        try {
            // killed before its pipes close: a child like cat would otherwise see EOF and exit 0 first
            process.close(); // SIGKILLs if still running, reaps, closes the pidfd
            reaped = process.exitStatus().orElseThrow();
        } catch (RuntimeException e) {
            Log.logger().log(Level.ERROR, "forkexec: cannot reap pid " + pid() + "; reporting exit 255", e);
            reaped = ExitStatus.exited(255);
        }
        for (PolledFd fd : fds) fd.forget();
        if (status == null) {
            ExitStatus exited = reaped;
            status = exited;
            call("processExited", -1, () -> protocol.processExited(exited));
        }
        for (FdEnd e : ends.values()) e.close();
        ended = true;
        reactor.ended(this);
        ExitStatus s = status;
        call("processEnded", -1, () -> protocol.processEnded(s));
        exit.completeExceptionally(cause);
    }

    /** Loop thread: an end closed; the protocol hears it once per child fd. */
    void connectionLost(int childFD) {
        call("childConnectionLost", childFD, () -> protocol.childConnectionLost(childFD));
    }

    boolean readingPaused() {
        return readingPaused;
    }

    /**
     * Runs {@code task} on the loop thread, in call order. While connectionMade runs it is held, and
     * handed over by {@link #start()} once connectionMade returned: so no callback of this child
     * (a childConnectionLost after a closeStdout, a pull producer's resumeProducing) runs on the
     * loop while connectionMade is still running, and none at all if connectionMade throws an Error.
     */
    void execute(Runnable task) {
        if (holding) {
            synchronized (held) {
                if (discarded) return;
                if (holding) {
                    held.add(task);
                    return;
                }
            }
        }
        reactor.execute(task);
    }

    /**
     * Spawning thread, once connectionMade returned and the child is live: hand the loop what
     * connectionMade asked of it, in order, then {@link #attach()}. Under the lock, so a call from
     * another thread meanwhile cannot overtake them.
     */
    /** The reactor this child runs on. */
    Reactor reactor() {
        return reactor;
    }

    void start() {
        synchronized (held) {
            for (Runnable task : held) reactor.execute(task);
            held.clear();
            holding = false;
            reactor.execute(this::attach);
        }
    }

    /** First task on the loop: put the pipes and the pidfd into the poll set. */
    void attach() {
        attached = true;
        pidfdToken = reactor.register(this::pidfdReady);
        reactor.control(NativeEpoll.CTL_ADD, process.pidfd(), NativeEpoll.EPOLLIN, pidfdToken);
        for (PolledFd fd : fds) fd.attach();
        if (reactor.closing()) killForClose();
    }

    private void syncReaders() {
        for (FdEnd e : ends.values()) {
            if (e instanceof ReadEnd) e.fd.sync();
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
            Log.logger().log(Level.ERROR, "forkexec: cannot reap pid " + pid() + "; reporting exit 255", e);
            s = ExitStatus.exited(255);
        }
        reactor.control(NativeEpoll.CTL_DEL, process.pidfd(), 0, pidfdToken);
        reactor.unregister(pidfdToken);
        pidfdToken = -1;
        status = s;
        ExitStatus reported = s;
        call("processExited", -1, () -> protocol.processExited(reported));
        if (reactor.closing()) closeAllPipes();
        if (terminalClosePending) releaseTerminal();
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
        for (FdEnd e : ends.values()) {
            if (e instanceof ReadEnd r) r.readAvailable(READS_AT_CLOSE, true);
            e.close();
        }
    }

    /** Twisted's maybeCallProcessEnded: reaped and every pipe closed. */
    void maybeEnd() {
        if (ended || status == null) return;
        for (FdEnd e : ends.values()) {
            if (e.isOpen()) return;
        }
        ended = true;
        process.close();
        reactor.ended(this);
        ExitStatus s = status;
        call("processEnded", -1, () -> protocol.processEnded(s));
        exit.complete(s);
    }
}
