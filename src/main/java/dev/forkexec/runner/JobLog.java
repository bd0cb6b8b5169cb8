package dev.forkexec.runner;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code --joblog}: GNU parallel's nine tab-separated columns, byte for byte ({@code print_joblog}):
 * Seq, Host ({@code :}), Starttime (epoch seconds, {@code %.3f} of the time truncated to ms),
 * JobRuntime ({@code %10.3f}, truncated to ms), Send (0), Receive (bytes of stdout), Exitval, Signal,
 * Command (newlines written as NUL). One row per finished job, written right after its output, and
 * flushed at once.
 *
 * <p>Header rules: {@code FILE} truncates and writes the header; {@code +FILE} appends and never
 * writes one; with {@code --resume}/{@code --resume-failed} an existing non-empty file is appended to
 * without a header, an empty or missing one gets the header. {@code -} writes to stdout.
 */
final class JobLog implements AutoCloseable {
    static final String HEADER = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

    private final OutputStream out;
    private final Sink sink;
    private final String name;

    private JobLog(OutputStream out, Sink sink, String name) {
        this.out = out;
        this.sink = sink;
        this.name = name;
    }

    /** Opens the joblog as the options say; an unwritable file is a {@link RunnerException}. */
    static JobLog open(String name, boolean append, boolean resuming, Sink stdout) throws RunnerException {
        if (name.equals("-")) {
            JobLog log = new JobLog(null, stdout, name);
            if (!append) log.writeRaw(HEADER.getBytes(StandardCharsets.US_ASCII));
            return log;
        }
        Path p = Path.of(name);
        boolean header;
        StandardOpenOption mode;
        if (append) {
            header = false;
            mode = StandardOpenOption.APPEND;
        } else if (resuming) {
            boolean empty;
            try {
                empty = !Files.exists(p) || Files.size(p) == 0;
            } catch (IOException e) {
                empty = true;
            }
            header = empty;
            mode = empty ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND;
        } else {
            header = true;
            mode = StandardOpenOption.TRUNCATE_EXISTING;
        }
        OutputStream os;
        try {
            os = new BufferedOutputStream(Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode),
                    8192);
        } catch (IOException | UnsupportedOperationException e) {
            throw new RunnerException("Cannot " + (mode == StandardOpenOption.APPEND ? "append to" : "write to")
                    + " --joblog " + name + ": " + reason(e));
        }
        JobLog log = new JobLog(os, null, name);
        if (header) {
            try {
                log.writeRaw(HEADER.getBytes(StandardCharsets.US_ASCII));
            } catch (UncheckedIOException e) {
                log.close();
                throw new RunnerException("Cannot write to --joblog " + name + ": " + reason(e.getCause()));
            }
        }
        return log;
    }

    /** Appends the row of one finished job and flushes it. */
    void write(Job job) {
        writeRaw(row(job.seq, job.startMillis, job.runtimeMillis(), job.stdoutBytes, job.exitval(), job.signal(),
                job.command()).getBytes(StandardCharsets.UTF_8));
    }

    /** One row, {@code \n}-terminated: GNU parallel's format. */
    static String row(long seq, long startMillis, long runtimeMillis, long receive, int exitval, int signal, String command) {
        StringBuilder b = new StringBuilder(64 + command.length());
        b.append(seq).append("\t:\t");
        millis(b, startMillis);
        b.append('\t');
        int at = b.length();
        millis(b, runtimeMillis);
        while (b.length() - at < 10) b.insert(at, ' ');
        b.append("\t0\t").append(receive).append('\t').append(exitval).append('\t').append(signal).append('\t');
        b.append(command.replace('\n', '\0')).append('\n');
        return b.toString();
    }

    /** {@code %.3f} of a non-negative number of milliseconds. */
    private static void millis(StringBuilder b, long ms) {
        b.append(ms / 1000).append('.');
        long frac = ms % 1000;
        if (frac < 100) b.append('0');
        if (frac < 10) b.append('0');
        b.append(frac);
    }

    private void writeRaw(byte[] bytes) {
        if (sink != null) {
            sink.write(1, bytes, 0, bytes.length);
            sink.flush();
            return;
        }
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to --joblog " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException ignored) {
            // every row was flushed when written; a failure then was already reported
        }
    }

    static String reason(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException) return "No such file or directory";
        if (e instanceof java.nio.file.AccessDeniedException) return "Permission denied";
        if (e instanceof java.nio.file.FileSystemException && ((java.nio.file.FileSystemException) e).getReason() != null) {
            return ((java.nio.file.FileSystemException) e).getReason();
        }
        return String.valueOf(e.getMessage());
    }
}
