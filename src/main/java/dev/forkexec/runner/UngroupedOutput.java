package dev.forkexec.runner;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * {@code -u}: the jobs write straight to the runner's stdout and stderr (their fds 1 and 2 are the
 * runner's), so nothing is held, half-lines of different jobs can mix, and the joblog's Receive
 * column is 0. The fastest mode. A job counts as printed when it ends.
 */
final class UngroupedOutput extends OutputMode {
    UngroupedOutput(Sink sink, Consumer<Job> printed) {
        super(sink, false, printed);
    }

    @Override
    boolean readsOutput() {
        return false;
    }

    @Override
    void started(Job job) {
        // the job writes to our fds itself
    }

    @Override
    void data(Job job, int fd, ByteBuffer data) {
        // only the runner's own messages about a job come here
        byte[] b = new byte[data.remaining()];
        data.get(b);
        sink.write(fd, b, 0, b.length);
        sink.flush();
    }

    @Override
    void retrying(Job job) {
        // what it wrote is already out
    }

    @Override
    void finished(Job job) {
        printed.accept(job);
    }

    @Override
    void abandoned(Job job) {
        // nothing held
    }
}
