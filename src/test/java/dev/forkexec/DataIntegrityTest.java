package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Children ({@code writer_probe}) write random amounts, 0 B to 4 MiB, to fds 1, 2 and 3 in random
 * chunks and order, then exit at once; through one Reactor with 32 in flight, every byte arrives, in
 * order, on its fd - whether the parent reads at once, pauses now and then (so a child may exit
 * while its pipes are paused), or reads nothing until it has seen the exit. The expected bytes are
 * recomputed here from the seed, so the comparison is exact (a CRC32C per stream is printed too).
 * 100 children in {@code make test}, 1,000 under {@code -Dforkexec.stress=true}
 * ({@code -Dforkexec.integrityChildren=N}; {@code -Dforkexec.seed=N}).
 */
class DataIntegrityTest {
    private static final int MAX_SIZE = 4 << 20;
    private static final int FDS = 3;
    private static final int IN_FLIGHT = 32;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** splitmix64's finaliser, as in writer_probe.c. */
    static long mix(long x) {
        long z = x + GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** One expected stream: compares what arrives with what writer_probe must have written. */
    static final class Stream {
        final long key;
        final long size;
        long position;
        long mismatches;
        long firstMismatch = -1;
        final CRC32C crc = new CRC32C();
        private long wordIndex = -1;
        private long word;

        Stream(long seed, int fd, long size) {
            this.key = mix(seed ^ (fd * GOLDEN));
            this.size = size;
        }

        void accept(ByteBuffer data) {
            crc.update(data.duplicate());
            while (data.hasRemaining()) {
                byte got = data.get();
                long at = position++;
                if ((at >>> 3) != wordIndex) {
                    wordIndex = at >>> 3;
                    word = mix(key + wordIndex);
                }
                if (got != (byte) (word >>> (8 * (at & 7)))) {
                    if (firstMismatch < 0) firstMismatch = at;
                    mismatches++;
                }
            }
        }
    }

    /** How the parent reads a child. */
    enum Reading {
        /** As fast as the reactor can. */
        AT_ONCE,
        /** Paused now and then from a callback, resumed by another thread: the child may exit meanwhile. */
        WITH_RANDOM_PAUSES,
        /**
         * Paused from connectionMade until processExited: everything the child wrote (at most
         * {@link #SMALL_SIZE} per fd, so it fits the pipes) is still in its pipes when the exit is seen.
         */
        PAUSED_UNTIL_EXIT
    }

    /** Per fd for PAUSED_UNTIL_EXIT: a quarter of a 64 KiB pipe, whatever pages the chunks waste. */
    private static final int SMALL_SIZE = 16 << 10;

    /** One child's streams and how it ended; callbacks run on the reactor thread, read after onExit. */
    static final class Run implements ProcessProtocol {
        final long seed;
        final Reading reading;
        final Random pauses;
        final BlockingQueue<ProcessTransport> resumer;
        final Stream[] streams = new Stream[FDS + 1];
        final int[] lost = new int[FDS + 1];
        volatile ExitStatus ended;
        private ProcessTransport transport;
        private long readBeforeExit = -1;

        Run(long seed, long[] sizes, Reading reading, BlockingQueue<ProcessTransport> resumer) {
            this.seed = seed;
            this.reading = reading;
            this.pauses = new Random(seed);
            this.resumer = resumer;
            for (int fd = 1; fd <= FDS; fd++) streams[fd] = new Stream(seed, fd, sizes[fd - 1]);
        }

        @Override
        public void connectionMade(ProcessTransport t) {
            transport = t;
            if (reading == Reading.PAUSED_UNTIL_EXIT) t.pauseProducing();
        }

        @Override
        public void childDataReceived(int childFD, ByteBuffer data) {
            streams[childFD].accept(data);
            if (reading == Reading.WITH_RANDOM_PAUSES && pauses.nextInt(8) == 0) {
                transport.pauseProducing();
                resumer.add(transport);
            }
        }

        @Override
        public void processExited(ExitStatus status) {
            readBeforeExit = 0;
            for (int fd = 1; fd <= FDS; fd++) readBeforeExit += streams[fd].position;
            if (reading == Reading.PAUSED_UNTIL_EXIT) transport.resumeProducing();
        }

        @Override
        public void childConnectionLost(int childFD) {
            lost[childFD]++;
        }

        @Override
        public void processEnded(ExitStatus status) {
            ended = status;
        }

        String problems() {
            StringBuilder b = new StringBuilder();
            if (!ExitStatus.exited(0).equals(ended)) b.append(" ended with ").append(ended);
            for (int fd = 1; fd <= FDS; fd++) {
                Stream s = streams[fd];
                if (s.position != s.size) b.append(" fd ").append(fd).append(": ").append(s.position).append(" of ")
                        .append(s.size).append(" bytes");
                if (s.mismatches != 0) b.append(" fd ").append(fd).append(": ").append(s.mismatches)
                        .append(" wrong bytes, first at ").append(s.firstMismatch);
                if (lost[fd] != 1) b.append(" fd ").append(fd).append(": childConnectionLost x").append(lost[fd]);
            }
            if (reading == Reading.PAUSED_UNTIL_EXIT && readBeforeExit != 0) {
                b.append(" ").append(readBeforeExit).append(" bytes were read while reading was paused");
            }
            return b.length() == 0 ? null : "writer_probe " + Long.toUnsignedString(seed) + " "
                    + streams[1].size + " " + streams[2].size + " " + streams[3].size + " (" + reading + "):" + b;
        }
    }

    /** 0, a few KiB, log-uniform up to 4 MiB, uniform up to 4 MiB, or exactly 4 MiB. */
    static long randomSize(Random r) {
        switch (r.nextInt(6)) {
            case 0: return 0;
            case 1: return 1 + r.nextInt(4096);
            case 2:
            case 3: return (long) Math.exp(r.nextDouble() * Math.log(MAX_SIZE));
            case 4: return r.nextInt(MAX_SIZE + 1);
            default: return MAX_SIZE;
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void everyByteEachChildWritesToFdsOneTwoAndThreeArrivesInOrder() throws Exception {
        int children = Scale.of("integrityChildren", 100, 1_000);
        long seed = Scale.seed();
        System.out.println("DataIntegrityTest: " + children + " children, " + Scale.replay(seed));
        Path writer = Path.of(System.getProperty("forkexec.testbin"), "writer_probe");
        assertTrue(Files.isExecutable(writer), writer + " is missing: build.sh did not build it");
        Map<Integer, ChildFD> map = Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads(), 3, ChildFD.parentReads());

        Random r = new Random(seed);
        List<Run> runs = new ArrayList<>();
        List<CompletableFuture<ExitStatus>> exits = new ArrayList<>();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        long bytes = 0;
        // Resumes what WITH_RANDOM_PAUSES children paused, in its own time: no sleeps, just another thread.
        BlockingQueue<ProcessTransport> paused = new LinkedBlockingQueue<>();
        Thread resumer = new Thread(() -> {
            try {
                for (;;) paused.take().resumeProducing();
            } catch (InterruptedException done) {
                // the test is over
            }
        }, "integrity-resumer");
        resumer.setDaemon(true);
        resumer.start();
        Map<Reading, Integer> readings = new java.util.EnumMap<>(Reading.class);
        Reactor reactor = Reactor.create();
        try {
            for (int i = 0; i < children; i++) {
                long childSeed = mix(seed + i);
                int pick = r.nextInt(5); // 2:2:1
                Reading reading = pick < 2 ? Reading.AT_ONCE
                        : pick < 4 ? Reading.WITH_RANDOM_PAUSES : Reading.PAUSED_UNTIL_EXIT;
                readings.merge(reading, 1, Integer::sum);
                long[] sizes = new long[FDS];
                for (int f = 0; f < FDS; f++) {
                    sizes[f] = reading == Reading.PAUSED_UNTIL_EXIT ? r.nextInt(SMALL_SIZE + 1) : randomSize(r);
                }
                Run run = new Run(childSeed, sizes, reading, paused);
                runs.add(run);
                ProcessSpec spec = ProcessSpec.command(writer.toString(), Long.toUnsignedString(childSeed),
                        Long.toString(sizes[0]), Long.toString(sizes[1]), Long.toString(sizes[2])).childFDs(map).build();
                assertTrue(inFlight.tryAcquire(10, TimeUnit.MINUTES), "no child ended for 10 minutes");
                CompletableFuture<ExitStatus> exit = reactor.spawnProcess(run, spec).onExit();
                exit.whenComplete((s, e) -> inFlight.release());
                exits.add(exit);
            }
            for (CompletableFuture<ExitStatus> e : exits) e.get(10, TimeUnit.MINUTES);
        } finally {
            resumer.interrupt();
            ReactorTestSupport.closeWithin(reactor, 120);
        }
        List<String> problems = new ArrayList<>();
        long mismatches = 0;
        for (Run run : runs) {
            for (int fd = 1; fd <= FDS; fd++) {
                bytes += run.streams[fd].position;
                mismatches += run.streams[fd].mismatches;
            }
            String p = run.problems();
            if (p != null) problems.add(p);
        }
        Scale.report(children + " children x " + FDS + " fds, " + String.format("%.2f GB", bytes / 1e9) + " checked, "
                + mismatches + " mismatches, " + problems.size() + " children with a problem; reading " + readings
                + " (CRC32C of the last: "
                + Long.toHexString(runs.get(runs.size() - 1).streams[1].crc.getValue()) + "/"
                + Long.toHexString(runs.get(runs.size() - 1).streams[2].crc.getValue()) + "/"
                + Long.toHexString(runs.get(runs.size() - 1).streams[3].crc.getValue()) + ")");
        assertEquals(List.of(), problems, Scale.replay(seed));
    }
}
