package dev.forkexec.runner;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --report FILE}: one JSON object per line and per finished job (the last attempt), written
 * with its joblog row and flushed at once:
 *
 * <pre>{@code
 * {"seq":1,"slot":1,"command":["gzip","-9","a.log"],"exit":0,"signal":0,"timedOut":false,"tries":1,
 *  "start":1700000000.123,"runtime":0.004,"userTime":0.002,"systemTime":0.001,"maxRss":3473408,
 *  "stdoutBytes":0,"stderrBytes":0}
 * }</pre>
 *
 * {@code command} is the argv that was exec'd ({@code ["sh","-c","..."]} with {@code --shell});
 * {@code exit} is the exit code, or null when a signal ended the job; {@code start} is epoch seconds,
 * {@code runtime} seconds (both to the millisecond). {@code userTime}, {@code systemTime} (seconds, to
 * the microsecond) and {@code maxRss} (bytes) are what the wait that reaped the job reported
 * ({@link dev.forkexec.ResourceUsage}): the job and the descendants it waited for; null when unknown.
 * Note that Linux counts into {@code maxRss} the peak of the address space a child replaces at exec,
 * and the library starts children from the JVM's address space, so a small job shows at least the
 * runner's own resident set. A job that could not start has {@code "exit":127} (or 126) and an
 * {@code "error"} string.
 */
final class Report implements AutoCloseable {
    private final OutputStream out;
    private final Path file;

    private Report(OutputStream out, Path file) {
        this.out = out;
        this.file = file;
    }

    /** Creates (or truncates) the report file. */
    static Report open(Path file) throws RunnerException {
        try {
            return new Report(new BufferedOutputStream(Files.newOutputStream(file), 16 * 1024), file);
        } catch (IOException e) {
            throw new RunnerException("Cannot write to --report " + file + ": " + JobLog.reason(e));
        }
    }

    /** Writes the line of one finished job. */
    void write(Job job) {
        byte[] line = line(job).getBytes(StandardCharsets.UTF_8);
        try {
            out.write(line);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to --report " + file + ": " + e.getMessage(), e);
        }
    }

    /** The JSON line of one job, newline included. */
    static String line(Job job) {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"seq\":").append(job.seq);
        b.append(",\"slot\":").append(job.slot);
        b.append(",\"command\":");
        array(b, job.argv);
        boolean signalled = job.status != null && job.status.signal() != 0;
        b.append(",\"exit\":");
        if (job.startError != null) b.append(job.startErrorExitval);
        else if (signalled || job.status == null) b.append("null");
        else b.append(job.status.exitCode());
        b.append(",\"signal\":").append(job.signal());
        b.append(",\"timedOut\":").append(job.timedOut);
        b.append(",\"tries\":").append(job.tries);
        b.append(",\"start\":");
        seconds(b, job.startMillis);
        b.append(",\"runtime\":");
        seconds(b, job.runtimeMillis());
        b.append(",\"userTime\":");
        micros(b, job.usage == null ? -1 : job.usage.userTime().toNanos() / 1000);
        b.append(",\"systemTime\":");
        micros(b, job.usage == null ? -1 : job.usage.systemTime().toNanos() / 1000);
        b.append(",\"maxRss\":");
        if (job.usage == null) b.append("null");
        else b.append(job.usage.maxResidentSetBytes());
        b.append(",\"stdoutBytes\":").append(job.stdoutBytes);
        b.append(",\"stderrBytes\":").append(job.stderrBytes);
        if (job.startError != null) {
            b.append(",\"error\":");
            string(b, job.startError);
        }
        return b.append("}\n").toString();
    }

    /** Milliseconds as seconds with three decimals (a JSON number). */
    static void seconds(StringBuilder b, long ms) {
        b.append(ms / 1000).append('.');
        long frac = ms % 1000;
        if (frac < 100) b.append('0');
        if (frac < 10) b.append('0');
        b.append(frac);
    }

    /** Microseconds as seconds with six decimals (a JSON number), or null when negative (unknown). */
    static void micros(StringBuilder b, long us) {
        if (us < 0) {
            b.append("null");
            return;
        }
        b.append(us / 1_000_000).append('.');
        String frac = Long.toString(us % 1_000_000);
        for (int i = frac.length(); i < 6; i++) b.append('0');
        b.append(frac);
    }

    /** Milliseconds as seconds with three decimals. */
    static String secondsText(long ms) {
        StringBuilder b = new StringBuilder();
        seconds(b, ms);
        return b.toString();
    }

    static void array(StringBuilder b, List<String> items) {
        b.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) b.append(',');
            string(b, items.get(i));
        }
        b.append(']');
    }

    /** A JSON string literal (RFC 8259): quotes, backslash and control characters escaped. */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c) && !validSurrogate(s, i)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    /** A surrogate that is half of a valid pair (a lone one cannot be written as UTF-8). */
    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // every line was flushed when written
        }
    }
}
