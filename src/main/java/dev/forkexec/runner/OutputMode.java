package dev.forkexec.runner;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * How the jobs' output reaches the runner's stdout and stderr, and when a job counts as printed (its
 * joblog row and report line follow its output, so rows come in the order outputs were printed).
 * The engine calls these from the reactor thread only:
 * {@link #started} for each attempt, {@link #data} for each chunk a job writes, then one of
 * {@link #retrying} (a failed attempt that will run again: its output is dropped, as GNU parallel
 * prints only the last attempt), {@link #finished} (the last attempt ended; the mode calls the
 * printed callback once the output is out) or {@link #abandoned} ({@code --halt now} killed it).
 *
 * <p>Implementations: {@link GroupedOutput} (the default, and {@code -k}), {@link LineBufferedOutput}
 * ({@code --line-buffer}), {@link UngroupedOutput} ({@code -u}), {@link ResultsOutput}
 * ({@code --results}). {@code --tag} applies to the first two.
 */
abstract class OutputMode {
    protected final Sink sink;
    protected final boolean tag;
    protected final Consumer<Job> printed;

    protected OutputMode(Sink sink, boolean tag, Consumer<Job> printed) {
        this.sink = sink;
        this.tag = tag;
        this.printed = printed;
    }

    /** The mode the options ask for. */
    static OutputMode create(Options o, Sink sink, Path tmpdir, Consumer<Job> printed) {
        if (o.results != null) return new ResultsOutput(o.results, sink, printed);
        switch (o.output) {
            case UNGROUP: return new UngroupedOutput(sink, printed);
            case LINE_BUFFER: return new LineBufferedOutput(sink, o.tag, o.keepOrder, tmpdir, printed);
            default: return new GroupedOutput(sink, o.tag, o.keepOrder, tmpdir, printed);
        }
    }

    /** Whether the jobs' fds 1 and 2 are pipes to the runner (else they are the runner's own). */
    boolean readsOutput() {
        return true;
    }

    /** An attempt of {@code job} started. */
    abstract void started(Job job);

    /** {@code job} wrote {@code data} (valid during the call only) to its fd 1 or 2. */
    abstract void data(Job job, int fd, ByteBuffer data);

    /** The attempt failed and will be retried: forget what it wrote. */
    abstract void retrying(Job job);

    /** The last attempt ended: print its output (now, or when its turn comes) and report it printed. */
    abstract void finished(Job job);

    /** {@code --halt now} killed the job: drop its output; it is never reported printed. */
    abstract void abandoned(Job job);

    /** The run is over: nothing more will start or end. */
    void close() {
        sink.flush();
    }

    /** Writes the runner's own error line about a job to stderr (e.g. the program was not found). */
    void jobError(Job job, String text) {
        byte[] b = ("forkexec: " + text + "\n").getBytes(StandardCharsets.UTF_8);
        data(job, 2, ByteBuffer.wrap(b));
    }

    // ------------------------------------------------------------ --tag

    /** Where a stream of one job is: at the start of a line (a tag is due before the next byte). */
    static final class LineStart {
        boolean atStart = true;
    }

    /** {@code --tag}'s prefix: the inputs, unquoted, joined by spaces, then a TAB. */
    static byte[] tagOf(Job job) {
        return (String.join(" ", job.args) + "\t").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes bytes of one job's stream, with the tag before every line when {@code --tag} is on (a
     * line ends at {@code \n} or {@code \r}; a last line without an end gets the tag and no newline).
     */
    protected void emit(Job job, int fd, byte[] b, int off, int len, LineStart state, byte[][] tagCache) {
        if (!tag) {
            sink.write(fd, b, off, len);
            return;
        }
        if (tagCache[0] == null) tagCache[0] = tagOf(job);
        byte[] t = tagCache[0];
        int i = off;
        int end = off + len;
        while (i < end) {
            if (state.atStart) {
                sink.write(fd, t, 0, t.length);
                state.atStart = false;
            }
            int j = i;
            while (j < end && b[j] != '\n' && b[j] != '\r') j++;
            if (j < end) {
                j++;
                state.atStart = true;
            }
            sink.write(fd, b, i, j - i);
            i = j;
        }
    }
}
