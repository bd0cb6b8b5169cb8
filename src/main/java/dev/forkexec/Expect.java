package dev.forkexec;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives an interactive program on a pseudo-terminal, as Python's pexpect does: wait for what it
 * shows ({@link #expect(Pattern, Duration)}, {@link #expectExact(String, Duration)}), answer
 * ({@link #sendLine(String)}), and so on. It runs on a {@link Reactor}: the reactor's one thread
 * reads every terminal, and a thread calling {@code expect} only waits on a condition until the
 * reactor has delivered a match, the end of file or the deadline, so a thousand sessions need no
 * thousand threads.
 *
 * <pre>{@code
 * try (Reactor reactor = Reactor.create();
 *      Expect sh = Expect.spawn(reactor, ProcessSpec.command("sh", "-i")
 *              .environment(Map.of("PS1", "$ ", "PATH", "/usr/bin:/bin")).usePTY().build())) {
 *     sh.expectExact("$ ", Duration.ofSeconds(5));
 *     sh.sendLine("echo $((6 * 7))");
 *     Expect.Match m = sh.expect(Pattern.compile("(\\d+)\\r\\n"), Duration.ofSeconds(5));
 *     System.out.println(m.group(1));        // 42
 *     sh.sendLine("exit");
 *     sh.expectEof(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p><b>Matching.</b> What the terminal shows is decoded (UTF-8 unless another charset is given; a
 * multi-byte character split between reads is decoded whole) into a buffer. Each call searches the
 * buffer from its start for each pattern, and the match that starts earliest wins (on a tie, the
 * lowest index), as in pexpect; the text before it is {@link Match#before()}, and the rest of the
 * buffer stays for the next call. Patterns are used as given ({@code Pattern.DOTALL} makes
 * {@code .} match line ends as pexpect's do). Data arrives in pieces, so a pattern can match a
 * prefix of what is coming: {@code .*} at its end may match nothing yet, {@code $} is no use; match
 * the line end instead, which a terminal shows as {@code \r\n} (ONLCR).
 *
 * <p><b>End of file and timeouts</b> are exceptions, as in pexpect when they are not listed: an
 * {@link ExpectException} whose {@link ExpectException#reason()} says which, and whose
 * {@link ExpectException#before()} holds what matched nothing. After a timeout that text stays in
 * the buffer; at end of file it is consumed. {@link #expectEof(Duration)} expects the end of file
 * and returns what came before it. The timeout is one deadline for the whole call (default 30 s,
 * {@link #defaultTimeout(Duration)}).
 *
 * <p><b>Sending.</b> {@link #send(String)} and {@link #sendLine(String)} queue on the reactor and
 * never block or sleep (pexpect's 50 ms {@code delaybeforesend} is left out: a password prompt that
 * turns echo off after printing is handled by {@link #awaitEchoOff(Duration)}). A line ends with
 * {@code \n}.
 *
 * <p><b>The canonical-mode line limit.</b> In canonical mode (the default; off in raw mode) the
 * kernel keeps at most 4095 bytes of one input line; on Linux the rest of the line is dropped
 * without any error (measured on Linux 6.18; no BEL is sent), so a longer line reaches the program cut
 * short. {@link #sendLine(String)} therefore refuses a line longer than 4095 bytes while the
 * terminal is canonical; send long data in raw mode ({@link ProcessSpec.Builder#terminalRaw}), or
 * through a file.
 *
 * <p><b>Line wrap at the terminal width.</b> A program with a line editor (bash's readline, zsh)
 * echoes a command longer than the terminal's width minus its prompt with a {@code \r} (or an escape
 * sequence) inserted where it wraps, so {@code expectExact(command)} on the echo fails (pexpect
 * issue 238). Start such sessions wide ({@code usePTY(1000, 50)}: the size is set before the
 * program starts, which matters because many read it only then), match the output rather than the
 * echo, or turn echo off. A shell without a line editor ({@code sh -i} as dash) does not wrap.
 *
 * <p>The unread buffer grows while nobody waits in a call; above 1 Mi characters reading pauses
 * (the child blocks on a full terminal) until a call consumes or waits again. {@link #transcript()}
 * keeps at least the last 64 Ki characters the terminal showed, for debugging. Methods are
 * thread-safe; calls that wait are meant for one thread at a time.
 */
public final class Expect implements AutoCloseable {
    /** pexpect's default timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** The most bytes one input line may have in canonical mode (Linux: N_TTY_BUF_SIZE - 1). */
    public static final int MAX_CANONICAL_LINE = 4095;
    static final int MAX_UNREAD = 1 << 20;
    static final int TRANSCRIPT_CHARS = 64 * 1024;
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(1);
    private static final long ECHO_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Set by connectionMade, before spawnProcess returns and before any other callback. */
    private volatile ChildProcess process;
    private volatile Terminal terminal;
    private final Charset charset;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    // Guarded by lock.
    private final StringBuilder buffer = new StringBuilder();
    private final StringBuilder transcript = new StringBuilder();
    private final CharsetDecoder decoder;
    private ByteBuffer undecoded = ByteBuffer.allocate(0);
    private boolean eof;
    private int waiters;
    private boolean paused;
    private Duration timeout = DEFAULT_TIMEOUT;

    private Expect(Reactor reactor, ProcessSpec spec, Charset charset) throws SpawnException {
        this.charset = charset;
        this.decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        reactor.spawnProcess(new Listener(), spec);
    }

    /**
     * Spawns {@code spec}, which must use a pseudo-terminal ({@link ProcessSpec.Builder#usePTY()}),
     * on {@code reactor}; what the terminal shows is decoded as UTF-8.
     *
     * @param reactor the reactor whose thread reads the terminal
     * @param spec what to start, built with {@link ProcessSpec.Builder#usePTY()}
     * @return the session; close it to hang the terminal up and end the child
     * @throws IllegalArgumentException when the spec has no terminal
     * @throws SpawnException when the child cannot be started (nothing is left behind)
     */
    public static Expect spawn(Reactor reactor, ProcessSpec spec) throws SpawnException {
        return spawn(reactor, spec, StandardCharsets.UTF_8);
    }

    /**
     * {@link #spawn(Reactor, ProcessSpec)}, decoding what the terminal shows with {@code charset}.
     *
     * @param reactor the reactor whose thread reads the terminal
     * @param spec what to start, built with {@link ProcessSpec.Builder#usePTY()}
     * @param charset decodes the output and encodes {@link #send(String)} and {@link #sendLine(String)}
     * @return the session; close it to hang the terminal up and end the child
     * @throws IllegalArgumentException when the spec has no terminal
     * @throws SpawnException when the child cannot be started (nothing is left behind)
     */
    public static Expect spawn(Reactor reactor, ProcessSpec spec, Charset charset) throws SpawnException {
        Objects.requireNonNull(reactor, "reactor");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(charset, "charset");
        if (!spec.usesPTY()) {
            throw new IllegalArgumentException("Expect drives a program on a terminal: build the spec with usePTY() ("
                    + spec + ")");
        }
        return new Expect(reactor, spec, charset);
    }

    /** {@return the child (its transport: write, signal, onExit)} */
    public ChildProcess process() {
        return process;
    }

    /** {@return the child's terminal (size, echo, raw mode, foreground group)} */
    public Terminal terminal() {
        return terminal;
    }

    /**
     * Sets the timeout of the calls that take none (default {@link #DEFAULT_TIMEOUT}, 30 s).
     *
     * @param timeout the new default, zero or more
     * @return this
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public Expect defaultTimeout(Duration timeout) {
        checkTimeout(timeout);
        lock.lock();
        try {
            this.timeout = timeout;
        } finally {
            lock.unlock();
        }
        return this;
    }

    // ------------------------------------------------------------------ expecting

    /**
     * {@link #expect(Pattern, Duration)} with the default timeout.
     *
     * @param pattern what to wait for
     * @return the match and what came before it
     * @throws ExpectException at the timeout or at end of file (see the class comment)
     * @throws InterruptedException when the waiting thread is interrupted (the buffer is unchanged)
     */
    public Match expect(Pattern pattern) throws ExpectException, InterruptedException {
        return expect(List.of(pattern), currentTimeout());
    }

    /**
     * Waits until {@code pattern} matches what the terminal shows, for at most {@code timeout}; returns
     * the match (index 0) and what came before it.
     *
     * @param pattern what to wait for
     * @param timeout the longest time to wait for the match, zero or more
     * @return the match and what came before it
     * @throws ExpectException at the timeout or at end of file (see the class comment)
     * @throws InterruptedException when the waiting thread is interrupted (the buffer is unchanged)
     */
    public Match expect(Pattern pattern, Duration timeout) throws ExpectException, InterruptedException {
        return expect(List.of(pattern), timeout);
    }

    /**
     * Waits until one of {@code patterns} matches; the one that starts earliest wins (the lowest index
     * on a tie), and {@link Match#index()} says which.
     *
     * @param patterns what to wait for, at least one
     * @param timeout the longest time to wait for a match, zero or more
     * @return the match, which pattern it was, and what came before it
     * @throws ExpectException at the timeout or at end of file (see the class comment)
     * @throws InterruptedException when the waiting thread is interrupted (the buffer is unchanged)
     */
    public Match expect(List<Pattern> patterns, Duration timeout) throws ExpectException, InterruptedException {
        Objects.requireNonNull(patterns, "patterns");
        if (patterns.isEmpty()) throw new IllegalArgumentException("expect needs at least one pattern");
        for (Pattern p : patterns) Objects.requireNonNull(p, "a pattern is null");
        checkTimeout(timeout);
        return await(List.copyOf(patterns), timeout);
    }

    /**
     * {@link #expectExact(String, Duration)} with the default timeout.
     *
     * @param text what to wait for, taken literally, not empty
     * @return the match and what came before it
     * @throws ExpectException at the timeout or at end of file (see the class comment)
     * @throws InterruptedException when the waiting thread is interrupted (the buffer is unchanged)
     */
    public Match expectExact(String text) throws ExpectException, InterruptedException {
        return expectExact(text, currentTimeout());
    }

    /**
     * Waits until {@code text} appears, taken literally (no regular expression).
     *
     * @param text what to wait for, not empty
     * @param timeout the longest time to wait for it, zero or more
     * @return the match and what came before it
     * @throws ExpectException at the timeout or at end of file (see the class comment)
     * @throws InterruptedException when the waiting thread is interrupted (the buffer is unchanged)
     */
    public Match expectExact(String text, Duration timeout) throws ExpectException, InterruptedException {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) throw new IllegalArgumentException("expectExact needs a non-empty text");
        return expect(List.of(Pattern.compile(Pattern.quote(text))), timeout);
    }

    /**
     * {@link #expectEof(Duration)} with the default timeout.
     *
     * @return everything that arrived unmatched before the end of file
     * @throws ExpectException (a timeout) if the end of file did not come in time
     * @throws InterruptedException when the waiting thread is interrupted (the buffer is unchanged)
     */
    public String expectEof() throws ExpectException, InterruptedException {
        return expectEof(currentTimeout());
    }

    /**
     * Waits for the terminal's end of file (every slave side closed: the program and whatever it
     * started have closed the terminal, or exited) and returns everything that arrived unmatched
     * before it; the buffer is then empty.
     *
     * @param timeout the longest time to wait for the end of file, zero or more
     * @return everything that arrived unmatched before the end of file
     * @throws ExpectException (a timeout) if the end of file did not come in time
     * @throws InterruptedException when the waiting thread is interrupted (the buffer is unchanged)
     */
    public String expectEof(Duration timeout) throws ExpectException, InterruptedException {
        checkTimeout(timeout);
        long deadline = deadline(timeout);
        lock.lock();
        try {
            while (!eof) waitUntil(deadline, timeout, "the end of file");
            String before = buffer.toString();
            buffer.setLength(0);
            return before;
        } finally {
            lock.unlock();
        }
    }

    /** {@return whether the terminal has reached its end of file} */
    public boolean isEof() {
        lock.lock();
        try {
            return eof;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the terminal's echo is off (pexpect's {@code waitnoecho}), which a program asking
     * for a password does before reading it; true once it is, false if it was still on at the
     * timeout. Checks at each arrival of output and every 100 ms.
     *
     * @param timeout the longest time to wait, zero or more
     * @return true once echo is off; false if it was still on at the timeout, or the terminal closed
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitEchoOff(Duration timeout) throws InterruptedException {
        checkTimeout(timeout);
        long deadline = deadline(timeout);
        lock.lock();
        try {
            for (;;) {
                try {
                    if (!terminal.echo()) return true;
                } catch (IllegalStateException closed) {
                    return false; // the terminal is gone: its echo will never go off
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                waiters++;
                resumeIfPaused();
                try {
                    changed.awaitNanos(Math.min(left, ECHO_POLL_NANOS));
                } finally {
                    waiters--;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private Match await(List<Pattern> patterns, Duration timeout) throws ExpectException, InterruptedException {
        long deadline = deadline(timeout);
        lock.lock();
        try {
            for (;;) {
                Match m = search(patterns);
                if (m != null) return m;
                if (eof) {
                    String before = buffer.toString();
                    buffer.setLength(0);
                    throw new ExpectException(ExpectException.Reason.EOF, before, "end of file on " + terminal.name()
                            + " of " + process + " while waiting for " + describe(patterns) + "; unmatched: "
                            + tail(before));
                }
                if (deadline - System.nanoTime() <= 0) {
                    String before = buffer.toString();
                    throw new ExpectException(ExpectException.Reason.TIMEOUT, before, "timed out after " + timeout
                            + " waiting for " + describe(patterns) + " on " + terminal.name() + " of " + process
                            + "; unmatched: " + tail(before));
                }
                waitFor(deadline);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Guarded by lock: the earliest match in the buffer, consumed, or null. */
    private Match search(List<Pattern> patterns) {
        Matcher best = null;
        int bestIndex = -1;
        for (int i = 0; i < patterns.size(); i++) {
            Matcher m = patterns.get(i).matcher(buffer);
            if (m.find() && (best == null || m.start() < best.start())) {
                best = m;
                bestIndex = i;
            }
        }
        if (best == null) return null;
        MatchResult result = best.toMatchResult();
        String before = buffer.substring(0, result.start());
        buffer.delete(0, result.end());
        resumeIfPaused();
        return new Match(bestIndex, before, result);
    }

    /** Guarded by lock: waits for news until the deadline (the caller re-checks everything). */
    private void waitFor(long deadline) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0) return;
        waiters++;
        resumeIfPaused();
        try {
            changed.awaitNanos(left);
        } finally {
            waiters--;
        }
    }

    private void waitUntil(long deadline, Duration timeout, String what) throws ExpectException, InterruptedException {
        if (deadline - System.nanoTime() <= 0) {
            String before = buffer.toString();
            throw new ExpectException(ExpectException.Reason.TIMEOUT, before, "timed out after " + timeout
                    + " waiting for " + what + " on " + terminal.name() + " of " + process + "; unmatched: "
                    + tail(before));
        }
        waitFor(deadline);
    }

    // ------------------------------------------------------------------ sending

    /**
     * Types {@code text} into the terminal; queued, never blocks.
     *
     * @param text what to type, encoded in the Expect's charset (UTF-8 unless given)
     */
    public void send(String text) {
        Objects.requireNonNull(text, "text");
        process.write(text.getBytes(charset));
    }

    /**
     * Types these bytes into the terminal; queued, never blocks.
     *
     * @param bytes what to type (copied)
     */
    public void send(byte[] bytes) {
        process.write(bytes.clone());
    }

    /**
     * Types {@code line} and a {@code \n}. While the terminal is in canonical mode a line longer than
     * {@link #MAX_CANONICAL_LINE} bytes is refused with IllegalArgumentException, because the kernel
     * would drop its tail silently (see the class comment).
     *
     * @param line what to type before the {@code \n}, encoded in the Expect's charset
     * @throws IllegalArgumentException for a line too long for canonical mode
     */
    public void sendLine(String line) {
        Objects.requireNonNull(line, "line");
        byte[] bytes = (line + "\n").getBytes(charset);
        if (terminal.canonical()) {
            int start = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] != '\n') continue;
                if (i - start > MAX_CANONICAL_LINE) {
                    throw new IllegalArgumentException("a line of " + (i - start) + " bytes is longer than the "
                            + MAX_CANONICAL_LINE + " a terminal in canonical mode keeps (the kernel drops the rest);"
                            + " use raw mode (ProcessSpec.Builder.terminalRaw, Terminal.setRaw) for long lines");
                }
                start = i + 1;
            }
        }
        process.write(bytes);
    }

    /** Types an empty line (just {@code \n}). */
    public void sendLine() {
        sendLine("");
    }

    /**
     * Types a control character as pexpect's {@code sendcontrol}: {@code 'c'} is ^C (3), {@code '['}
     * ESC (27), {@code '?'} DEL (127), {@code '@'} NUL; letters in either case. IllegalArgumentException
     * for a character with no control form.
     *
     * @param c the character typed with Ctrl: {@code @}, a letter, {@code [}, {@code \}, {@code ]},
     *     {@code ^}, {@code _} or {@code ?}
     */
    public void sendControl(char c) {
        int code;
        char u = Character.toUpperCase(c);
        if (u >= '@' && u <= '_') {
            code = u - '@';
        } else if (c == '?') {
            code = 127;
        } else {
            throw new IllegalArgumentException("'" + c + "' has no control character (use @, A-Z, [, \\, ], ^, _ or ?)");
        }
        process.write(new byte[] {(byte) code});
    }

    /** Types the terminal's interrupt character ({@link Terminal#sendInterrupt()}). */
    public void sendInterrupt() {
        terminal.sendInterrupt();
    }

    /** Types the terminal's end-of-file character ({@link Terminal#sendEof()}); input stays open. */
    public void sendEof() {
        terminal.sendEof();
    }

    // ------------------------------------------------------------------ debugging

    /** {@return what arrived and matched nothing yet (what the next call searches)} */
    public String buffer() {
        lock.lock();
        try {
            return buffer.toString();
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@return the recent text the terminal showed: at least the last 64 Ki characters (at most
     * 128 Ki), or all of it in a shorter session} That is the program's output, and what was typed
     * while echo was on; for debugging a session, independent of matching.
     */
    public String transcript() {
        lock.lock();
        try {
            return transcript.toString();
        } finally {
            lock.unlock();
        }
    }

    /** {@return the child's exit status once it was reaped, else empty} */
    public Optional<ExitStatus> exitStatus() {
        return process.exitStatus();
    }

    /**
     * Hangs the terminal up (pexpect's {@code close}): closes the master at once, dropping what was
     * sent and not yet taken, so the child's session gets SIGHUP; a child still running a second
     * later gets SIGKILL. After the end of file the child has closed the terminal and is exiting of
     * its own accord: it gets that second to exit first, so its exit status stays its own. Returns
     * once the child has ended. Idempotent.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        try {
            if (isEof()) {
                try {
                    process.onExit().get(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException stillRunning) {
                    // a child that closed its terminal and runs on: hang up as below
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return; // the reactor died; it ended the child itself
                }
            }
            process.hangUpTerminal();
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    process.onExit().get(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException slow) {
                    try {
                        process.signalProcess(9);
                    } catch (ProcessExitedAlreadyException gone) {
                        // reaped meanwhile: onExit completes once its terminal is closed
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return; // the reactor died; it ended the child itself
                }
            }
            try {
                process.onExit().get();
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                // as above
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "Expect[" + terminal.name() + ", " + process + "]";
    }

    // ------------------------------------------------------------------ internals

    private Duration currentTimeout() {
        lock.lock();
        try {
            return timeout;
        } finally {
            lock.unlock();
        }
    }

    private static void checkTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
    }

    private static long deadline(Duration timeout) {
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE / 4;
        }
        return System.nanoTime() + Math.min(nanos, Long.MAX_VALUE / 4);
    }

    /** Guarded by lock. */
    private void resumeIfPaused() {
        if (paused) {
            paused = false;
            process.resumeProducing();
        }
    }

    private static String describe(List<Pattern> patterns) {
        List<String> shown = new ArrayList<>();
        for (Pattern p : patterns) shown.add("/" + p.pattern() + "/");
        return shown.size() == 1 ? shown.get(0) : shown.toString();
    }

    /** The last 100 characters, escaped so control characters show. */
    private static String tail(String s) {
        String t = s.length() > 100 ? s.substring(s.length() - 100) : s;
        StringBuilder b = new StringBuilder(s.length() > 100 ? "...\"" : "\"");
        for (char c : t.toCharArray()) {
            if (c == '\r') b.append("\\r");
            else if (c == '\n') b.append("\\n");
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /** On the reactor thread: decodes output into the buffer and wakes the waiting call. */
    private void received(ByteBuffer data, boolean end) {
        lock.lock();
        try {
            ByteBuffer in = undecoded;
            if (data != null) {
                ByteBuffer joined = ByteBuffer.allocate(undecoded.remaining() + data.remaining());
                joined.put(undecoded).put(data).flip();
                in = joined;
            }
            CharBuffer out = CharBuffer.allocate((int) (in.remaining() * (double) decoder.maxCharsPerByte()) + 16);
            decoder.decode(in, out, end);
            if (end) decoder.flush(out);
            undecoded = in.hasRemaining() ? ByteBuffer.allocate(in.remaining()).put(in).flip() : ByteBuffer.allocate(0);
            out.flip();
            buffer.append(out);
            transcript.append(out);
            if (transcript.length() > 2 * TRANSCRIPT_CHARS) transcript.delete(0, transcript.length() - TRANSCRIPT_CHARS);
            if (end) eof = true;
            if (!end && !paused && waiters == 0 && buffer.length() > MAX_UNREAD) {
                paused = true;
                process.pauseProducing();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private final class Listener implements ProcessProtocol {
        @Override
        public void connectionMade(ProcessTransport transport) {
            process = (ChildProcess) transport;
            terminal = process.terminal();
        }

        @Override
        public void childDataReceived(int childFD, ByteBuffer data) {
            received(data, false);
        }

        @Override
        public void childConnectionLost(int childFD) {
            if (childFD == 1) received(null, true);
        }

        @Override
        public void processEnded(ExitStatus status) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * One match: which pattern matched, the text before it, and the match itself (its groups). Text
     * after the match stays in the Expect's buffer.
     */
    public static final class Match {
        private final int index;
        private final String before;
        private final MatchResult result;

        Match(int index, String before, MatchResult result) {
            this.index = index;
            this.before = before;
            this.result = result;
        }

        /** {@return which pattern of the call matched, by its index in the list (0 for a call with one)} */
        public int index() {
            return index;
        }

        /**
         * {@return what arrived between the previous match (or the start) and this one (pexpect's
         * {@code before})}
         */
        public String before() {
            return before;
        }

        /** {@return the matched text (pexpect's {@code after})} */
        public String matched() {
            return result.group();
        }

        /**
         * A capturing group of the match, as {@link Matcher#group(int)}.
         *
         * @param group the group's number; 0 is the whole match
         * @return the text the group matched, or null if it took no part in the match
         * @throws IndexOutOfBoundsException for a group the pattern lacks
         */
        public String group(int group) {
            return result.group(group);
        }

        /**
         * {@return the match as {@code java.util.regex} reports it (groups, offsets relative to the
         * buffer searched)}
         */
        public MatchResult result() {
            return result;
        }

        @Override
        public String toString() {
            return "Match[" + index + ", before=" + tail(before) + ", matched=" + tail(matched()) + "]";
        }
    }
}
