package dev.forkexec;

import dev.forkexec.internal.NativeFd;
import dev.forkexec.internal.Signals;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link Process} {@link Processes} returns: the JDK's Linux {@code ProcessImpl}, observably, with
 * the shared reactor in place of a "process reaper" thread per child.
 *
 * <p>The child's stdio pipes are made by {@link Processes} and are not the reactor's: reads and
 * writes happen on the caller's threads, through 8 KiB buffered streams, as with the JDK. The reactor
 * only watches the child's pidfd. When the child exits, {@link #processExited} (on the reactor's
 * thread) does what the JDK's reaper does: it reads whatever the stdout and stderr pipes hold right
 * now into memory, closes the pipes (so a grandchild holding them cannot keep a reader waiting) and
 * lets later reads see those bytes and then end-of-file; it closes stdin, whose later flushes fail;
 * then it publishes the exit value, wakes {@code waitFor} and completes {@code onExit}.
 */
final class ForkexecProcess extends Process implements ProcessProtocol {
    static final int BUFFER_SIZE = 8192;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition exitedCondition = lock.newCondition();
    private boolean hasExited; // guarded by lock
    private int exitcode; // guarded by lock
    private final CompletableFuture<Process> exit = new CompletableFuture<>();

    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;

    // Set by connectionMade, on the starting thread, before the reactor sees the child.
    private ChildProcess child;
    private long pid;
    // Guarded by this: the JDK's handle for the pid, taken once, before the child can be reaped.
    private ProcessHandle handle;
    private boolean handleTaken;

    /** Streams made from the parent's pipe ends (-1: the JDK's null stream; -2: a pipe at end-of-file). */
    ForkexecProcess(int stdinFd, int stdoutFd, int stderrFd) {
        this.stdin = stdinFd < 0 ? NullOutputStream.INSTANCE : new PipeOutputStream(stdinFd);
        this.stdout = stdoutFd < 0 ? NullInputStream.INSTANCE : new PipeInputStream(stdoutFd);
        this.stderr = stderrFd == -2 ? new PipeInputStream(NullInputStream.INSTANCE)
                : stderrFd < 0 ? NullInputStream.INSTANCE : new PipeInputStream(stderrFd);
    }

    /** Closes the parent's pipe ends when the spawn failed (the JDK never hands such a Process out). */
    void discard() {
        closeQuietly(stdin);
        closeQuietly(stdout);
        closeQuietly(stderr);
    }

    // ------------------------------------------------------------ the reactor's side

    @Override
    public void connectionMade(ProcessTransport transport) {
        child = (ChildProcess) transport;
        pid = transport.pid();
        // ProcessHandle.of(pid) of a reaped child is empty, so the handle must be taken before the
        // reap. Taking it (a read of /proc/<pid>/stat) is queued to the reactor ahead of the child's
        // registration, so it happens there, while the child execs and before its exit can be seen,
        // instead of on the starting thread; toHandle() takes it itself if it comes first.
        try {
            child.reactor().callFromThread(this::takeHandle);
        } catch (IllegalStateException closing) {
            takeHandle();
        }
    }

    private synchronized ProcessHandle takeHandle() {
        if (!handleTaken) {
            handle = ProcessHandle.of(pid).orElse(null);
            handleTaken = true;
        }
        return handle;
    }

    @Override
    public void processExited(ExitStatus status) {
        // The JDK: WEXITSTATUS, or 0x80 + the signal; a status lost to another reaper (ECHILD) is 0.
        int code = !status.isKnown() ? 0 : status.signal() > 0 ? 0x80 + status.signal() : status.exitCode();
        // Drain before publishing the exit, so a reader woken by waitFor finds the pipes already drained.
        if (stdout instanceof PipeInputStream) ((PipeInputStream) stdout).processExited();
        if (stderr instanceof PipeInputStream) ((PipeInputStream) stderr).processExited();
        if (stdin instanceof PipeOutputStream) ((PipeOutputStream) stdin).processExited();
        lock.lock();
        try {
            exitcode = code;
            hasExited = true;
            exitedCondition.signalAll();
        } finally {
            lock.unlock();
        }
        exit.complete(this);
    }

    // ------------------------------------------------------------ Process

    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    @Override
    public int waitFor() throws InterruptedException {
        lock.lock();
        try {
            while (!hasExited) exitedCondition.await();
            return exitcode;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        long remainingNanos = unit.toNanos(timeout); // a null unit throws even after the exit, as in the JDK
        lock.lock();
        try {
            if (hasExited) return true;
            if (timeout <= 0) return false;
            while (!hasExited) {
                if (remainingNanos <= 0) return false;
                remainingNanos = exitedCondition.awaitNanos(remainingNanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int exitValue() {
        lock.lock();
        try {
            if (!hasExited) throw new IllegalThreadStateException("process hasn't exited");
            return exitcode;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void destroy() {
        destroy(false);
    }

    @Override
    public Process destroyForcibly() {
        destroy(true);
        return this;
    }

    private void destroy(boolean force) {
        lock.lock();
        try {
            if (!hasExited) {
                try {
                    child.signalProcess(force ? Signals.SIGKILL : Signals.SIGTERM);
                } catch (ProcessExitedAlreadyException reapedMeanwhile) {
                    // exited between the check and the signal: nothing to end
                }
            }
        } finally {
            lock.unlock();
        }
        closeQuietly(stdin);
        closeQuietly(stdout);
        closeQuietly(stderr);
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean isAlive() {
        lock.lock();
        try {
            return !hasExited;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long pid() {
        return pid;
    }

    /**
     * The handle taken right after the spawn, before the child could be reaped; the same instance on
     * every call.
     */
    @Override
    public ProcessHandle toHandle() {
        ProcessHandle handle = takeHandle();
        if (handle == null) {
            throw new UnsupportedOperationException("no ProcessHandle for pid " + pid
                    + ": /proc/" + pid + " could not be read when the child started");
        }
        return handle;
    }

    /** A new future per call, completed with this Process from the common pool once the child has exited. */
    @Override
    public CompletableFuture<Process> onExit() {
        return exit.thenApplyAsync(p -> p, ForkJoinPool.commonPool());
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "Process[pid=" + pid + ", exitValue=" + (hasExited ? exitcode : "\"not exited\"") + "]";
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------ streams

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // the JDK's destroy ignores these too (a flush of stdin into a dead child fails)
        }
    }

    private static FileDescriptor descriptor(int fd) {
        FileDescriptor d = new FileDescriptor();
        NativeFd.setFd(d, fd);
        return d;
    }

    /**
     * stdout or stderr: a BufferedInputStream over the pipe, like the JDK's ProcessPipeInputStream.
     * Readers serialise on {@code readLock}; the exit drain takes it only if free, and otherwise leaves
     * the drain to the reader that holds it, right after its read, so the reactor never waits on a user
     * thread.
     */
    static final class PipeInputStream extends BufferedInputStream {
        private final ReentrantLock readLock = new ReentrantLock();
        private final Object closeLock = new Object();
        private final InputStream pipe;
        private volatile boolean drainPending;

        PipeInputStream(int fd) {
            this(new FileInputStream(descriptor(fd)));
        }

        PipeInputStream(InputStream source) {
            super(source, BUFFER_SIZE);
            this.pipe = source instanceof FileInputStream ? source : null;
        }

        @Override
        public int read() throws IOException {
            readLock.lock();
            try {
                return super.read();
            } finally {
                afterRead();
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            readLock.lock();
            try {
                return super.read(b, off, len);
            } finally {
                afterRead();
            }
        }

        @Override
        public long skip(long n) throws IOException {
            readLock.lock();
            try {
                return super.skip(n);
            } finally {
                afterRead();
            }
        }

        @Override
        public int available() throws IOException {
            readLock.lock();
            try {
                return super.available();
            } finally {
                afterRead();
            }
        }

        @Override
        public void mark(int readlimit) {
            readLock.lock();
            try {
                super.mark(readlimit);
            } finally {
                readLock.unlock();
            }
        }

        @Override
        public void reset() throws IOException {
            readLock.lock();
            try {
                super.reset();
            } finally {
                afterRead();
            }
        }

        /** Never waits for a reader: destroy() closes the stream under a thread blocked in read(). */
        @Override
        public void close() throws IOException {
            synchronized (closeLock) {
                super.close();
            }
        }

        /** Holding readLock: do a drain the exit left for us, then let go. */
        private void afterRead() {
            try {
                if (drainPending) drain();
            } finally {
                readLock.unlock();
            }
        }

        /** The reactor's thread, at the child's exit. */
        void processExited() {
            if (pipe == null) return;
            if (readLock.tryLock()) {
                try {
                    drain();
                } finally {
                    readLock.unlock();
                }
                return;
            }
            drainPending = true;
            // The reader may have let go between the tryLock and the flag: then nobody would drain.
            if (readLock.tryLock()) {
                try {
                    if (drainPending) drain();
                } finally {
                    readLock.unlock();
                }
            }
        }

        /** Holding readLock: what the pipe holds now goes into memory, then the pipe is closed. */
        private void drain() {
            drainPending = false;
            synchronized (closeLock) {
                if (in != pipe) return; // closed by the user, or drained already
                byte[] stragglers = null;
                try {
                    int n = 0;
                    for (int j; (j = pipe.available()) > 0;) {
                        stragglers = stragglers == null ? new byte[j] : Arrays.copyOf(stragglers, n + j);
                        int r = pipe.read(stragglers, n, j);
                        if (r < 0) break;
                        n += r;
                    }
                    if (stragglers != null && n != stragglers.length) stragglers = Arrays.copyOf(stragglers, n);
                } catch (IOException ignored) {
                    // as the JDK: keep what was read; the pipe is closed either way
                }
                closeQuietly(pipe);
                in = stragglers == null ? NullInputStream.INSTANCE : new ByteArrayInputStream(stragglers);
            }
        }
    }

    /**
     * stdin: a BufferedOutputStream (8 KiB, written only on flush, close or a full buffer) over the pipe,
     * like the JDK's ProcessPipeOutputStream. At the exit the pipe is closed and later writes that reach
     * it fail with "Stream closed".
     */
    static final class PipeOutputStream extends BufferedOutputStream {
        private final ReentrantLock writeLock = new ReentrantLock();
        private volatile boolean closePending;

        PipeOutputStream(int fd) {
            super(new FileOutputStream(descriptor(fd)), BUFFER_SIZE);
        }

        @Override
        public void write(int b) throws IOException {
            writeLock.lock();
            try {
                super.write(b);
            } finally {
                afterWrite();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writeLock.lock();
            try {
                super.write(b, off, len);
            } finally {
                afterWrite();
            }
        }

        @Override
        public void flush() throws IOException {
            writeLock.lock();
            try {
                super.flush();
            } finally {
                afterWrite();
            }
        }

        private void afterWrite() {
            try {
                if (closePending) exited();
            } finally {
                writeLock.unlock();
            }
        }

        /** The reactor's thread, at the child's exit. */
        void processExited() {
            if (writeLock.tryLock()) {
                try {
                    exited();
                } finally {
                    writeLock.unlock();
                }
                return;
            }
            closePending = true;
            if (writeLock.tryLock()) {
                try {
                    if (closePending) exited();
                } finally {
                    writeLock.unlock();
                }
            }
        }

        private void exited() {
            closePending = false;
            if (out == NullOutputStream.INSTANCE) return;
            closeQuietly(out);
            out = NullOutputStream.INSTANCE;
        }
    }

    /** ProcessBuilder.NullInputStream's twin: at end-of-file, always. */
    static final class NullInputStream extends InputStream {
        static final NullInputStream INSTANCE = new NullInputStream();

        private NullInputStream() {}

        @Override
        public int read() {
            return -1;
        }

        @Override
        public int available() {
            return 0;
        }
    }

    /** ProcessBuilder.NullOutputStream's twin: every write fails with "Stream closed". */
    static final class NullOutputStream extends OutputStream {
        static final NullOutputStream INSTANCE = new NullOutputStream();

        private NullOutputStream() {}

        @Override
        public void write(int b) throws IOException {
            throw new IOException("Stream closed");
        }
    }
}
