package dev.forkexec.bench;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcess;
import com.zaxxer.nuprocess.NuProcessBuilder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * NuProcess 2.0.6 as its README shows it: a handler per process, callbacks on NuProcess's own
 * epoll threads, {@code wantWrite()}/{@code onStdinReady} for stdin. NuProcess always gives the
 * child three pipes, so scenario 1 has them too.
 */
final class NuProcessDriver implements Driver {
    /**
     * NuProcess logs a NullPointerException (WARNING, with a stack trace) whenever a child exits
     * before its onStart callback ran (its own race: the handler is cleared on exit). That is noise
     * here; kept strongly reachable so the level sticks.
     */
    private static final Logger NU_LOG = Logger.getLogger("com.zaxxer.nuprocess");

    static {
        NU_LOG.setLevel(Level.SEVERE);
    }

    /** Closes stdin at start; counts stdout; notes the exit time. */
    private static class Basic extends NuAbstractProcessHandler {
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        final StringBuilder text = new StringBuilder();
        final boolean keepText;
        long got;
        volatile long ended;

        Basic(boolean keepText) {
            this.keepText = keepText;
        }

        @Override
        public void onStart(NuProcess p) {
            p.closeStdin(true);
        }

        @Override
        public void onStdout(ByteBuffer buffer, boolean closed) {
            got += buffer.remaining();
            if (keepText) {
                text.append(Driver.ascii(buffer));
            } else {
                buffer.position(buffer.limit());
            }
        }

        @Override
        public void onExit(int code) {
            ended = System.nanoTime();
            exit.complete(code);
        }
    }

    private static int run(NuProcessBuilder b, Basic h) throws Exception {
        b.setProcessListener(h);
        NuProcess p = b.start();
        if (p == null) throw new IllegalStateException("NuProcess could not start " + b.command());
        p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return Driver.await(h.exit, String.valueOf(b.command()));
    }

    private final NuProcessBuilder trueBuilder = new NuProcessBuilder(List.of("/bin/true"));

    @Override
    public void spawnTrue() throws Exception {
        Driver.checkExit(run(trueBuilder, new Basic(false)), "/bin/true");
    }

    @Override
    public void spawnPipes() throws Exception {
        spawnTrue(); // NuProcess has no other way: scenario 1 already has three pipes
    }

    @Override
    public long exitLatency(String stamp) throws Exception {
        Basic h = new Basic(true);
        Driver.checkExit(run(new NuProcessBuilder(List.of(stamp)), h), "stamp");
        return h.ended - Driver.parseStamp(h.text);
    }

    @Override
    public long readFromChild(long bytes) throws Exception {
        NuProcessBuilder b = new NuProcessBuilder(List.of("head", "-c", Long.toString(bytes), "/dev/zero"));
        Basic h = new Basic(false);
        long t0 = System.nanoTime();
        int code = run(b, h);
        long t = System.nanoTime() - t0;
        Driver.checkExit(code, "head");
        Driver.checkBytes(h.got, bytes, "head -c");
        return t;
    }

    /** Fills NuProcess's stdin buffer from {@code data} (or zeros) whenever it asks. */
    private static class Feeder extends NuAbstractProcessHandler {
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        private final byte[] data;
        private final long total;
        private long sent;
        private NuProcess process;

        Feeder(byte[] data, long total) {
            this.data = data;
            this.total = total;
        }

        @Override
        public void onStart(NuProcess p) {
            process = p;
            p.wantWrite();
        }

        @Override
        public boolean onStdinReady(ByteBuffer buffer) {
            int n = (int) Math.min(buffer.remaining(), total - sent);
            int off = (int) (sent % data.length);
            n = Math.min(n, data.length - off);
            buffer.put(data, off, n);
            buffer.flip();
            sent += n;
            if (sent == total) {
                process.closeStdin(false);
                return false;
            }
            return true;
        }

        @Override
        public void onExit(int code) {
            exit.complete(code);
        }
    }

    @Override
    public long writeToChild(long bytes, String sink) throws Exception {
        NuProcessBuilder b = new NuProcessBuilder(List.of(sink));
        Feeder f = new Feeder(new byte[CHUNK], bytes);
        b.setProcessListener(f);
        long t0 = System.nanoTime();
        NuProcess p = b.start();
        if (p == null) throw new IllegalStateException("NuProcess could not start " + sink);
        p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        int code = Driver.await(f.exit, "sink");
        long t = System.nanoTime() - t0;
        Driver.checkExit(code, "sink");
        Driver.checkBytes(f.sent, bytes, "sink");
        return t;
    }

    private static final class Echo extends Feeder {
        private final Semaphore slots;
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure;
        private final int length;
        private long got;

        Echo(byte[] data, Semaphore slots, CountDownLatch done, AtomicReference<Throwable> failure) {
            super(data, data.length);
            this.length = data.length;
            this.slots = slots;
            this.done = done;
            this.failure = failure;
        }

        @Override
        public void onStdout(ByteBuffer buffer, boolean closed) {
            got += buffer.remaining();
            buffer.position(buffer.limit());
        }

        @Override
        public void onExit(int code) {
            if (code != 0 || got != length) {
                failure.compareAndSet(null, new IllegalStateException("cat exit " + code + ", echoed " + got));
            }
            slots.release();
            done.countDown();
        }
    }

    @Override
    public void fanout(int children, int concurrency, byte[] data) throws Exception {
        Semaphore slots = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(children);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        NuProcessBuilder b = new NuProcessBuilder(List.of("cat"));
        for (int i = 0; i < children; i++) {
            slots.acquire();
            b.setProcessListener(new Echo(data, slots, done, failure));
            if (b.start() == null) throw new IllegalStateException("NuProcess could not start cat");
        }
        Driver.await(done, "fan-out");
        if (failure.get() != null) throw new IllegalStateException(failure.get());
    }
}
