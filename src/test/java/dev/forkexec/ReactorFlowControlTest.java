package dev.forkexec;

import static dev.forkexec.ReactorTestSupport.assertExited;
import static dev.forkexec.ReactorTestSupport.await;
import static dev.forkexec.ReactorTestSupport.awaitCondition;
import static dev.forkexec.testkit.ProcFs.blockedWritingPipe;
import static dev.forkexec.ReactorTestSupport.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.forkexec.testkit.ProcFs;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Pausing the reading side, producers on stdin, and large transfers. */
class ReactorFlowControlTest {
    @RegisterExtension
    final ReactorTestSupport rt = new ReactorTestSupport();

    /** Seeded pseudo-random bytes: the same run after run. */
    private static byte[] randomBytes(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    // ------------------------------------------------------------ pausing the reading side

    @Test
    void pausedReadingDeliversNothingUntilResumed() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        CompletableFuture<Long> pausedAt = new CompletableFuture<>();
        p.whenData((t, d) -> {
            if (!pausedAt.isDone()) {
                t.pauseProducing();
                pausedAt.complete(p.count(1));
            }
        });
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("head", "-c", "1000000", "/dev/zero").build());
        long atPause = await(pausedAt);
        // The child fills the pipe and blocks: nothing is read while we are paused.
        awaitCondition("child blocked writing its full stdout pipe", () -> blockedWritingPipe(c.pid()));
        assertEquals(atPause, p.count(1), "data arrived while paused");
        assertFalse(p.exited.isDone(), "the child cannot have exited with its output unread");
        c.resumeProducing();
        assertExited(0, p.awaitEnded());
        assertEquals(1_000_000, p.count(1));
        p.assertWellFormed();
    }

    @Test
    void pauseInConnectionMadeHoldsBackEveryByte() throws Exception {
        RecordingProtocol p = new RecordingProtocol().whenConnected((t, v) -> t.pauseProducing());
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("head", "-c", "300000", "/dev/zero").build());
        awaitCondition("child blocked writing its full stdout pipe", () -> blockedWritingPipe(c.pid()));
        assertEquals(0, p.count(1));
        assertFalse(p.exited.isDone());
        c.resumeProducing();
        assertExited(0, p.awaitEnded());
        assertEquals(300_000, p.count(1));
    }

    @Test
    void childExitingWhilePausedGetsProcessExitedButProcessEndedWaitsForResume() throws Exception {
        RecordingProtocol p = new RecordingProtocol().whenConnected((t, v) -> t.pauseProducing());
        ChildProcess c = rt.reactor().spawnProcess(p, sh("printf 0123456789; exit 4").build());
        assertExited(4, await(p.exited));
        assertEquals(0, p.count(1), "stdout is not read while paused");
        assertFalse(p.ended.isDone(), "stdout is still open: processEnded must wait");
        c.resumeProducing();
        assertExited(4, p.awaitEnded());
        assertEquals("0123456789", p.string(1));
        p.assertWellFormed();
    }

    // ------------------------------------------------------------ producers on stdin

    /** A streaming producer writing from its own thread until paused, as Twisted's FileSender does. */
    static final class StreamingProducer implements Producer {
        private final Object lock = new Object();
        private final byte[] data;
        private final int chunk;
        private ProcessTransport transport;
        private boolean paused;
        private boolean stopped;
        final AtomicInteger pauses = new AtomicInteger();
        final AtomicInteger resumes = new AtomicInteger();
        final AtomicInteger stops = new AtomicInteger();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        StreamingProducer(byte[] data, int chunk) {
            this.data = data;
            this.chunk = chunk;
        }

        @Override
        public void pauseProducing() {
            synchronized (lock) {
                paused = true;
                pauses.incrementAndGet();
            }
        }

        @Override
        public void resumeProducing() {
            synchronized (lock) {
                paused = false;
                resumes.incrementAndGet();
                lock.notifyAll();
            }
        }

        @Override
        public void stopProducing() {
            synchronized (lock) {
                stopped = true;
                stops.incrementAndGet();
                lock.notifyAll();
            }
        }

        void start(ProcessTransport t) {
            this.transport = t;
            Thread thread = new Thread(this::run, "streaming-producer");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try {
                for (int off = 0; off < data.length; off += chunk) {
                    synchronized (lock) {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ReactorTestSupport.TIMEOUT_SECONDS);
                        while (paused && !stopped) {
                            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                            if (left <= 0) throw new AssertionError("never resumed after a pause");
                            lock.wait(left);
                        }
                        if (stopped) throw new AssertionError("stopped while producing");
                    }
                    transport.write(ByteBuffer.wrap(data, off, Math.min(chunk, data.length - off)));
                }
                transport.unregisterProducer();
                transport.closeStdin();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }
    }

    @Test
    void streamingProducerFeeds16MiBThroughCatWithPauses() throws Exception {
        byte[] data = randomBytes(16, 16 << 20);
        StreamingProducer producer = new StreamingProducer(data, 50_000);
        RecordingProtocol p = new RecordingProtocol().discardData();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        c.registerProducer(producer, true);
        producer.start(c);
        await(producer.done);
        assertExited(0, p.awaitEnded());
        assertEquals(data.length, p.count(1));
        assertEquals(crc(data), p.crc(1), "CRC32 of what came back");
        assertTrue(producer.pauses.get() >= 1, "the producer was never paused");
        assertTrue(producer.resumes.get() >= 1, "the producer was never resumed");
        assertEquals(0, producer.stops.get(), "unregistered before the close: no stopProducing");
        p.assertWellFormed();
    }

    /**
     * pauseProducing runs in the writer's thread while the reactor keeps flushing. A pause that takes
     * its time (here: until the child has echoed everything written) must not be overtaken by the
     * resumeProducing of the drained queue, or the producer stays paused for ever.
     */
    @Test
    void resumeNeverOvertakesASlowPause() throws Exception {
        byte[] data = randomBytes(7, 1 << 20);
        // More than an empty pipe takes (64 KiB) plus the high-water mark: every write pauses, even
        // when the try-at-once write(2) finds the pipe empty.
        int chunk = 300_000;
        RecordingProtocol p = new RecordingProtocol().discardData();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        Object lock = new Object();
        boolean[] paused = {false};
        AtomicLong written = new AtomicLong();
        AtomicBoolean inPause = new AtomicBoolean();
        AtomicInteger overtaken = new AtomicInteger();
        AtomicInteger pauses = new AtomicInteger();
        c.registerProducer(new Producer() {
            @Override
            public void pauseProducing() {
                inPause.set(true);
                awaitCondition("the child echoed all that was written", () -> p.count(1) >= written.get());
                synchronized (lock) {
                    paused[0] = true;
                    pauses.incrementAndGet();
                }
                inPause.set(false);
            }

            @Override
            public void resumeProducing() {
                if (inPause.get()) overtaken.incrementAndGet();
                synchronized (lock) {
                    paused[0] = false;
                    lock.notifyAll();
                }
            }

            @Override
            public void stopProducing() {}
        }, true);
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            for (int off = 0; off < data.length; off += chunk) {
                synchronized (lock) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ReactorTestSupport.TIMEOUT_SECONDS);
                    while (paused[0]) {
                        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                        if (left <= 0) throw new AssertionError("paused for ever: the resume came before the pause");
                        try {
                            lock.wait(left);
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                }
                int n = Math.min(chunk, data.length - off);
                written.addAndGet(n);
                c.write(ByteBuffer.wrap(data, off, n));
            }
            c.unregisterProducer();
            c.closeStdin();
        });
        await(done);
        assertExited(0, p.awaitEnded());
        assertEquals(crc(data), p.crc(1));
        assertEquals(0, overtaken.get(), "resumeProducing ran while pauseProducing had not returned");
        assertTrue(pauses.get() >= 2, "pauses: " + pauses.get());
    }

    @Test
    void pullProducerFeedsFourMiBOneChunkPerResume() throws Exception {
        byte[] data = randomBytes(4, 4 << 20);
        int chunk = 100_000;
        int chunks = (data.length + chunk - 1) / chunk;
        RecordingProtocol p = new RecordingProtocol().discardData();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        AtomicInteger resumes = new AtomicInteger();
        AtomicInteger pauses = new AtomicInteger();
        AtomicInteger stops = new AtomicInteger();
        int[] sent = {0};
        Thread[] threads = new Thread[1];
        c.registerProducer(new Producer() {
            @Override
            public void pauseProducing() {
                pauses.incrementAndGet();
            }

            @Override
            public void resumeProducing() {
                resumes.incrementAndGet();
                threads[0] = Thread.currentThread();
                if (sent[0] >= data.length) {
                    fail("resumeProducing after the last chunk");
                }
                int n = Math.min(chunk, data.length - sent[0]);
                c.write(ByteBuffer.wrap(data, sent[0], n));
                sent[0] += n;
                if (sent[0] == data.length) {
                    c.unregisterProducer();
                    c.closeStdin();
                }
            }

            @Override
            public void stopProducing() {
                stops.incrementAndGet();
            }
        }, false);
        assertExited(0, p.awaitEnded());
        assertEquals(data.length, p.count(1));
        assertEquals(crc(data), p.crc(1));
        assertEquals(chunks, resumes.get(), "one resumeProducing per chunk");
        assertEquals(0, pauses.get(), "a pull producer is never paused");
        assertEquals(0, stops.get());
        assertSame(p.reactorThread(), threads[0], "resumeProducing runs on the reactor thread");
    }

    private static final class CountingProducer implements Producer {
        final AtomicInteger pauses = new AtomicInteger();
        final AtomicInteger resumes = new AtomicInteger();
        final AtomicInteger stops = new AtomicInteger();
        final CompletableFuture<Thread> stopped = new CompletableFuture<>();
        volatile Thread stopThread;

        @Override
        public void pauseProducing() {
            pauses.incrementAndGet();
        }

        @Override
        public void resumeProducing() {
            resumes.incrementAndGet();
        }

        @Override
        public void stopProducing() {
            stopThread = Thread.currentThread();
            stops.incrementAndGet();
            stopped.complete(Thread.currentThread());
        }
    }

    @Test
    void registerProducerWithoutStdinStopsItAtOnce() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, sh("exit 0").childFDs(Map.of(1, ChildFD.parentReads())).build());
        for (boolean streaming : new boolean[] {true, false}) {
            CountingProducer producer = new CountingProducer();
            c.registerProducer(producer, streaming);
            assertEquals(1, producer.stops.get(), "stopProducing at once (streaming=" + streaming + ")");
            assertSame(Thread.currentThread(), producer.stopThread);
            assertEquals(0, producer.resumes.get());
            assertEquals(0, producer.pauses.get());
        }
        assertExited(0, p.awaitEnded());
    }

    @Test
    void registerProducerAfterCloseStdinStopsItAtOnce() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        c.closeStdin();
        CountingProducer producer = new CountingProducer();
        c.registerProducer(producer, true);
        assertEquals(1, producer.stops.get());
        assertExited(0, p.awaitEnded());
        assertEquals(0, producer.resumes.get());
    }

    @Test
    void registeringASecondProducerIsIllegalState() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        c.registerProducer(new CountingProducer(), true);
        assertThrows(IllegalStateException.class, () -> c.registerProducer(new CountingProducer(), true));
        c.unregisterProducer();
        CountingProducer second = new CountingProducer();
        c.registerProducer(second, true);
        c.unregisterProducer();
        c.closeStdin();
        assertExited(0, p.awaitEnded());
        assertEquals(0, second.stops.get());
    }

    @Test
    void producerIsStoppedWhenTheChildClosesStdin() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p,
                sh("read x; exec 0<&-; read y <&3").childFD(3, ChildFD.parentWrites()).build());
        CountingProducer producer = new CountingProducer();
        c.registerProducer(producer, true);
        c.write(ByteBuffer.wrap("line\n".getBytes()));
        await(p.lost(0));
        assertSame(p.reactorThread(), await(producer.stopped), "stopProducing on the reactor thread");
        assertEquals(1, producer.stops.get(), "stopProducing once stdin is gone");
        c.closeChildFD(3);
        assertExited(1, p.awaitEnded()); // read y saw EOF
    }

    // ------------------------------------------------------------ large transfers

    @Test
    void sixtyFourMiBOfRandomBytesThroughStdoutKeepTheirCrc(@TempDir Path dir) throws Exception {
        int size = 64 << 20;
        Path file = dir.resolve("random.bin");
        CRC32 expected = new CRC32();
        Random random = new Random(64);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < size / block.length; i++) {
                random.nextBytes(block);
                expected.update(block);
                out.write(block);
            }
        }
        RecordingProtocol p = new RecordingProtocol().discardData();
        rt.reactor().spawnProcess(p, ProcessSpec.command("cat", file.toString()).build());
        assertExited(0, p.awaitEnded());
        assertEquals(size, p.count(1));
        assertEquals(expected.getValue(), p.crc(1), "CRC32 of 64 MiB through stdout");
        assertEquals(0, p.count(2));
        p.assertWellFormed();
    }
}
