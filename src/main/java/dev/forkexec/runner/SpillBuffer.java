package dev.forkexec.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * What one job wrote to one stream, held until the output mode prints it: in memory up to
 * {@link #MEMORY_LIMIT} bytes, then in a temporary file (unlinked as soon as it is created, so
 * nothing is left behind even if the runner is killed). The memory held for a job's output is thus
 * at most 2 x 256 KiB, whatever it writes; the rest goes to the disk under {@code --tmpdir} (default
 * {@code java.io.tmpdir}), as GNU parallel holds all of it.
 *
 * <p>Not thread-safe: used from the reactor thread only.
 */
final class SpillBuffer {
    /** Bytes kept in memory before spilling to a file. */
    static final int MEMORY_LIMIT = 256 * 1024;
    private static final byte[] EMPTY = new byte[0];

    private final Path tmpdir;
    private byte[] memory = EMPTY;
    private int used;
    private FileChannel file;
    private long size;

    SpillBuffer(Path tmpdir) {
        this.tmpdir = tmpdir;
    }

    /** Appends the remaining bytes of {@code data} (consuming them). */
    void write(ByteBuffer data) {
        int n = data.remaining();
        if (n == 0) return;
        size += n;
        if (file == null && used + n <= MEMORY_LIMIT) {
            if (used + n > memory.length) {
                memory = Arrays.copyOf(memory, Math.min(MEMORY_LIMIT, Math.max(used + n, Math.max(64, memory.length * 2))));
            }
            data.get(memory, used, n);
            used += n;
            return;
        }
        try {
            if (file == null) spill();
            while (data.hasRemaining()) file.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hold a job's output in a temporary file under " + tmpdir + ": "
                    + e.getMessage(), e);
        }
    }

    /** Appends {@code len} bytes of {@code b}. */
    void write(byte[] b, int off, int len) {
        write(ByteBuffer.wrap(b, off, len));
    }

    /** Bytes written since the last {@link #clear()}. */
    long size() {
        return size;
    }

    /** Hands the content, in order, to {@code sink} in chunks. */
    void drainTo(ChunkSink sink) {
        if (used > 0) sink.accept(memory, 0, used);
        if (file == null) return;
        try {
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long pos = 0;
            while (true) {
                chunk.clear();
                int n = file.read(chunk, pos);
                if (n <= 0) break;
                pos += n;
                sink.accept(chunk.array(), 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read back a job's output from its temporary file: " + e.getMessage(), e);
        }
    }

    /** Forgets the content and gives back memory and the temporary file. */
    void clear() {
        memory = EMPTY;
        used = 0;
        size = 0;
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // an unlinked file we only read; closing it cannot lose anything
            }
            file = null;
        }
    }

    private void spill() throws IOException {
        Path p = Files.createTempFile(tmpdir, "forkexec-job-", ".out");
        try {
            file = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } finally {
            Files.deleteIfExists(p);
        }
        ByteBuffer m = ByteBuffer.wrap(memory, 0, used);
        while (m.hasRemaining()) file.write(m);
        memory = EMPTY;
        used = 0;
    }

    /** Receives chunks of a buffer's content; the array is valid only during the call. */
    interface ChunkSink {
        void accept(byte[] b, int off, int len);
    }
}
