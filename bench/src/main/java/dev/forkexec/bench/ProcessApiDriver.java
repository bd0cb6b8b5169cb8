package dev.forkexec.bench;

import dev.forkexec.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A plain {@code java.lang.Process} used as the JDK documents it, started either by
 * {@code pb.start()} ("pb-start") or by forkexec's drop-in {@code Processes.start(pb)}
 * ("fe-processes"): the same user code, only the starter differs. Spawns use the builder's
 * defaults (three pipes), as a user who writes {@code new ProcessBuilder("/bin/true").start()} gets.
 */
final class ProcessApiDriver implements Driver {
    private final boolean forkexec;
    private final byte[] buf = new byte[CHUNK];

    ProcessApiDriver(boolean forkexec) {
        this.forkexec = forkexec;
    }

    private Process start(ProcessBuilder pb) throws IOException {
        return forkexec ? Processes.start(pb) : pb.start();
    }

    /** Scenario 7: start + waitFor, nothing read (both the JDK and forkexec close the pipes at exit). */
    @Override
    public void spawnTrue() throws Exception {
        Driver.checkExit(start(new ProcessBuilder("/bin/true")).waitFor(), "/bin/true");
    }

    @Override
    public void spawnPipes() throws Exception {
        Process p = start(new ProcessBuilder("/bin/true"));
        p.getOutputStream().close();
        try (InputStream out = p.getInputStream(); InputStream err = p.getErrorStream()) {
            Driver.drain(out, buf);
            Driver.drain(err, buf);
        }
        Driver.checkExit(p.waitFor(), "/bin/true");
    }

    @Override
    public long exitLatency(String stamp) throws Exception {
        Process p = start(new ProcessBuilder(stamp).redirectError(ProcessBuilder.Redirect.DISCARD));
        p.getOutputStream().close();
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
        long t0 = System.nanoTime();
        Process p = start(new ProcessBuilder("head", "-c", Long.toString(bytes), "/dev/zero"));
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
        byte[] zeros = new byte[CHUNK];
        long t0 = System.nanoTime();
        Process p = start(new ProcessBuilder(sink).redirectOutput(ProcessBuilder.Redirect.DISCARD));
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

    /**
     * Scenario 9's comparison: what a {@code java.lang.Process} user writes for "run cat on this input
     * and give me its output", many at once: a cached pool, per child a writer thread (stdin blocks)
     * and a reader thread that collects stdout with {@code readAllBytes()}, then {@code waitFor()}.
     */
    @Override
    public void fanout(int children, int concurrency, byte[] data) throws Exception {
        AtomicInteger names = new AtomicInteger();
        ExecutorService io = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "pb-io-" + names.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Semaphore slots = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(children);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            for (int i = 0; i < children; i++) {
                slots.acquire();
                Process p = start(new ProcessBuilder("cat"));
                io.execute(() -> {
                    try (OutputStream out = p.getOutputStream()) {
                        out.write(data);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                io.execute(() -> {
                    try {
                        byte[] echoed;
                        try (InputStream in = p.getInputStream()) {
                            echoed = in.readAllBytes();
                        }
                        int code = p.waitFor();
                        if (code != 0 || !Arrays.equals(echoed, data)) {
                            failure.compareAndSet(null, new IllegalStateException("cat exit " + code + ", echoed "
                                    + echoed.length + " bytes"));
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
