package dev.forkexec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link Command} did: its argv, how it ended, what it wrote to stdout and stderr, whether the
 * timeout ended it, and how long it took. Immutable; the byte accessors return copies.
 *
 * <p>A non-zero exit is a normal result, as in Python's {@code subprocess.run}; {@link #orThrow()}
 * turns a failure (a non-zero exit, a signal, a timeout) into a {@link CommandFailedException}.
 */
public final class CommandResult {
    static final byte[] EMPTY = new byte[0];
    /** How many lines of stderr a failure message shows. */
    static final int TAIL_LINES = 10;
    /** Longer stderr lines are cut in a failure message. */
    static final int TAIL_LINE_CHARS = 300;

    private final List<String> command;
    private final ExitStatus exitStatus;
    private final byte[] stdout;
    private final byte[] stderr;
    private final boolean stdoutTruncated;
    private final boolean stderrTruncated;
    private final Duration timeout;
    private final Duration elapsed;
    private final boolean errorMerged;
    private volatile String stdoutText;
    private volatile String stderrText;

    CommandResult(List<String> command, ExitStatus exitStatus, byte[] stdout, byte[] stderr, boolean stdoutTruncated,
            boolean stderrTruncated, Duration timeout, Duration elapsed, boolean errorMerged) {
        this.command = List.copyOf(command);
        this.exitStatus = exitStatus;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdoutTruncated = stdoutTruncated;
        this.stderrTruncated = stderrTruncated;
        this.timeout = timeout;
        this.elapsed = elapsed;
        this.errorMerged = errorMerged;
    }

    /** {@return the argv that ran, {@code argv[0]} first (unmodifiable)} */
    public List<String> command() {
        return command;
    }

    /** {@return how the child ended: its exit code, or the signal that killed it} */
    public ExitStatus exitStatus() {
        return exitStatus;
    }

    /** {@return a copy of the captured stdout (empty when stdout was not captured)} */
    public byte[] stdout() {
        return stdout.clone();
    }

    /** {@return a copy of the captured stderr (empty when stderr was not captured or went into stdout)} */
    public byte[] stderr() {
        return stderr.clone();
    }

    /** {@return the captured stdout as a read-only buffer over the result's own bytes: no copy, whatever its size} */
    public ByteBuffer stdoutBuffer() {
        return ByteBuffer.wrap(stdout).asReadOnlyBuffer();
    }

    /** {@return the captured stderr as a read-only buffer over the result's own bytes: no copy} */
    public ByteBuffer stderrBuffer() {
        return ByteBuffer.wrap(stderr).asReadOnlyBuffer();
    }

    /**
     * {@return the captured stdout decoded as UTF-8 as a whole (a character split across reads stays
     * whole), malformed input replaced}
     */
    public String stdoutText() {
        String s = stdoutText;
        if (s == null) stdoutText = s = new String(stdout, StandardCharsets.UTF_8);
        return s;
    }

    /** {@return the captured stderr decoded as UTF-8, malformed input replaced} */
    public String stderrText() {
        String s = stderrText;
        if (s == null) stderrText = s = new String(stderr, StandardCharsets.UTF_8);
        return s;
    }

    /** {@return whether stdout brought more than {@link Command#captureLimit(int)} bytes (the rest was dropped)} */
    public boolean stdoutTruncated() {
        return stdoutTruncated;
    }

    /** {@return whether stderr brought more than {@link Command#captureLimit(int)} bytes (the rest was dropped)} */
    public boolean stderrTruncated() {
        return stderrTruncated;
    }

    /**
     * {@return whether the {@link Command#timeout(Duration) timeout} expired while the child ran} The
     * child's process group was then sent SIGTERM, and SIGKILL if it did not end in the grace period.
     */
    public boolean timedOut() {
        return timeout != null;
    }

    /** {@return the timeout that expired, when {@link #timedOut()}; else empty} */
    public Optional<Duration> expiredTimeout() {
        return Optional.ofNullable(timeout);
    }

    /** {@return how long the command took, from just before the spawn to the moment it had ended} */
    public Duration elapsed() {
        return elapsed;
    }

    /** {@return whether the command succeeded: exit 0 and not timed out} */
    public boolean isSuccess() {
        return exitStatus.isSuccess() && timeout == null;
    }

    /**
     * This result when the command succeeded (exit 0, no timeout).
     *
     * @return this result
     * @throws CommandFailedException for a non-zero exit, a signal or a timeout; its message names the
     *     command, how it ended and the last lines of its stderr
     */
    public CommandResult orThrow() throws CommandFailedException {
        if (!isSuccess()) throw new CommandFailedException(this);
        return this;
    }

    /** How it ended, in words: {@code exit 3}, {@code killed by SIGKILL}, {@code timed out after 5 s (killed by SIGTERM)}. */
    String ending() {
        String status;
        if (!exitStatus.isKnown()) {
            status = exitStatus.toString();
        } else if (exitStatus.signal() > 0) {
            status = "killed by " + dev.forkexec.internal.Signals.name(exitStatus.signal())
                    + (exitStatus.coreDumped() ? ", core dumped" : "");
        } else {
            status = "exit " + exitStatus.exitCode();
        }
        return timeout == null ? status : "timed out after " + duration(timeout) + " (" + status + ")";
    }

    /** The last lines of stderr (of stdout when stderr went into it) for a failure message; empty if none. */
    String tail() {
        boolean merged = errorMerged && stderr.length == 0;
        String text = merged ? stdoutText() : stderrText();
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\r?\n", -1)));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) lines.remove(lines.size() - 1);
        if (lines.isEmpty()) return "";
        List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
        StringBuilder sb = new StringBuilder(last.size() == lines.size() ? "" : "last " + last.size() + " lines of ");
        sb.append(merged ? "output (stderr merged into stdout)" : "stderr").append(':');
        for (String l : last) {
            sb.append("\n  ").append(l.length() > TAIL_LINE_CHARS ? l.substring(0, TAIL_LINE_CHARS) + "..." : l);
        }
        return sb.toString();
    }

    /** {@code 5 s}, {@code 1.5 s}, {@code 200 ms}. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + " ms";
        if (ms % 1000 == 0) return ms / 1000 + " s";
        return java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
    }

    /** The argv as POSIX shell words: pasted into a shell, they give back exactly this argv. */
    static String shellQuote(List<String> argv) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < argv.size(); i++) {
            if (i > 0) sb.append(' ');
            sb.append(shellWord(argv.get(i), i == 0));
        }
        return sb.toString();
    }

    private static String shellWord(String w, boolean first) {
        if (w.isEmpty()) return "''";
        boolean plain = true;
        for (int i = 0; i < w.length() && plain; i++) {
            char c = w.charAt(i);
            plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "_@%+:,./-".indexOf(c) >= 0 || (c == '=' && !first);
        }
        return plain ? w : "'" + w.replace("'", "'\\''") + "'";
    }

    /** {@code CommandResult[sh -c 'exit 3': exit 3, 12 ms, stdout 0 bytes, stderr 0 bytes]}. */
    @Override
    public String toString() {
        return "CommandResult[" + shellQuote(command) + ": " + ending() + ", " + elapsed.toMillis() + " ms, stdout "
                + stdout.length + " bytes" + (stdoutTruncated ? " (truncated)" : "") + ", stderr " + stderr.length + " bytes"
                + (stderrTruncated ? " (truncated)" : "") + "]";
    }
}
