package dev.forkexec;

import dev.forkexec.internal.NativeFd;
import dev.forkexec.internal.NativeNames;
import dev.forkexec.internal.NativePidfd;
import dev.forkexec.internal.NativeSpawn;
import dev.forkexec.internal.Signals;
import dev.forkexec.internal.SpawnRequest;
import dev.forkexec.internal.SpawnResult;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
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
    private final Object lock = new Object();
    private volatile ExitStatus exit;
    private boolean closed;

    private Subprocess(ProcessSpec spec, SpawnResult result) {
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
        this.channels = Collections.unmodifiableMap(ch);
        this.fds = Collections.unmodifiableMap(raw);
    }

    /** Starts a child whose pipes block; returns once it has exec'd, or throws. */
    public static Subprocess start(ProcessSpec spec) throws SpawnException {
        return start(spec, false);
    }

    /** Starts a child whose pipes are non-blocking on our side (reads and writes may return 0). */
    public static Subprocess startNonBlocking(ProcessSpec spec) throws SpawnException {
        return start(spec, true);
    }

    private static Subprocess start(ProcessSpec spec, boolean nonBlocking) throws SpawnException {
        Objects.requireNonNull(spec, "spec");
        SpawnResult r = spec.request().spawn(nonBlocking);
        if (!r.succeeded()) throw r.exception(spec);
        return new Subprocess(spec, r);
    }

    /** How children are created in this JVM: {@code "clone-vm"} (no page-table copy) or {@code "fork"}. */
    public static String spawnMechanism() {
        return NativeSpawn.mechanismName(NativeSpawn.MECHANISM);
    }

    /** Children started so far by one mechanism ("clone-vm" or "fork"); for tests and diagnostics. */
    static long spawnCount(String mechanism) {
        return NativeSpawn.spawnCount(NativeSpawn.mechanism(mechanism));
    }

    /** The spec this child was started from. */
    public ProcessSpec spec() {
        return spec;
    }

    /** The child's process id. */
    public long pid() {
        return pid;
    }

    /** The pidfd that refers to this child (poll it: readable once the child exits); valid until close. */
    public int pidfd() {
        return pidfd;
    }

    /** Our end of the pipe at {@code childFD}; IllegalArgumentException if that entry is not a pipe. */
    public FileChannel channel(int childFD) {
        FileChannel c = channels.get(childFD);
        if (c == null) {
            throw new IllegalArgumentException("child fd " + childFD + " is not a pipe of " + this
                    + "; its pipes are " + channels.keySet());
        }
        return c;
    }

    /** Every pipe, by child fd. */
    public Map<Integer, FileChannel> channels() {
        return channels;
    }

    /** Our raw fd for the pipe at {@code childFD} (owned by its channel). */
    int fd(int childFD) {
        Integer fd = fds.get(childFD);
        if (fd == null) throw new IllegalArgumentException("child fd " + childFD + " is not a pipe");
        return fd;
    }

    /** Reaps the child if it has exited, without blocking. */
    public Optional<ExitStatus> tryWait() {
        synchronized (lock) {
            if (exit == null && !closed) reap(false);
            return Optional.ofNullable(exit);
        }
    }

    /** The exit status once known (after a wait reaped the child), without touching the child. */
    public Optional<ExitStatus> exitStatus() {
        return Optional.ofNullable(exit);
    }

    /** Blocks until the child exits and reaps it. Interruptible. */
    public ExitStatus waitFor() throws InterruptedException {
        for (;;) {
            Optional<ExitStatus> s = tryWait();
            if (s.isPresent()) return s.get();
            awaitExit(WAIT_SLICE_MILLIS);
        }
    }

    /** Waits at most {@code timeout} for the child to exit; empty if it still runs. Interruptible. */
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

    /** Sends a signal by number (pidfd_send_signal); ProcessExitedAlreadyException once reaped. */
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

    /** Sends a signal by POSIX name ("TERM", "SIGTERM") or number ("15"). */
    public void signal(String signal) {
        signal(Signals.parse(signal));
    }

    /** Closes every channel and the pidfd; a child still running is SIGKILLed and reaped first. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            for (FileChannel c : channels.values()) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // close(2) on a pipe fails only with EINTR/EIO, and the fd is released either way
                }
            }
            if (exit == null) {
                reap(false);
                if (exit == null) {
                    NativePidfd.signalPidfd(pidfd, Signals.SIGKILL);
                    reap(true);
                }
            }
            closed = true;
            NativeFd.close(pidfd);
        }
    }

    private void reap(boolean block) {
        int r = NativePidfd.waitPidfd(pidfd, block);
        if (r >= 0) {
            exit = ExitStatus.fromWaitid(r);
        } else if (r != NativePidfd.RUNNING) {
            throw new IllegalStateException("waitid on " + this + " failed: " + NativeNames.errnoText(-2 - r)
                    + (-2 - r == NativeNames.ECHILD ? "; something else in this JVM reaped our child (waitpid(-1) or SIGCHLD ignored)" : ""));
        }
    }

    /** Like Twisted's {@code <Process pid=123 status=None>}: {@code Subprocess[pid=123, running]}. */
    @Override
    public String toString() {
        ExitStatus s = exit;
        return "Subprocess[pid=" + pid + ", " + (s == null ? "running" : s) + "]";
    }
}
