package dev.forkexec.runner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.regex.Pattern;

/**
 * Which sequence numbers a joblog says are done, for {@code --resume} (every row counts) and
 * {@code --resume-failed} (only rows with Exitval 0 and Signal 0 count; the other jobs run again
 * with the current command and inputs). GNU parallel's rules ({@code open_joblog}): the first line
 * is taken as the header without looking at it; matching is by Seq only; a later success row
 * overrides an earlier failure; a row that does not look like a joblog row is an error. A missing
 * joblog means nothing is done yet. One bit per sequence number (a million jobs: 125 KB).
 */
final class Resume {
    private static final Pattern DONE_ANY = Pattern.compile("^(\\d+)");
    private static final Pattern DONE_SUCCEEDED = Pattern.compile("^(\\d+)(?:\\t[^\\t]+){5}\\t0\\t0\\t");
    private static final Pattern ROW = Pattern.compile("^\\d+\\s+[^\\s]+\\s+([-0-9.]+\\s+){6}");

    private final BitSet done;

    private Resume(BitSet done) {
        this.done = done;
    }

    /** Nothing done: every job runs. */
    static Resume none() {
        return new Resume(new BitSet());
    }

    /** Reads {@code joblog}; {@code failedToo} is {@code --resume-failed}. */
    static Resume read(Path joblog, boolean failedToo) throws RunnerException {
        BitSet done = new BitSet();
        Pattern counts = failedToo ? DONE_SUCCEEDED : DONE_ANY;
        try (InputStream in = Files.newInputStream(joblog)) {
            InputSource.RecordReader lines = new InputSource.RecordReader(in, (byte) '\n');
            if (lines.next() == null) return new Resume(done); // empty: no header, nothing done
            for (String line; (line = lines.next()) != null; ) {
                java.util.regex.Matcher m = counts.matcher(line);
                if (m.find()) {
                    String seq = m.group(1);
                    if (seq.length() <= 10) {
                        long n = Long.parseLong(seq);
                        if (n <= Integer.MAX_VALUE) done.set((int) n);
                    }
                } else if (!ROW.matcher(line).find()) {
                    throw new RunnerException("Format of '" + joblog + "' is wrong: " + line);
                }
            }
        } catch (NoSuchFileException e) {
            return new Resume(done);
        } catch (AccessDeniedException e) {
            throw new RunnerException("Cannot read --joblog " + joblog + " to resume: Permission denied");
        } catch (IOException e) {
            throw new RunnerException("Cannot read --joblog " + joblog + " to resume: " + JobLog.reason(e));
        }
        return new Resume(done);
    }

    /** Whether the job with this sequence number is done and is skipped. */
    boolean isDone(long seq) {
        return seq <= Integer.MAX_VALUE && done.get((int) seq);
    }
}
