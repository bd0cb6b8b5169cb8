package dev.forkexec.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * One implementation under test, driven the way its own documentation suggests. Every method
 * checks that the child did its work (exit 0, every byte moved), so a fast wrong answer never
 * counts. Timings are taken inside the driver, around exactly the work described.
 */
interface Driver extends AutoCloseable {
    /** Bytes per write/read call everywhere (the pipe's default capacity). */
    int CHUNK = 64 * 1024;

    /**
     * No single wait in a driver lasts longer than this: a library that loses an event fails its
     * row (with a TimeoutException) instead of hanging the whole run.
     */
    long TIMEOUT_SECONDS = 120;

    /** Waits for a future with {@link #TIMEOUT_SECONDS}. */
    static <T> T await(java.util.concurrent.Future<T> f, String what) throws Exception {
        try {
            return f.get(TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new java.util.concurrent.TimeoutException(what + " did not end within " + TIMEOUT_SECONDS + " s");
        }
    }

    /** Waits for a latch with {@link #TIMEOUT_SECONDS}. */
    static void await(java.util.concurrent.CountDownLatch l, String what) throws Exception {
        if (!l.await(TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new java.util.concurrent.TimeoutException(what + ": " + l.getCount() + " children had not ended after "
                    + TIMEOUT_SECONDS + " s");
        }
    }

    /**
     * Scenarios 1 and 2 as a timed batch: n spawns, or fewer (at least {@code min}) once
     * {@code budgetNanos} is spent; returns ns per spawn. By default a loop over
     * {@link #spawnTrue()}/{@link #spawnPipes()} on the calling thread.
     */
    default long spawnBatch(boolean pipes, int n, int min, long budgetNanos) throws Exception {
        long t0 = System.nanoTime();
        int i = 0;
        long elapsed;
        do {
            if (pipes) {
                spawnPipes();
            } else {
                spawnTrue();
            }
            i++;
            elapsed = System.nanoTime() - t0;
        } while (i < n && (i < min || elapsed < budgetNanos));
        return elapsed / i;
    }

    /** Scenario 1: spawn and reap {@code /bin/true} with stdio closed (or /dev/null); the caller times a batch. */
    void spawnTrue() throws Exception;

    /** Scenario 2: the same with three pipes, stdin closed, stdout and stderr read to EOF. */
    void spawnPipes() throws Exception;

    /**
     * Scenario 4: one child of {@code stamp}; returns the ns from the child's CLOCK_MONOTONIC stamp
     * (taken just before it exits) to the moment the API reports the end.
     */
    long exitLatency(String stamp) throws Exception;

    /** Scenario 5a: {@code head -c bytes /dev/zero}, the parent reads its stdout; ns from spawn to end. */
    long readFromChild(long bytes) throws Exception;

    /** Scenario 5b: the parent writes {@code bytes} to the stdin of {@code sink}; ns from spawn to end. */
    long writeToChild(long bytes, String sink) throws Exception;

    /**
     * Scenario 6: {@code children} runs of {@code cat}, each sent {@code data} on stdin and read back,
     * at most {@code concurrency} alive at once. Returns when every one has ended.
     */
    void fanout(int children, int concurrency, byte[] data) throws Exception;

    @Override
    default void close() {}

    /** The implementations a worker JVM knows, by id. */
    static Driver create(String id) {
        if (id.startsWith("fe-options:")) return new ForkexecOptionsDriver(id.substring("fe-options:".length()));
        switch (id) {
            case "fe-reactor": return new ForkexecReactorDriver();
            case "fe-reactor-chain": return new ForkexecChainDriver();
            case "fe-subprocess": return new ForkexecSubprocessDriver();
            case "pb": return new ProcessBuilderDriver();
            case "nuprocess": return new NuProcessDriver();
            case "fe-processes": return new ProcessApiDriver(true);
            case "pb-start": return new ProcessApiDriver(false);
            case "fe-command": return new ForkexecCommandDriver(false);
            case "fe-subprocess-cmdfds": return new ForkexecCommandDriver(true);
            default: throw new IllegalArgumentException("unknown implementation " + id);
        }
    }

    // ------------------------------------------------------------ shared checks

    static void check(boolean ok, String what) {
        if (!ok) throw new IllegalStateException(what);
    }

    static void checkExit(int code, String what) {
        if (code != 0) throw new IllegalStateException(what + " exited with " + code);
    }

    static void checkBytes(long got, long want, String what) {
        if (got != want) throw new IllegalStateException(what + " moved " + got + " bytes, expected " + want);
    }

    static long parseStamp(CharSequence text) {
        String s = text.toString().trim();
        if (s.isEmpty()) throw new IllegalStateException("the stamp child printed nothing");
        return Long.parseLong(s);
    }

    /** Reads a blocking stream to EOF; returns the byte count. */
    static long drain(InputStream in, byte[] buf) throws IOException {
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0;) total += n;
        return total;
    }

    /** Reads a blocking channel to EOF; returns the byte count. */
    static long drain(ReadableByteChannel in, ByteBuffer buf) throws IOException {
        long total = 0;
        for (;;) {
            buf.clear();
            int n = in.read(buf);
            if (n < 0) return total;
            total += n;
        }
    }

    static String ascii(ByteBuffer buf) {
        return StandardCharsets.US_ASCII.decode(buf).toString();
    }
}
