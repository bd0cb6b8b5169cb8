package dev.forkexec.bench;

import dev.forkexec.ChildFD;
import dev.forkexec.ProcessSpec;
import dev.forkexec.Subprocess;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Map;

/** forkexec's low-level blocking API: no threads at all; the caller reads, writes and waits. */
final class ForkexecSubprocessDriver implements Driver {
    private final ProcessSpec trueNoFds = ProcessSpec.command("/bin/true").childFDs(Map.of()).build();
    private final ProcessSpec truePipes = ProcessSpec.command("/bin/true").build();
    private final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);

    private final ByteBuffer text = ByteBuffer.allocate(64);
    private ProcessSpec stampSpec;

    @Override
    public void spawnTrue() throws Exception {
        try (Subprocess p = Subprocess.start(trueNoFds)) {
            Driver.checkExit(p.waitFor().exitCode(), "/bin/true");
        }
    }

    @Override
    public void spawnPipes() throws Exception {
        try (Subprocess p = Subprocess.start(truePipes)) {
            p.channel(0).close();
            Driver.drain(p.channel(1), buf);
            Driver.drain(p.channel(2), buf);
            Driver.checkExit(p.waitFor().exitCode(), "/bin/true");
        }
    }

    @Override
    public long exitLatency(String stamp) throws Exception {
        if (stampSpec == null) stampSpec = ProcessSpec.command(stamp).childFDs(Map.of(1, ChildFD.parentReads())).build();
        try (Subprocess p = Subprocess.start(stampSpec)) {
            text.clear();
            FileChannel c = p.channel(1);
            while (c.read(text) >= 0) {
                if (!text.hasRemaining()) throw new IllegalStateException("stamp too long");
            }
            int code = p.waitFor().exitCode();
            long ended = System.nanoTime();
            Driver.checkExit(code, "stamp");
            return ended - Driver.parseStamp(Driver.ascii(text.flip()));
        }
    }

    @Override
    public long readFromChild(long bytes) throws Exception {
        ProcessSpec spec = ProcessSpec.command("head", "-c", Long.toString(bytes), "/dev/zero")
                .childFDs(Map.of(1, ChildFD.parentReads())).build();
        long t0 = System.nanoTime();
        long got;
        int code;
        try (Subprocess p = Subprocess.start(spec)) {
            got = Driver.drain(p.channel(1), buf);
            code = p.waitFor().exitCode();
        }
        long t = System.nanoTime() - t0;
        Driver.checkExit(code, "head");
        Driver.checkBytes(got, bytes, "head -c");
        return t;
    }

    @Override
    public long writeToChild(long bytes, String sink) throws Exception {
        ProcessSpec spec = ProcessSpec.command(sink).childFDs(Map.of(0, ChildFD.parentWrites())).build();
        ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK);
        long t0 = System.nanoTime();
        int code;
        try (Subprocess p = Subprocess.start(spec)) {
            FileChannel c = p.channel(0);
            for (long left = bytes; left > 0;) {
                zeros.clear().limit((int) Math.min(left, CHUNK));
                while (zeros.hasRemaining()) left -= c.write(zeros);
            }
            c.close();
            code = p.waitFor().exitCode();
        }
        long t = System.nanoTime() - t0;
        Driver.checkExit(code, "sink");
        return t;
    }

    @Override
    public void fanout(int children, int concurrency, byte[] data) {
        // A blocking API needs a thread per pipe (or the caller's own poll loop) for this; that is
        // what the Reactor is for.
        throw new UnsupportedOperationException("not applicable: blocking API");
    }
}
