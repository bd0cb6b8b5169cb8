package dev.forkexec;

import dev.forkexec.internal.VirtualThreads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;

/**
 * Runs a command and collects what it did: Python's {@code subprocess.run} and zt-exec's
 * {@code ProcessExecutor} in one small builder, on the reactor.
 *
 * <pre>{@code
 * CommandResult r = Command.of("ls", "-l", "/usr/bin")
 *         .timeout(Duration.ofSeconds(5))
 *         .run()          // throws SpawnException (no such program, ...) and InterruptedException
 *         .orThrow();     // CommandFailedException: non-zero exit, a signal, or the timeout
 * System.out.print(r.stdoutText());
 * }</pre>
 *
 * <p><b>What the child gets.</b> The argv as given, exec'd directly (no shell: there is deliberately no
 * {@code Command.of(String)} that would split a line on spaces; write {@code Command.of("sh", "-c", line)}
 * when a shell is meant). The JVM's environment plus {@link #environment(String, String)} entries; the
 * JVM's working directory unless {@link #directory(Path)}; stdin {@code /dev/null} unless
 * {@link #input(byte[])}, {@link #input(String)} or {@link #input(Path)}. stdout and stderr are
 * captured (both read concurrently as the child writes, so a child that fills one pipe never blocks on
 * it), or sent to a file, to the JVM's own stdout/stderr, or discarded. The child always leads its own
 * process group ({@link ProcessSpec.Builder#processGroup(int) processGroup(0)}, or its own session when
 * the spec of {@link #of(ProcessSpec)} asks for {@code newSession}), so a timeout, an interrupt or a
 * cancel reaches everything it started in that group.
 *
 * <p><b>When it ends.</b> A command has ended once the child has been reaped and its pipes have
 * reached end-of-file. A descendant that keeps the pipes open after the child exited gets one
 * {@link #gracePeriod(Duration) grace period}; then the pipes are closed and the result holds what had
 * arrived (Go's {@code WaitDelay}). With a {@link #timeout(Duration) timeout}, the child's process group
 * gets SIGTERM when it expires and SIGKILL one grace period later; so a timed-out command returns at
 * most {@code timeout + 2 x grace} after it started. When members of the group outlive the SIGTERM (they
 * ignore it) after the child and its pipes are done, the result waits for their SIGKILL: once a timed-out
 * run has returned, nothing of its process group runs on.
 *
 * <p><b>Threads.</b> Neither way of running a command costs a thread per child. {@link #start()} uses
 * one shared {@link Reactor}, created on first use and never closed, whose single daemon thread
 * ({@code forkexec-reactor-N}) serves every started command and every {@link Processes} child of the
 * JVM: 1,000 concurrent commands use that one thread. {@link #run()} blocks its calling thread anyway,
 * so it runs the same reactor loop on that thread, for its own child, until the command has ended: the
 * child's exit wakes the thread that waits for it, with no hand-off between threads, and a loop of
 * {@code run()}s costs no more than spawning and waiting by hand ({@link Subprocess}). On a virtual
 * thread (JDK 21+) {@code run()} waits on the shared reactor instead, parked, so that it never pins
 * its carrier thread in a native wait. Line consumers
 * ({@link #onOutputLine}, {@link #onErrorLine}) run on the loop's thread (the calling thread for
 * {@code run()}, the shared reactor's for {@code start()}), so they should be quick: while one runs,
 * that loop reads no pipe. The futures of {@link #start()} are completed from
 * {@link ForkJoinPool#commonPool()}, never on the reactor's thread.
 *
 * <p>A {@code Command} is a mutable builder and not thread-safe; {@link #run()} and {@link #start()}
 * take a snapshot of its settings, so it may be changed or run again afterwards, each run starting a
 * new child.
 */
public final class Command {
    /** The default {@link #gracePeriod(Duration)}. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(1);
    /** Bytes of input written per step: one pipe's default capacity. */
    static final int INPUT_CHUNK = 64 * 1024;
    /** The most bytes a {@code byte[]} can hold, and so the most one capture can keep. */
    static final int MAX_CAPTURE = Integer.MAX_VALUE - 8;

    /** Where stdout or stderr goes. */
    enum Sink {
        CAPTURE, FILE, APPEND, INHERIT, DISCARD, MERGE
    }

    private final List<String> argv;
    private final ProcessSpec spec;
    private final Map<String, String> extraEnvironment = new LinkedHashMap<>();
    private Path directory;
    private byte[] inputBytes;
    private Path inputFile;
    private Duration timeout;
    private Duration gracePeriod = DEFAULT_GRACE_PERIOD;
    private Sink stdout = Sink.CAPTURE;
    private Sink stderr = Sink.CAPTURE;
    private Path stdoutFile;
    private Path stderrFile;
    private Consumer<String> outputLines;
    private Consumer<String> errorLines;
    private int captureLimit = MAX_CAPTURE;

    private Command(List<String> argv, ProcessSpec spec) {
        this.argv = argv;
        this.spec = spec;
    }

    /**
     * A command that runs {@code argv[0]} (looked up in the {@code PATH} when it has no {@code '/'})
     * with these arguments, exec'd directly, without a shell.
     *
     * @param argv the program and its arguments
     * @return a new command with the defaults: stdin {@code /dev/null}, stdout and stderr captured,
     *     no timeout
     * @throws IllegalArgumentException for no argv, an empty one, a null element or a NUL character
     */
    public static Command of(String... argv) {
        if (argv == null) throw new IllegalArgumentException("argv must not be null");
        if (argv.length == 0) throw new IllegalArgumentException("argv must not be empty: argv[0] names the program");
        for (int i = 0; i < argv.length; i++) {
            if (argv[i] == null) throw new IllegalArgumentException("argv[" + i + "] is null");
            int nul = argv[i].indexOf('\0');
            if (nul >= 0) {
                throw new IllegalArgumentException("argv[" + i + "] contains a NUL character at index " + nul
                        + "; C strings cannot carry it");
            }
        }
        return new Command(List.of(argv), null);
    }

    /**
     * A command from a full {@link ProcessSpec}: its argv, program, environment, directory,
     * credentials, limits and other settings stay; its fds 0, 1 and 2 are replaced by this command's
     * stdin, stdout and stderr (entries for fds 3 and up stay: a {@code parentWrites()} pipe there is
     * closed at once, so the child sees end-of-file, and what arrives on a {@code parentReads()} pipe
     * there is read and dropped). The child leads its own process group whatever the spec says
     * ({@code processGroup(0)}, unless the spec's {@code newSession} already makes it a leader).
     * {@link #environment(String, String)} adds to the spec's environment and {@link #directory(Path)}
     * replaces its directory. A spec with {@link ProcessSpec.Builder#usePTY() usePTY} is rejected
     * (IllegalArgumentException): a terminal has no separate stdout and stderr to collect; drive it
     * with {@link Expect} or a {@link ProcessProtocol} instead.
     *
     * @param spec the child's settings
     * @return a new command with the defaults for fds 0-2: stdin {@code /dev/null}, stdout and stderr
     *     captured
     * @throws IllegalArgumentException for a spec with a pseudo-terminal
     */
    public static Command of(ProcessSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.usesPTY()) {
            throw new IllegalArgumentException("Command.of: " + spec + " uses a pseudo-terminal, which has no"
                    + " separate stdout and stderr to collect; use Expect or a ProcessProtocol on a Reactor for it");
        }
        return new Command(spec.argv(), spec);
    }

    // ------------------------------------------------------------ what the child gets

    /**
     * stdin gets these bytes, then end-of-file (default: {@code /dev/null}). They are written as the
     * child reads them, without blocking any thread; if the child exits or closes its stdin first, the
     * rest is dropped. The array is not copied (1,000 commands fed the same buffer share it): do not
     * change it until the commands run with it have ended.
     *
     * @param data what the child reads on its stdin
     * @return this command
     */
    public Command input(byte[] data) {
        Objects.requireNonNull(data, "data");
        this.inputBytes = data;
        this.inputFile = null;
        return this;
    }

    /**
     * stdin gets this text encoded as UTF-8, then end-of-file.
     *
     * @param text what the child reads on its stdin
     * @return this command
     */
    public Command input(String text) {
        Objects.requireNonNull(text, "text");
        this.inputBytes = text.getBytes(StandardCharsets.UTF_8);
        this.inputFile = null;
        return this;
    }

    /**
     * stdin is this file, opened for reading by the parent just before the spawn (a shell's
     * {@code < file}); a file that cannot be opened fails {@link #run()}/{@link #start()} with a
     * {@link SpawnException} whose step is {@code "open"}.
     *
     * @param file the file the child reads on its stdin (relative names against the JVM's directory)
     * @return this command
     */
    public Command input(Path file) {
        Objects.requireNonNull(file, "file");
        this.inputFile = file;
        this.inputBytes = null;
        return this;
    }

    /**
     * Adds one environment variable on top of the JVM's environment (or the spec's, for
     * {@link #of(ProcessSpec)}), replacing a variable of that name; a null value removes the variable
     * from the child's environment instead.
     *
     * @param name the variable's name
     * @param value its value, or null to remove the variable
     * @return this command
     * @throws IllegalArgumentException for a null or empty name, or one holding {@code '='} or a NUL,
     *     or a value holding a NUL
     */
    public Command environment(String name, String value) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("an environment variable name must not be null or empty");
        if (name.indexOf('=') >= 0) {
            throw new IllegalArgumentException("environment variable name '" + name + "' contains '='");
        }
        if (name.indexOf('\0') >= 0 || (value != null && value.indexOf('\0') >= 0)) {
            throw new IllegalArgumentException("environment variable " + name.replace("\0", "\\0")
                    + " contains a NUL character; C strings cannot carry it");
        }
        extraEnvironment.put(name, value);
        return this;
    }

    /**
     * {@link #environment(String, String)} for each entry of {@code variables}, in its order.
     *
     * @param variables the variables to add (a null value removes that variable)
     * @return this command
     * @throws IllegalArgumentException for a name or value {@link #environment(String, String)} refuses
     */
    public Command environment(Map<String, String> variables) {
        Objects.requireNonNull(variables, "variables");
        for (Map.Entry<String, String> e : variables.entrySet()) environment(e.getKey(), e.getValue());
        return this;
    }

    /**
     * The child's working directory (default: the JVM's, or the spec's for {@link #of(ProcessSpec)}).
     *
     * @param dir the directory the child runs in
     * @return this command
     */
    public Command directory(Path dir) {
        this.directory = Objects.requireNonNull(dir, "dir");
        return this;
    }

    // ------------------------------------------------------------ where the output goes

    /**
     * {@code 2>&1}: stderr goes wherever stdout goes (into the stdout capture by default, interleaved as the
     * child wrote it); {@link CommandResult#stderr()} is then empty. A later {@code redirectErrorTo},
     * {@code inheritError} or {@code discardError} replaces this.
     *
     * @return this command
     */
    public Command redirectErrorToOutput() {
        this.stderr = Sink.MERGE;
        this.stderrFile = null;
        return this;
    }

    /**
     * stdout goes straight into this file, created or truncated (a shell's {@code >}); it is not captured.
     *
     * @param file the file, opened by the parent just before the spawn (relative names against the
     *     JVM's directory)
     * @return this command
     */
    public Command redirectOutputTo(Path file) {
        this.stdoutFile = Objects.requireNonNull(file, "file");
        this.stdout = Sink.FILE;
        return this;
    }

    /**
     * stderr goes straight into this file, created or truncated (a shell's {@code 2>}); it is not captured.
     *
     * @param file the file, opened by the parent just before the spawn (relative names against the
     *     JVM's directory)
     * @return this command
     */
    public Command redirectErrorTo(Path file) {
        this.stderrFile = Objects.requireNonNull(file, "file");
        this.stderr = Sink.FILE;
        return this;
    }

    /**
     * stdout is appended to this file, created if missing (a shell's {@code >>}); it is not captured.
     *
     * @param file the file, opened by the parent just before the spawn (relative names against the
     *     JVM's directory)
     * @return this command
     */
    public Command appendOutputTo(Path file) {
        this.stdoutFile = Objects.requireNonNull(file, "file");
        this.stdout = Sink.APPEND;
        return this;
    }

    /**
     * stderr is appended to this file, created if missing (a shell's {@code 2>>}); it is not captured.
     *
     * @param file the file, opened by the parent just before the spawn (relative names against the
     *     JVM's directory)
     * @return this command
     */
    public Command appendErrorTo(Path file) {
        this.stderrFile = Objects.requireNonNull(file, "file");
        this.stderr = Sink.APPEND;
        return this;
    }

    /**
     * stdout is the JVM's own fd 1 ({@code Redirect.INHERIT}): the child writes there directly, not
     * through {@code System.out}; it is not captured.
     *
     * @return this command
     */
    public Command inheritOutput() {
        this.stdout = Sink.INHERIT;
        this.stdoutFile = null;
        return this;
    }

    /**
     * stderr is the JVM's own fd 2 ({@code Redirect.INHERIT}): the child writes there directly, not
     * through {@code System.err}; it is not captured.
     *
     * @return this command
     */
    public Command inheritError() {
        this.stderr = Sink.INHERIT;
        this.stderrFile = null;
        return this;
    }

    /**
     * stdout goes to {@code /dev/null}; it is not captured.
     *
     * @return this command
     */
    public Command discardOutput() {
        this.stdout = Sink.DISCARD;
        this.stdoutFile = null;
        return this;
    }

    /**
     * stderr goes to {@code /dev/null}; it is not captured.
     *
     * @return this command
     */
    public Command discardError() {
        this.stderr = Sink.DISCARD;
        this.stderrFile = null;
        return this;
    }

    /**
     * Streams stdout line by line as it arrives: each line decoded as UTF-8 (malformed input
     * replaced), without its {@code \n} (nor a {@code \r} before it); a last line without a newline
     * comes at end-of-file. Called in order, never concurrently, on the thread that runs the command's
     * loop (the one in {@link #run()}, or the shared reactor's for {@link #start()}): keep it short, since
     * no pipe is read meanwhile. A line longer than 1 MiB is passed on in 1 MiB pieces. The output is
     * still captured (up to {@link #captureLimit(int)}; use {@code captureLimit(0)} to keep none). What
     * the consumer throws is rethrown by {@link #run()} (and completes the future of {@link #start()}
     * exceptionally) once the command has ended; the consumer is not called again after it threw.
     * Needs stdout captured: with {@code redirectOutputTo}, {@code inheritOutput} or
     * {@code discardOutput} the run fails with IllegalStateException.
     *
     * @param consumer receives each line of stdout; replaces an earlier one
     * @return this command
     */
    public Command onOutputLine(Consumer<String> consumer) {
        this.outputLines = Objects.requireNonNull(consumer, "consumer");
        return this;
    }

    /**
     * {@link #onOutputLine(Consumer)} for stderr; needs stderr captured (not merged into stdout).
     *
     * @param consumer receives each line of stderr; replaces an earlier one
     * @return this command
     */
    public Command onErrorLine(Consumer<String> consumer) {
        this.errorLines = Objects.requireNonNull(consumer, "consumer");
        return this;
    }

    /**
     * Keeps at most the first {@code bytes} bytes of stdout and, separately, of stderr (default: all,
     * up to the 2 GiB a byte array holds). The rest is still read, as fast as the child writes it, and
     * dropped: the child never blocks on a full pipe or dies of SIGPIPE. Line consumers still see every
     * line. {@link CommandResult#stdoutTruncated()} tells whether bytes were dropped.
     *
     * @param bytes the most bytes kept of each stream, zero or more
     * @return this command
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Command captureLimit(int bytes) {
        if (bytes < 0) throw new IllegalArgumentException("captureLimit must not be negative, was " + bytes);
        this.captureLimit = Math.min(bytes, MAX_CAPTURE);
        return this;
    }

    // ------------------------------------------------------------ how long

    /**
     * Ends the command if it still runs this long after it started: SIGTERM to its process group, then
     * SIGKILL to the group one {@link #gracePeriod(Duration) grace period} later; the result then says
     * {@link CommandResult#timedOut()}. Default: no limit.
     *
     * @param limit the longest the command may run, positive
     * @return this command
     * @throws IllegalArgumentException if {@code limit} is zero or negative
     */
    public Command timeout(Duration limit) {
        Objects.requireNonNull(limit, "limit");
        if (limit.isNegative() || limit.isZero()) throw new IllegalArgumentException("timeout must be positive, was " + limit);
        this.timeout = limit;
        return this;
    }

    /**
     * How long SIGTERM may take before SIGKILL follows, and how long descendants may keep the pipes
     * open after the child exited before they are closed; default {@link #DEFAULT_GRACE_PERIOD} (1 s).
     *
     * @param grace the grace period, zero or more
     * @return this command
     * @throws IllegalArgumentException if {@code grace} is negative
     */
    public Command gracePeriod(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) throw new IllegalArgumentException("gracePeriod must not be negative, was " + grace);
        this.gracePeriod = grace;
        return this;
    }

    // ------------------------------------------------------------ running

    /**
     * Runs the command and waits until it has ended (reaped, pipes at end-of-file or closed after the
     * grace period). A non-zero exit is not an exception here: call {@link CommandResult#orThrow()}.
     *
     * @return what the command did
     * @throws SpawnException the child could not be started (no such program, a bad directory, an
     *     input or output file that cannot be opened, ...); nothing is left behind
     * @throws InterruptedException this thread was interrupted before or while waiting (noticed within
     *     0.1 s); the command's process group is then killed (SIGKILL) and the child reaped and its pipes
     *     closed before this is thrown
     * @throws IllegalStateException called on the shared reactor's thread (from a line consumer of a
     *     started command or a protocol callback), where waiting would stall every other started
     *     command and {@link Processes} child: use {@link #start()} there; or a line consumer was set
     *     for a stream that is not captured
     */
    public CommandResult run() throws SpawnException, InterruptedException {
        if (SharedReactor.inReactorThread()) {
            throw new IllegalStateException("Command.run() was called on the shared forkexec reactor's thread (from a line"
                    + " consumer of a started command or a protocol callback), where waiting for the command would stall"
                    + " every other child; use start()");
        }
        if (Thread.interrupted()) throw new InterruptedException("interrupted before Command.run() started " + this);
        if (VirtualThreads.isVirtual(Thread.currentThread())) return runOnSharedReactor();
        Reactor loop = Reactor.onCallingThread();
        CommandRun running;
        boolean interrupted;
        try {
            running = launch(loop);
            interrupted = loop.runUntil(running.result());
            if (interrupted) running.kill();
        } finally {
            loop.close(); // returns once the child is reaped and its pipes closed: at once after a SIGKILL
        }
        if (interrupted) {
            Thread.interrupted(); // close() hands back an interrupt that came meanwhile: this exception reports it
            throw new InterruptedException("interrupted while waiting for " + this + "; its process group was killed");
        }
        CompletableFuture<CommandResult> result = running.result();
        if (!result.isDone()) throw new IllegalStateException("forkexec: the loop ended before " + this + " did");
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /**
     * run() on a virtual thread: waiting in poll(2) would pin its carrier for the whole command, so it
     * parks on the shared reactor's result instead. An interrupt kills the group (SIGKILL) and the
     * shared reactor reaps it.
     */
    private CommandResult runOnSharedReactor() throws SpawnException, InterruptedException {
        CommandRun running = launch(SharedReactor.get());
        try {
            return running.result().get();
        } catch (InterruptedException e) {
            running.kill();
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /**
     * Starts the command and returns at once with a future of its result. The future is completed from
     * {@link ForkJoinPool#commonPool()} when the command has ended (normally, whatever the exit status;
     * exceptionally only with what a line consumer threw). Cancelling the future kills the command's
     * process group (SIGKILL).
     *
     * @return the future result
     * @throws SpawnException the child could not be started; thrown here, not through the future
     * @throws IllegalStateException a line consumer was set for a stream that is not captured
     */
    public CompletableFuture<CommandResult> start() throws SpawnException {
        CommandRun running = launch(SharedReactor.get());
        CompletableFuture<CommandResult> f = new CompletableFuture<>();
        running.result().whenComplete((r, t) -> ForkJoinPool.commonPool().execute(() -> {
            if (t != null) {
                f.completeExceptionally(t);
            } else {
                f.complete(r);
            }
        }));
        f.whenComplete((r, t) -> {
            if (t instanceof CancellationException) running.kill();
        });
        return f;
    }

    /** The argv, quoted so that it can be pasted into a POSIX shell. */
    @Override
    public String toString() {
        return "Command[" + CommandResult.shellQuote(argv) + "]";
    }

    // ------------------------------------------------------------ internals

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException) throw (RuntimeException) t;
        if (t instanceof Error) throw (Error) t;
        throw new IllegalStateException("the command failed unexpectedly", t);
    }

    private CommandRun launch(Reactor reactor) throws SpawnException {
        if (outputLines != null && stdout != Sink.CAPTURE) {
            throw new IllegalStateException("onOutputLine needs stdout captured, but it goes to " + describe(stdout, stdoutFile));
        }
        if (errorLines != null && stderr != Sink.CAPTURE) {
            throw new IllegalStateException("onErrorLine needs stderr captured, but it goes to " + describe(stderr, stderrFile));
        }
        ChildFD in = inputFile != null ? ChildFD.readFrom(inputFile) : inputBytes != null ? ChildFD.parentWrites()
                : ChildFD.devNull();
        ChildFD out = childFD(stdout, stdoutFile, 1);
        ChildFD err = childFD(stderr, stderrFile, 2);
        SpecKey key = new SpecKey(argv, spec, extraEnvironment.isEmpty() ? Map.of() : new LinkedHashMap<>(extraEnvironment),
                directory, in, out, err);
        ProcessSpec built = SPECS.get(key, SpecKey::build);
        CommandRun.Settings s = new CommandRun.Settings(argv, inputBytes, timeout, gracePeriod,
                stdout == Sink.CAPTURE, stderr == Sink.CAPTURE, captureLimit, outputLines, errorLines, stderr == Sink.MERGE);
        return CommandRun.start(reactor, built, s);
    }

    /**
     * Everything the child's spec is made of. Specs are immutable and the JVM's environment never
     * changes, so one spec (and its native form, encoded on its first spawn) serves every run of an
     * equal key: a loop of {@code Command.of("true").run()} builds and encodes its spec once.
     */
    private record SpecKey(List<String> argv, ProcessSpec base, Map<String, String> extraEnvironment, Path directory,
                           ChildFD in, ChildFD out, ChildFD err) {
        ProcessSpec build() {
            ProcessSpec.Builder b = base != null ? base.toBuilder() : ProcessSpec.command(argv);
            if (!extraEnvironment.isEmpty()) {
                Map<String, String> env = new LinkedHashMap<>(base != null ? base.environment() : System.getenv());
                for (Map.Entry<String, String> e : extraEnvironment.entrySet()) {
                    if (e.getValue() == null) {
                        env.remove(e.getKey());
                    } else {
                        env.put(e.getKey(), e.getValue());
                    }
                }
                b.environment(env);
            }
            if (directory != null) b.directory(directory);
            if (base == null || !base.newSession()) b.processGroup(0);
            return b.childFD(0, in).childFD(1, out).childFD(2, err).build();
        }

        // Written out: the record's generated ones go through method handles, which cost a loop of
        // short commands a few percent of its time.
        @Override
        public int hashCode() {
            int h = argv.hashCode();
            h = 31 * h + (base == null ? 0 : base.hashCode());
            h = 31 * h + extraEnvironment.hashCode();
            h = 31 * h + (directory == null ? 0 : directory.hashCode());
            h = 31 * h + in.hashCode();
            h = 31 * h + out.hashCode();
            return 31 * h + err.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SpecKey k && argv.equals(k.argv) && Objects.equals(base, k.base)
                    && extraEnvironment.equals(k.extraEnvironment) && Objects.equals(directory, k.directory)
                    && in.equals(k.in) && out.equals(k.out) && err.equals(k.err);
        }
    }

    /** The specs of the most recent starts (see RecentSpecs). */
    private static final RecentSpecs<SpecKey> SPECS = new RecentSpecs<>();

    private static ChildFD childFD(Sink sink, Path file, int fd) {
        switch (sink) {
            case CAPTURE: return ChildFD.parentReads();
            case FILE: return ChildFD.writeTo(file);
            case APPEND: return ChildFD.appendTo(file);
            case INHERIT: return ChildFD.inherit(fd);
            case DISCARD: return ChildFD.devNull();
            default: return ChildFD.sameAs(1);
        }
    }

    private static String describe(Sink sink, Path file) {
        switch (sink) {
            case FILE: return "the file " + file;
            case APPEND: return "the end of the file " + file;
            case INHERIT: return "the JVM's own fd";
            case DISCARD: return "/dev/null";
            case MERGE: return "stdout (redirectErrorToOutput)";
            default: return "the capture";
        }
    }
}
