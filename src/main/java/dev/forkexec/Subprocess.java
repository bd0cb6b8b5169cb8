package dev.forkexec;

import dev.forkexec.internal.DeathSignalSpawner;
import dev.forkexec.internal.NativeFd;
import dev.forkexec.internal.NativeNames;
import dev.forkexec.internal.NativePidfd;
import dev.forkexec.internal.NativePty;
import dev.forkexec.internal.NativeSpawn;
import dev.forkexec.internal.Signals;
import dev.forkexec.internal.SpawnRequest;
import dev.forkexec.internal.SpawnResult;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A child started with no threads of its own: the low-level, blocking layer under {@link Reactor},
 * for systems tooling that wants the pid, the pidfd and the raw pipes.
 *
 * <pre>{@code
 * try (Subprocess p = Subprocess.start(ProcessSpec.command("echo", "hi").build())) {
 *     ByteBuffer buf = ByteBuffer.allocate(64);
 *     p.channel(1).read(buf);
 *     ExitStatus status = p.waitFor();
 * }
 * }</pre>
 *
 * <p>Each pipe of the spec's fd map is one {@link FileChannel}: readable for
 * {@link ChildFD#parentReads()}, writable for {@link ChildFD#parentWrites()}. Channels from
 * {@link #start} block; those from {@link #startNonBlocking} return 0 instead of waiting. The child is
 * reaped and signalled only through its pidfd, so a recycled pid is never touched.
 *
 * <p>A child started with {@link ProcessSpec.Builder#usePTY()} has one channel for its terminal,
 * the master: {@code channel(0)}, {@code channel(1)} and {@code channel(2)} all return it. It reads
 * what the terminal shows (the child's output, and the echo of what was typed) and writes what is
 * typed into it; once every slave side is closed and everything is read, a read returns -1 (the
 * kernel's EIO at that point is end-of-file). Closing it (or {@link #close()}) closes the master, so
 * the kernel hangs the terminal up and sends the child's session SIGHUP: after the end of file, call
 * {@link #waitFor()} before closing, since a child that has closed the terminal may not have exited
 * yet, and would die of that SIGHUP. {@link #terminal()} and {@link #resizeTerminal} control the
 * terminal.
 *
 * <pre>{@code
 * try (Subprocess p = Subprocess.start(ProcessSpec.command("stty", "size").usePTY(100, 30).build())) {
 *     ByteBuffer shown = ByteBuffer.allocate(64);
 *     while (p.channel(1).read(shown) >= 0) { }   // "30 100\r\n", then end of file
 *     ExitStatus status = p.waitFor();
 * }
 * }</pre>
 *
 * <p>{@link #close()} closes every channel and the pidfd; a child still running then is killed with
 * SIGKILL and reaped, so nothing outlives the object. Call {@link #waitFor()} first to let it finish.
 * All methods are thread-safe.
 */
public final class Subprocess implements AutoCloseable {
    private static final int WAIT_SLICE_MILLIS = 100;

    private final ProcessSpec spec;
    private final long pid;
    private final int pidfd;
    private final Map<Integer, FileChannel> channels;
    private final Map<Integer, Integer> fds;
    /** The terminal (Subprocess.start/startNonBlocking), or null. */
    private final Terminal terminal;
    private final TerminalChannel terminalChannel;
    /** For a reactor: the terminal's raw master, handed over by {@link #takePtyMaster()}; -1 once taken or without one. */
    private int ptyMaster = -1;
    private final Object lock = new Object();
    private volatile ExitStatus exit;
    private boolean closed;

    /**
     * {@code control}: for a terminal, a dup of its master for the {@link Terminal}'s ioctls, which
     * only it closes (a channel may close its fd on an interrupt, behind any lock), or -1 when a
     * reactor takes the master instead.
     */
    private Subprocess(ProcessSpec spec, SpawnResult result, int control) {
        this.spec = spec;
        this.pid = result.pid();
        this.pidfd = result.pidfd();
        SpawnRequest request = result.request();
        Map<Integer, FileChannel> ch = new TreeMap<>();
        Map<Integer, Integer> raw = new TreeMap<>();
        for (int i = 0; i < request.fdCount(); i++) {
            int fd = result.parentEnd(i);
            if (fd < 0) continue;
            FileDescriptor descriptor = new FileDescriptor();
            NativeFd.setFd(descriptor, fd);
            int childFD = request.childFd(i);
            ch.put(childFD, request.parentReads(i) ? new FileInputStream(descriptor).getChannel()
                    : new FileOutputStream(descriptor).getChannel());
            raw.put(childFD, fd);
        }
        if (result.ptyMaster() >= 0 && control >= 0) {
            this.terminal = new Terminal(control, this::toString, this::type);
            FileDescriptor descriptor = new FileDescriptor();
            NativeFd.setFd(descriptor, result.ptyMaster());
            Terminal t = terminal;
            this.terminalChannel = new TerminalChannel(descriptor, terminal, () -> t.close(() -> NativeFd.close(control)));
            for (Map.Entry<Integer, ChildFD> e : spec.childFDs().entrySet()) {
                if (e.getValue().kind() == ChildFD.Kind.TERMINAL) ch.put(e.getKey(), terminalChannel);
            }
        } else {
            this.terminal = null;
            this.terminalChannel = null;
            this.ptyMaster = result.ptyMaster();
        }
        this.channels = Collections.unmodifiableMap(ch);
        this.fds = Collections.unmodifiableMap(raw);
    }

    /**
     * Starts a child whose pipes (and terminal) block; returns once it has exec'd, or throws.
     *
     * @param spec what to start
     * @return the running child; close it when done
     * @throws SpawnException if a step of the spawn failed (exec, chdir, setuid, an fd, ...); the
     *     child, if one was created, is reaped and nothing is left open
     */
    public static Subprocess start(ProcessSpec spec) throws SpawnException {
        return start(spec, false, false);
    }

    /**
     * Starts a child whose pipes (and terminal) are non-blocking on our side: reads and writes return
     * 0 instead of waiting.
     *
     * @param spec what to start
     * @return the running child; close it when done
     * @throws SpawnException if a step of the spawn failed, as for {@link #start(ProcessSpec)}
     */
    public static Subprocess startNonBlocking(ProcessSpec spec) throws SpawnException {
        return start(spec, true, false);
    }

    /** For a Reactor: non-blocking, and a terminal's master is left raw for {@link #takePtyMaster()}. */
    static Subprocess startForReactor(ProcessSpec spec) throws SpawnException {
        return start(spec, true, true);
    }

    private static Subprocess start(ProcessSpec spec, boolean nonBlocking, boolean forReactor) throws SpawnException {
        Objects.requireNonNull(spec, "spec");
        SpawnRequest request = spec.request();
        SpawnResult r = request.parentDeathSignal() ? DeathSignalSpawner.spawn(request, nonBlocking)
                : request.spawn(nonBlocking);
        if (!r.succeeded()) throw r.exception(spec);
        int control = -1;
        if (r.ptyMaster() >= 0 && !forReactor) {
            control = NativePty.dup(r.ptyMaster());
            if (control < 0) {
                r.discard();
                throw new SpawnException("pty", -control, "pty duplicating the terminal's master for its controls: "
                        + NativeNames.errnoText(-control));
            }
        }
        return new Subprocess(spec, r, control);
    }

    /**
     * {@return how children are created in this JVM: {@code "clone-vm"} (no page-table copy) or
     * {@code "fork"}} The fork fallback is used where {@code clone(CLONE_VM)} does not share memory
     * (qemu-user, some sandboxes) or with {@code -Dforkexec.spawn=fork}.
     */
    public static String spawnMechanism() {
        return NativeSpawn.mechanismName(NativeSpawn.MECHANISM);
    }

    /** Children started so far by one mechanism ("clone-vm" or "fork"); for tests and diagnostics. */
    static long spawnCount(String mechanism) {
        return NativeSpawn.spawnCount(NativeSpawn.mechanism(mechanism));
    }

    /** {@return the spec this child was started from} */
    public ProcessSpec spec() {
        return spec;
    }

    /**
     * {@return the child's process id} To signal the child use {@link #signal(int)}, which cannot hit
     * a recycled pid, rather than this number.
     */
    public long pid() {
        return pid;
    }

    /**
     * {@return the pidfd that refers to this child} Poll it: it becomes readable once the child exits.
     * Owned by this object and valid until {@link #close()}; do not close it yourself.
     */
    public int pidfd() {
        return pidfd;
    }

    /**
     * Our end of the pipe at {@code childFD}, or, for a fd of the terminal, the terminal's master
     * (readable and writable; the same channel for each of them).
     *
     * @param childFD a child fd of the spec's map that is a pipe or the terminal
     * @return the channel, owned by this object (closing it early is allowed)
     * @throws IllegalArgumentException if that entry is neither a pipe nor the terminal
     */
    public FileChannel channel(int childFD) {
        FileChannel c = channels.get(childFD);
        if (c == null) {
            throw new IllegalArgumentException("child fd " + childFD + " is not a pipe of " + this
                    + "; its pipes are " + channels.keySet());
        }
        return c;
    }

    /** {@return every pipe (and the terminal, under each of its child fds), by child fd (unmodifiable)} */
    public Map<Integer, FileChannel> channels() {
        return channels;
    }

    /**
     * The child's terminal: window size, modes, control characters, foreground process group.
     *
     * @return the terminal
     * @throws IllegalStateException for a child started without {@link ProcessSpec.Builder#usePTY()}
     */
    public Terminal terminal() {
        if (terminal == null) {
            throw new IllegalStateException(this + " has no terminal: start it with ProcessSpec.Builder.usePTY()");
        }
        return terminal;
    }

    /**
     * Sets the terminal's window size ({@code TIOCSWINSZ}); the foreground process group gets
     * SIGWINCH. Same as {@code terminal().resize(columns, rows)}.
     *
     * @param columns the new width, 1 to 65535
     * @param rows the new height, 1 to 65535
     * @throws IllegalStateException for a child without a terminal, or once the terminal is closed
     * @throws IllegalArgumentException for a size outside 1 to 65535
     */
    public void resizeTerminal(int columns, int rows) {
        terminal().resize(columns, rows);
    }

    /** For a reactor's ChildProcess: the terminal's master, now its to close; -1 without a terminal. */
    int takePtyMaster() {
        synchronized (lock) {
            int fd = ptyMaster;
            ptyMaster = -1;
            return fd;
        }
    }

    /** Terminal.sendInterrupt() and the like: a blocking write of the few bytes to the master. */
    private void type(ByteBuffer bytes) {
        try {
            while (bytes.hasRemaining()) {
                if (terminalChannel.write(bytes) == 0) {
                    throw new IllegalStateException("the terminal of " + this + " takes no more input now (its"
                            + " channel is non-blocking and the child is not reading)");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot type into the terminal of " + this, e);
        }
    }

    /** Our raw fd for the pipe at {@code childFD} (owned by its channel). */
    int fd(int childFD) {
        Integer fd = fds.get(childFD);
        if (fd == null) throw new IllegalArgumentException("child fd " + childFD + " is not a pipe");
        return fd;
    }

    /**
     * Reaps the child if it has exited, without blocking.
     *
     * @return the exit status, or empty while the child runs
     */
    public Optional<ExitStatus> tryWait() {
        synchronized (lock) {
            if (exit == null && !closed) reap(false);
            return Optional.ofNullable(exit);
        }
    }

    /**
     * {@return the exit status once a wait has reaped the child, else empty} Unlike {@link #tryWait()}
     * this never touches the child.
     */
    public Optional<ExitStatus> exitStatus() {
        return Optional.ofNullable(exit);
    }

    /**
     * Blocks until the child exits and reaps it; returns at once if it was reaped already.
     *
     * @return how the child ended
     * @throws InterruptedException if this thread is interrupted while waiting; the child is untouched
     */
    public ExitStatus waitFor() throws InterruptedException {
        for (;;) {
            Optional<ExitStatus> s = tryWait();
            if (s.isPresent()) return s.get();
            awaitExit(WAIT_SLICE_MILLIS);
        }
    }

    /**
     * Waits at most {@code timeout} for the child to exit, and reaps it if it did.
     *
     * @param timeout the longest time to wait; zero or negative only checks
     * @return how the child ended, or empty if it still runs
     * @throws InterruptedException if this thread is interrupted while waiting; the child is untouched
     */
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            Optional<ExitStatus> s = tryWait();
            long left = deadline - System.nanoTime();
            if (s.isPresent() || left <= 0) return s;
            awaitExit((int) Math.min(WAIT_SLICE_MILLIS, Math.max(1, left / 1_000_000)));
        }
    }

    /** Polls the pidfd for one slice; the slices only bound how late an interrupt is noticed. */
    private void awaitExit(int millis) throws InterruptedException {
        if (Thread.interrupted()) throw new InterruptedException();
        NativePidfd.pollPidfd(pidfd, millis); // a close() meanwhile sets exit before closing the pidfd
        if (Thread.interrupted()) throw new InterruptedException();
    }

    /**
     * Sends a signal by number ({@code pidfd_send_signal}), so a recycled pid is never hit.
     *
     * @param signal the signal number, e.g. 15 for SIGTERM; 0 only checks that the child exists
     * @throws ProcessExitedAlreadyException once the child has been reaped
     * @throws IllegalArgumentException for a number outside 0 to 64
     */
    public void signal(int signal) {
        Signals.check(signal);
        synchronized (lock) {
            if (exit == null && !closed) {
                int err = NativePidfd.signalPidfd(pidfd, signal);
                if (err == 0) return;
                if (err != NativeNames.ESRCH) {
                    throw new IllegalStateException("cannot send " + Signals.name(signal) + " to " + this + ": "
                            + NativeNames.errnoText(err));
                }
                reap(true);
            }
            throw new ProcessExitedAlreadyException(this + " has been reaped; it cannot receive "
                    + Signals.name(signal));
        }
    }

    /**
     * Sends a signal by POSIX name, as {@link #signal(int)} does.
     *
     * @param signal the name with or without {@code SIG} ({@code "TERM"}, {@code "SIGTERM"}) or the
     *     number ({@code "15"})
     * @throws IllegalArgumentException for a name or number that is no signal
     * @throws ProcessExitedAlreadyException once the child has been reaped
     */
    public void signal(String signal) {
        signal(Signals.parse(signal));
    }

    /**
     * Sends a signal to the child's whole process group ({@code kill(-pgid)}): the child and every
     * descendant that stayed in its group. The child must lead its own group
     * ({@link ProcessSpec.Builder#processGroup(int) processGroup(0)} or
     * {@link ProcessSpec.Builder#newSession(boolean) newSession}), else IllegalStateException.
     *
     * <p>The group can outlive its leader: after the child has been reaped this still reaches the
     * descendants left in the group, and the kernel does not give the group's number to another
     * process while any member lives. Once no member is left, ProcessExitedAlreadyException; from
     * then on the number may be reused, so signal groups while you know a member lives.
     *
     * @param signal the signal number, e.g. 15 for SIGTERM
     * @throws IllegalStateException if the child does not lead its own process group
     * @throws ProcessExitedAlreadyException once no member of the group is left
     * @throws IllegalArgumentException for a number outside 0 to 64
     */
    public void signalProcessGroup(int signal) {
        Signals.check(signal);
        if (!spec.leadsProcessGroup()) {
            throw new IllegalStateException(this + " does not lead its own process group: start it with"
                    + " processGroup(0) or newSession(true) to signal the group");
        }
        int err = NativePidfd.signalGroup((int) pid, signal);
        if (err == NativeNames.ESRCH) {
            throw new ProcessExitedAlreadyException("no process is left in the process group " + pid + " of " + this
                    + "; it cannot receive " + Signals.name(signal));
        }
        if (err != 0) {
            throw new IllegalStateException("cannot send " + Signals.name(signal) + " to the process group of " + this
                    + ": " + NativeNames.errnoText(err));
        }
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
        signalProcessGroup(Signals.parse(signal));
    }

    /** Closes every channel and the pidfd; a child still running is SIGKILLed and reaped first. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            try {
                // killed before its pipes close: a child like cat would otherwise see EOF and exit 0 first
                if (exit == null) {
                    reap(false);
                    if (exit == null) {
                        NativePidfd.signalPidfd(pidfd, Signals.SIGKILL);
                        reap(true);
                    }
                }
            } finally {
                NativeFd.close(pidfd);
                for (FileChannel c : channels.values()) {
                    try {
                        c.close();
                    } catch (IOException ignored) {
                        // close(2) on a pipe fails only with EINTR/EIO, and the fd is released either way
                    }
                }
                int master = takePtyMaster(); // never taken: the reactor's spawn failed before it could
                if (master >= 0) NativeFd.close(master);
            }
        }
    }

    private void reap(boolean block) {
        long[] usage = new long[NativePidfd.U_SIZE];
        int r = NativePidfd.waitPidfd(pidfd, block, usage);
        if (r == NativePidfd.RUNNING) return;
        if (r < NativePidfd.UNKNOWN) {
            throw new IllegalStateException("waitid on " + this + " failed: " + NativeNames.errnoText(NativePidfd.UNKNOWN - r));
        }
        boolean ours = usage[NativePidfd.U_VALID] != 0;
        exit = r == NativePidfd.UNKNOWN ? ExitStatus.unknown() : ExitStatus.fromWaitid(r, ours ? usage(usage) : null);
        if (!ours) ReapedElsewhere.report(pid, usage[NativePidfd.U_AUTOREAP] != 0, exit.isKnown());
    }

    private static ResourceUsage usage(long[] u) {
        return new ResourceUsage(Duration.ofNanos(u[NativePidfd.U_USER_MICROS] * 1000),
                Duration.ofNanos(u[NativePidfd.U_SYSTEM_MICROS] * 1000), u[NativePidfd.U_MAX_RSS_KIB] * 1024,
                u[NativePidfd.U_MINOR_FAULTS], u[NativePidfd.U_MAJOR_FAULTS], u[NativePidfd.U_BLOCKS_IN],
                u[NativePidfd.U_BLOCKS_OUT], u[NativePidfd.U_VOLUNTARY_SWITCHES], u[NativePidfd.U_INVOLUNTARY_SWITCHES]);
    }

    /** Like Twisted's {@code <Process pid=123 status=None>}: {@code Subprocess[pid=123, running]}. */
    @Override
    public String toString() {
        ExitStatus s = exit;
        return "Subprocess[pid=" + pid + ", " + (s == null ? "running" : s) + "]";
    }
}
