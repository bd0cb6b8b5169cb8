package dev.forkexec.runner;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * {@code --line-buffer}: complete lines are printed as soon as they arrive, so lines of different
 * jobs interleave but are never split; a job's unfinished last line is held until its newline comes
 * or the job ends (then it is printed without adding one). stdout and stderr are each line-buffered.
 * With {@code -k} only the oldest unfinished job prints live; later ones are held until their turn.
 * A retried attempt's lines are already out (as in GNU parallel); only what was still held is dropped.
 */
final class LineBufferedOutput extends OutputMode {
    /** One job's state: the unfinished line per stream, and (with -k, before its turn) held output. */
    private static final class State {
        final SpillBuffer[] partial = new SpillBuffer[3];
        final SpillBuffer[] held = new SpillBuffer[3];
        final LineStart[] lineStart = {null, new LineStart(), new LineStart()};
        final byte[][] tagCache = new byte[1][];
        boolean live;
        boolean ended;

        State(Path tmpdir, boolean live) {
            this.live = live;
            for (int fd = 1; fd <= 2; fd++) {
                partial[fd] = new SpillBuffer(tmpdir);
                held[fd] = new SpillBuffer(tmpdir);
            }
        }
    }

    private final boolean keepOrder;
    private final Path tmpdir;
    private final ArrayDeque<Job> order = new ArrayDeque<>();

    LineBufferedOutput(Sink sink, boolean tag, boolean keepOrder, Path tmpdir, Consumer<Job> printed) {
        super(sink, tag, printed);
        this.keepOrder = keepOrder;
        this.tmpdir = tmpdir;
    }

    @Override
    void started(Job job) {
        if (job.outputState != null) return;
        State s = new State(tmpdir, !keepOrder || order.isEmpty());
        job.outputState = s;
        if (keepOrder) order.add(job);
    }

    @Override
    void data(Job job, int fd, ByteBuffer data) {
        State s = (State) job.outputState;
        if (!s.live) {
            s.held[fd].write(data);
            return;
        }
        lines(job, s, fd, data);
        sink.flush();
    }

    /** Prints the complete lines of (held partial line + data); keeps the rest as the partial line. */
    private void lines(Job job, State s, int fd, ByteBuffer data) {
        int lastNewline = -1;
        for (int i = data.limit() - 1; i >= data.position(); i--) {
            if (data.get(i) == '\n') {
                lastNewline = i;
                break;
            }
        }
        if (lastNewline < 0) {
            s.partial[fd].write(data);
            return;
        }
        s.partial[fd].drainTo((b, off, len) -> emit(job, fd, b, off, len, s.lineStart[fd], s.tagCache));
        s.partial[fd].clear();
        byte[] chunk = new byte[lastNewline + 1 - data.position()];
        data.get(chunk);
        emit(job, fd, chunk, 0, chunk.length, s.lineStart[fd], s.tagCache);
        s.partial[fd].write(data);
    }

    @Override
    void retrying(Job job) {
        State s = (State) job.outputState;
        for (int fd = 1; fd <= 2; fd++) {
            s.partial[fd].clear();
            s.held[fd].clear();
            s.lineStart[fd].atStart = true;
        }
    }

    @Override
    void finished(Job job) {
        State s = (State) job.outputState;
        s.ended = true;
        if (s.live) {
            done(job, s);
            if (keepOrder) next();
        }
    }

    @Override
    void abandoned(Job job) {
        State s = (State) job.outputState;
        if (s == null) return;
        for (int fd = 1; fd <= 2; fd++) {
            s.partial[fd].clear();
            s.held[fd].clear();
        }
        job.outputState = null;
        if (keepOrder) {
            boolean wasHead = order.peekFirst() == job;
            order.remove(job);
            if (wasHead) next();
        }
    }

    /** The job's end: its unfinished lines go out, and it counts as printed. */
    private void done(Job job, State s) {
        for (int fd = 1; fd <= 2; fd++) {
            int f = fd;
            s.partial[fd].drainTo((b, off, len) -> emit(job, f, b, off, len, s.lineStart[f], s.tagCache));
            s.partial[fd].clear();
        }
        sink.flush();
        job.outputState = null;
        if (keepOrder) order.remove(job);
        printed.accept(job);
    }

    /** With -k: the next job in order goes live (its held output first), and so on while they have ended. */
    private void next() {
        Job head;
        while ((head = order.peekFirst()) != null) {
            State s = (State) head.outputState;
            if (s.live) return;
            s.live = true;
            for (int fd = 1; fd <= 2; fd++) {
                int f = fd;
                Job h = head;
                SpillBuffer held = s.held[fd];
                held.drainTo((b, off, len) -> lines(h, s, f, ByteBuffer.wrap(b, off, len)));
                held.clear();
            }
            sink.flush();
            if (!s.ended) return;
            done(head, s);
        }
    }
}
