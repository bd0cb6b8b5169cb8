package dev.forkexec.runner;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * GNU parallel's default: a job's output is held until it ends, then printed at once, all of its
 * stdout then all of its stderr, so lines of different jobs never mix. Jobs print in the order they
 * end, or with {@code -k} in sequence order (a job that ended early waits, held, for the ones before
 * it). Held output lives in {@link SpillBuffer}s: memory up to 256 KiB per stream, then a temp file.
 */
final class GroupedOutput extends OutputMode {
    /** A job's held output. */
    private static final class Held {
        final SpillBuffer out;
        final SpillBuffer err;
        final byte[][] tagCache = new byte[1][];
        boolean ended;

        Held(Path tmpdir) {
            out = new SpillBuffer(tmpdir);
            err = new SpillBuffer(tmpdir);
        }
    }

    private final boolean keepOrder;
    private final Path tmpdir;
    /** With -k: jobs by start order (sequence order), until printed. */
    private final ArrayDeque<Job> order = new ArrayDeque<>();

    GroupedOutput(Sink sink, boolean tag, boolean keepOrder, Path tmpdir, Consumer<Job> printed) {
        super(sink, tag, printed);
        this.keepOrder = keepOrder;
        this.tmpdir = tmpdir;
    }

    @Override
    void started(Job job) {
        if (job.outputState == null) {
            job.outputState = new Held(tmpdir);
            if (keepOrder) order.add(job);
        }
    }

    @Override
    void data(Job job, int fd, ByteBuffer data) {
        Held h = (Held) job.outputState;
        (fd == 1 ? h.out : h.err).write(data);
    }

    @Override
    void retrying(Job job) {
        Held h = (Held) job.outputState;
        h.out.clear();
        h.err.clear();
    }

    @Override
    void finished(Job job) {
        Held h = (Held) job.outputState;
        h.ended = true;
        if (!keepOrder) {
            print(job, h);
            return;
        }
        drain();
    }

    @Override
    void abandoned(Job job) {
        Held h = (Held) job.outputState;
        if (h == null) return;
        h.out.clear();
        h.err.clear();
        if (keepOrder) {
            order.remove(job);
            drain();
        }
        job.outputState = null;
    }

    private void drain() {
        Job head;
        while ((head = order.peekFirst()) != null && ((Held) head.outputState).ended) {
            order.pollFirst();
            print(head, (Held) head.outputState);
        }
    }

    private void print(Job job, Held h) {
        LineStart outState = new LineStart();
        LineStart errState = new LineStart();
        h.out.drainTo((b, off, len) -> emit(job, 1, b, off, len, outState, h.tagCache));
        h.err.drainTo((b, off, len) -> emit(job, 2, b, off, len, errState, h.tagCache));
        sink.flush();
        h.out.clear();
        h.err.clear();
        job.outputState = null;
        printed.accept(job);
    }
}
