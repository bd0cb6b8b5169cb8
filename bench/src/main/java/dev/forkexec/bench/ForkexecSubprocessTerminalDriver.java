package dev.forkexec.bench;

import dev.forkexec.ProcessSpec;
import dev.forkexec.Subprocess;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/** forkexec's blocking layer: the terminal's master as one FileChannel; no threads at all. */
final class ForkexecSubprocessTerminalDriver implements TerminalDriver {
    private final ProcessSpec trueSpec = ProcessSpec.command("/bin/true").usePTY(80, 24).build();
    private final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);

    @Override
    public long spawnTrue() throws Exception {
        long t0 = System.nanoTime();
        int code;
        try (Subprocess p = Subprocess.start(trueSpec)) {
            drain(p.channel(1));
            code = p.waitFor().exitCode();
        }
        long t = System.nanoTime() - t0;
        TerminalDriver.checkExit(code, "/bin/true");
        return t;
    }

    private long drain(FileChannel c) throws Exception {
        long total = 0;
        for (;;) {
            buf.clear();
            int n = c.read(buf);
            if (n < 0) return total;
            total += n;
        }
    }

    @Override
    public long read(long bytes) throws Exception {
        ProcessSpec spec = ProcessSpec.command("head", "-c", Long.toString(bytes), "/dev/zero").usePTY(80, 24)
                .terminalRaw(true).build();
        long t0 = System.nanoTime();
        long got;
        int code;
        try (Subprocess p = Subprocess.start(spec)) {
            got = drain(p.channel(1));
            code = p.waitFor().exitCode();
        }
        long t = System.nanoTime() - t0;
        TerminalDriver.checkExit(code, "head");
        TerminalDriver.checkBytes(got, bytes, "head -c on a terminal");
        return t;
    }

    /** Reads until {@code word} has been seen; false at the end of file. */
    private boolean readUntil(FileChannel c, String word, StringBuilder seen) throws Exception {
        while (seen.indexOf(word) < 0) {
            buf.clear();
            if (c.read(buf) < 0) return false;
            seen.append(StandardCharsets.US_ASCII.decode(buf.flip()));
        }
        return true;
    }

    @Override
    public long write(long bytes) throws Exception {
        ProcessSpec spec = ProcessSpec.command("sh", "-c", SINK, "sink", Long.toString(bytes)).usePTY(80, 24)
                .terminalRaw(true).build();
        ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK);
        long t;
        int code;
        try (Subprocess p = Subprocess.start(spec)) {
            FileChannel c = p.channel(0);
            StringBuilder seen = new StringBuilder();
            if (!readUntil(c, "READY", seen)) throw new IllegalStateException("no READY");
            long t0 = System.nanoTime();
            for (long left = bytes; left > 0;) {
                zeros.clear().limit((int) Math.min(left, CHUNK));
                while (zeros.hasRemaining()) left -= c.write(zeros);
            }
            if (!readUntil(c, "DONE", seen)) throw new IllegalStateException("no DONE");
            t = System.nanoTime() - t0;
            code = p.waitFor().exitCode();
        }
        TerminalDriver.checkExit(code, "the sink");
        return t;
    }

    @Override
    public long threadsWith(int n) {
        // A blocking channel needs a reader thread per terminal (or the caller's own poll loop);
        // that is what the Reactor is for.
        return -1;
    }
}
