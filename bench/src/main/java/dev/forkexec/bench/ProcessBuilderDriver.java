package dev.forkexec.bench;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link ProcessBuilder} as the JDK documents it: blocking streams, waitFor(). The launch mechanism
 * is the JVM's ({@code -Djdk.lang.Process.launchMechanism}), so the VFORK row is this driver in a
 * JVM started with that flag.
 */
final class ProcessBuilderDriver implements Driver {
    private static final Redirect DEV_NULL = Redirect.from(new File("/dev/null"));
    private final byte[] buf = new byte[CHUNK];

    private final ProcessBuilder trueNull = new ProcessBuilder("/bin/true").redirectInput(DEV_NULL)
            .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD);
    private final ProcessBuilder truePipes = new ProcessBuilder("/bin/true");

    @Override
    public void spawnTrue() throws Exception {
        Driver.checkExit(trueNull.start().waitFor(), "/bin/true");
    }

    @Override
    public void spawnPipes() throws Exception {
        Process p = truePipes.start();
        p.getOutputStream().close();
        try (InputStream out = p.getInputStream(); InputStream err = p.getErrorStream()) {
            Driver.drain(out, buf);
            Driver.drain(err, buf);
        }
        Driver.checkExit(p.waitFor(), "/bin/true");
    }

    @Override
    public long exitLatency(String stamp) throws Exception {
        Process p = new ProcessBuilder(stamp).redirectInput(DEV_NULL).redirectError(Redirect.DISCARD).start();
        String text;
        try (InputStream in = p.getInputStream()) {
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
        int code = p.waitFor();
        long ended = System.nanoTime();
        Driver.checkExit(code, "stamp");
        return ended - Driver.parseStamp(text);
    }

    @Override
    public long readFromChild(long bytes) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("head", "-c", Long.toString(bytes), "/dev/zero")
                .redirectInput(DEV_NULL).redirectError(Redirect.DISCARD);
        long t0 = System.nanoTime();
        Process p = pb.start();
        long got;
        try (InputStream in = p.getInputStream()) {
            got = Driver.drain(in, buf);
        }
        int code = p.waitFor();
        long t = System.nanoTime() - t0;
        Driver.checkExit(code, "head");
        Driver.checkBytes(got, bytes, "head -c");
        return t;
    }

    @Override
    public long writeToChild(long bytes, String sink) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(sink).redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD);
        byte[] zeros = new byte[CHUNK];
        long t0 = System.nanoTime();
        Process p = pb.start();
        try (OutputStream out = p.getOutputStream()) {
            for (long left = bytes; left > 0;) {
                int n = (int) Math.min(left, CHUNK);
                out.write(zeros, 0, n);
                left -= n;
            }
        }
        int code = p.waitFor();
        long t = System.nanoTime() - t0;
        Driver.checkExit(code, "sink");
        return t;
    }

    /** The JDK way: a writer thread and a reader thread per child (stdin and stdout block). */
    @Override
    public void fanout(int children, int concurrency, byte[] data) throws Exception {
        AtomicInteger names = new AtomicInteger();
        ThreadFactory named = r -> {
            Thread t = new Thread(r, "pb-io-" + names.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ExecutorService io = Executors.newCachedThreadPool(named);
        Semaphore slots = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(children);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        ProcessBuilder pb = new ProcessBuilder("cat");
        try {
            for (int i = 0; i < children; i++) {
                slots.acquire();
                Process p = pb.start();
                io.execute(() -> {
                    try (OutputStream out = p.getOutputStream()) {
                        for (int off = 0; off < data.length; off += CHUNK) {
                            out.write(data, off, Math.min(CHUNK, data.length - off));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                io.execute(() -> {
                    try {
                        long got;
                        try (InputStream in = p.getInputStream()) {
                            got = Driver.drain(in, new byte[CHUNK]);
                        }
                        int code = p.waitFor();
                        if (code != 0 || got != data.length) {
                            failure.compareAndSet(null, new IllegalStateException("cat exit " + code + ", echoed " + got));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        slots.release();
                        done.countDown();
                    }
                });
            }
            Driver.await(done, "fan-out");
        } finally {
            io.shutdown();
            io.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (failure.get() != null) throw new IllegalStateException(failure.get());
    }
}
