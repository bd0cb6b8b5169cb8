package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.ProcFs;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of spawns from 8 threads, mixing every way a child can start, run and end, leave this
 * JVM with the fds, threads and zombies it had before, and every echo comes back byte for byte.
 * 2,000 spawns in {@code make test}, 20,000 under {@code -Dforkexec.stress=true}
 * ({@code -Dforkexec.leakSpawns=N} to choose).
 */
class StressLeaksTest {
    private static final int THREADS = 8;
    private static final int SIGKILL = 9;
    private static final int SIGPIPE = 13;
    private static final long WAIT_SECONDS = 120;
    private static final String MISSING = "/no/such/forkexec-program";

    /** The kinds of spawn the load mixes. */
    enum Op {
        TRUE_NO_FDS, TRUE_DEFAULT_MAP, ECHO_REACTOR, ECHO_SUBPROCESS, EXEC_FAILURE_REACTOR, EXEC_FAILURE_SUBPROCESS,
        SIGKILL_MID_RUN_REACTOR, SIGKILL_MID_RUN_SUBPROCESS, CLOSE_STDOUT_EARLY_REACTOR, CLOSE_STDOUT_EARLY_SUBPROCESS,
        PAUSED_AND_RESUMED, SHORT_LIVED_REACTOR
    }

    private static final ProcessSpec TRUE_NO_FDS = ProcessSpec.command("true").childFDs(Map.of()).build();
    private static final ProcessSpec TRUE_DEFAULT = ProcessSpec.command("true").build();
    private static final ProcessSpec CAT = ProcessSpec.command("cat").build();
    private static final ProcessSpec CAT_NO_STDERR = ProcessSpec.command("cat")
            .childFDs(Map.of(0, ChildFD.parentWrites(), 1, ChildFD.parentReads())).build();
    private static final ProcessSpec MISSING_PROGRAM = ProcessSpec.command(MISSING)
            .childFD(3, ChildFD.parentReads()).childFD(4, ChildFD.parentWrites()).build();
    private static final ProcessSpec YES = ProcessSpec.command("yes", "forkexec").build();

    /** Everything this JVM has that a leak would grow. */
    record Snapshot(Map<Integer, String> fds, Set<Thread> threads, Set<Long> zombies) {
        /**
         * Leaves out the cgroup files the JVM's container support opens for a moment from its own
         * threads (it re-reads the memory limit at any time): they are not ours and come and go.
         */
        static Snapshot take() throws Exception {
            Map<Integer, String> fds = ProcFs.openFds();
            fds.values().removeIf(target -> target.startsWith("/sys/fs/cgroup/"));
            return new Snapshot(fds, new HashSet<>(Thread.getAllStackTraces().keySet()), ProcFs.zombieChildren());
        }

        long forkexecThreads() {
            return threads.stream().filter(t -> t.getName().startsWith("forkexec-")).count();
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void mixedSpawnsFromEightThreadsLeaveFdsThreadsAndZombiesWhereTheyStartedAndEchoExactly() throws Exception {
        int spawns = Scale.of("leakSpawns", 2_000, 20_000);
        long seed = Scale.seed();
        System.out.println("StressLeaksTest: " + spawns + " spawns, " + Scale.replay(seed));

        // Warm up every path (class loading, JIT, lazily opened JDK fds) before the baseline.
        Reactor warm = Reactor.create();
        Random warmUp = new Random(seed);
        for (Op op : Op.values()) run(op, warm, warmUp);
        ReactorTestSupport.closeWithin(warm, 120);
        Snapshot before = Snapshot.take();
        String mechanism = Subprocess.spawnMechanism();
        long childrenBefore = Subprocess.spawnCount(mechanism);

        Map<Op, AtomicLong> counts = new EnumMap<>(Op.class);
        for (Op op : Op.values()) counts.put(op, new AtomicLong());
        AtomicLong echoed = new AtomicLong();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        Reactor shared = Reactor.create();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            int mine = spawns / THREADS + (t < spawns % THREADS ? 1 : 0);
            workers.add(new Thread(() -> {
                Random r = new Random(seed + id);
                Op[] ops = Op.values();
                for (int i = 0; i < mine && failures.isEmpty(); i++) {
                    Op op = ops[r.nextInt(ops.length)];
                    try {
                        echoed.addAndGet(run(op, shared, r));
                        counts.get(op).incrementAndGet();
                    } catch (Throwable e) {
                        failures.add(new AssertionError("worker " + id + ", spawn " + i + " (" + op + "), "
                                + Scale.replay(seed), e));
                    }
                }
            }, "leak-load-" + t));
            workers.get(t).setDaemon(true); // a hung child must not keep the JVM alive after the timeout
        }
        for (Thread w : workers) w.start();
        for (Thread w : workers) w.join();
        ReactorTestSupport.closeWithin(shared, 120);
        long children = Subprocess.spawnCount(mechanism) - childrenBefore;
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(failures.size() + " spawn(s) failed; first: " + failures.get(0));
            failures.forEach(e::addSuppressed);
            throw e;
        }

        Snapshot after = Snapshot.take();
        long done = counts.values().stream().mapToLong(AtomicLong::get).sum();
        Scale.report(done + " spawns from " + THREADS + " threads (" + children + " children, exec failures"
                + " and short-lived reactors included): fds " + before.fds().size() + " -> "
                + after.fds().size() + ", threads " + before.threads().size() + " -> " + after.threads().size()
                + " (forkexec-* " + before.forkexecThreads() + " -> " + after.forkexecThreads() + "), zombies "
                + after.zombies().size() + "; " + echoed.get() + " bytes echoed exactly; mix " + counts);

        assertEquals(spawns, done);
        assertEquals(before.fds(), after.fds(), "fds opened or closed by the load (fd -> target)");
        Set<Thread> newThreads = new HashSet<>(after.threads());
        newThreads.removeAll(before.threads());
        assertEquals(Set.of(), newThreads, "threads left running by the load");
        assertEquals(before.zombies(), after.zombies(), "zombies left by the load");
    }

    /** Runs one spawn of the given kind to its end; returns the bytes echoed exactly. */
    private static long run(Op op, Reactor reactor, Random r) throws Exception {
        switch (op) {
            case TRUE_NO_FDS:
                try (Subprocess p = Subprocess.start(TRUE_NO_FDS)) {
                    assertEquals(ExitStatus.exited(0), p.waitFor());
                }
                return 0;
            case TRUE_DEFAULT_MAP:
                try (Subprocess p = Subprocess.start(TRUE_DEFAULT)) {
                    assertEquals(-1, p.channel(1).read(ByteBuffer.allocate(1)));
                    assertEquals(ExitStatus.exited(0), p.waitFor());
                }
                return 0;
            case ECHO_REACTOR:
                return echoThroughReactor(reactor, payload(r), false);
            case ECHO_SUBPROCESS:
                return echoThroughSubprocess(payload(r));
            case EXEC_FAILURE_REACTOR: {
                SpawnException e = assertThrows(SpawnException.class,
                        () -> reactor.spawnProcess(new ProcessProtocol() {}, MISSING_PROGRAM));
                assertEquals("exec", e.step());
                return 0;
            }
            case EXEC_FAILURE_SUBPROCESS: {
                SpawnException e = assertThrows(SpawnException.class, () -> Subprocess.start(MISSING_PROGRAM).close());
                assertEquals("exec", e.step());
                return 0;
            }
            case SIGKILL_MID_RUN_REACTOR: {
                ChildProcess c = reactor.spawnProcess(new ProcessProtocol() {}, CAT);
                c.signalProcess("KILL");
                assertEquals(ExitStatus.killed(SIGKILL, false), c.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS));
                return 0;
            }
            case SIGKILL_MID_RUN_SUBPROCESS:
                try (Subprocess p = Subprocess.start(CAT_NO_STDERR)) {
                    p.signal(SIGKILL);
                    assertEquals(ExitStatus.killed(SIGKILL, false), p.waitFor());
                }
                return 0;
            case CLOSE_STDOUT_EARLY_REACTOR: {
                ChildProcess c = reactor.spawnProcess(new ProcessProtocol() {
                    private ProcessTransport t;

                    @Override
                    public void connectionMade(ProcessTransport transport) {
                        t = transport;
                        t.closeStdin();
                    }

                    @Override
                    public void outReceived(ByteBuffer data) {
                        t.closeStdout(); // yes then dies of SIGPIPE at its next write
                    }
                }, YES);
                assertEquals(ExitStatus.killed(SIGPIPE, false), c.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS));
                return 0;
            }
            case CLOSE_STDOUT_EARLY_SUBPROCESS:
                try (Subprocess p = Subprocess.start(YES)) {
                    assertTrue(p.channel(1).read(ByteBuffer.allocate(16)) > 0);
                    p.channel(1).close();
                    assertEquals(ExitStatus.killed(SIGPIPE, false), p.waitFor());
                }
                return 0;
            case PAUSED_AND_RESUMED:
                return echoThroughReactor(reactor, payload(r), true);
            case SHORT_LIVED_REACTOR: {
                // A reactor of its own, closed with a child still running: close() kills, reaps and ends it.
                long n;
                ChildProcess blocked;
                try (Reactor own = Reactor.create()) {
                    n = echoThroughReactor(own, payload(r), false);
                    blocked = own.spawnProcess(new ProcessProtocol() {}, CAT);
                }
                assertTrue(blocked.onExit().isDone(), "close() returns after processEnded");
                assertEquals(ExitStatus.killed(SIGKILL, false), blocked.onExit().get());
                return n;
            }
            default:
                throw new AssertionError(op);
        }
    }

    /** Mostly small, sometimes several pipe buffers, sometimes empty. */
    private static byte[] payload(Random r) {
        int size;
        switch (r.nextInt(8)) {
            case 0: size = 0; break;
            case 1: size = 200_000 + r.nextInt(300_000); break;
            default: size = r.nextInt(8192); break;
        }
        byte[] b = new byte[size];
        r.nextBytes(b);
        return b;
    }

    /**
     * {@code cat} through the reactor: write the payload in up to three pieces, close stdin, collect
     * stdout. With {@code paused}, reading is paused before the reactor first polls the pipes; no
     * byte can arrive until this thread resumes it.
     */
    private static long echoThroughReactor(Reactor reactor, byte[] payload, boolean paused) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AtomicReference<String> wrong = new AtomicReference<>();
        ChildProcess c = reactor.spawnProcess(new ProcessProtocol() {
            @Override
            public void connectionMade(ProcessTransport t) {
                if (paused) t.pauseProducing();
                int third = payload.length / 3;
                t.write(ByteBuffer.wrap(payload, 0, third));
                t.writeSequence(List.of(ByteBuffer.wrap(payload, third, third),
                        ByteBuffer.wrap(payload, 2 * third, payload.length - 2 * third)));
                t.closeStdin();
            }

            @Override
            public void outReceived(ByteBuffer data) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                synchronized (out) {
                    out.write(b, 0, b.length);
                }
            }

            @Override
            public void errReceived(ByteBuffer data) {
                wrong.set("stderr: " + java.nio.charset.StandardCharsets.UTF_8.decode(data));
            }
        }, CAT);
        if (paused) {
            synchronized (out) {
                assertEquals(0, out.size(), "bytes arrived while reading was paused");
            }
            c.resumeProducing();
        }
        assertEquals(ExitStatus.exited(0), c.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS), wrong::get);
        synchronized (out) {
            assertArrayEquals(payload, out.toByteArray(), "echo of " + payload.length + " bytes through cat");
        }
        return payload.length;
    }

    /** {@code cat} through Subprocess: one thread writes stdin while this one reads stdout. */
    private static long echoThroughSubprocess(byte[] payload) throws Exception {
        try (Subprocess p = Subprocess.start(CAT_NO_STDERR)) {
            CompletableFuture<Void> writer = new CompletableFuture<>();
            Thread w = new Thread(() -> {
                try (var in = p.channel(0)) {
                    ByteBuffer b = ByteBuffer.wrap(payload);
                    while (b.hasRemaining()) in.write(b);
                    writer.complete(null);
                } catch (Throwable e) {
                    writer.completeExceptionally(e);
                }
            }, "leak-load-stdin");
            w.setDaemon(true);
            w.start();
            byte[] got = TestSupport.readAll(p.channel(1));
            w.join();
            writer.get();
            assertEquals(ExitStatus.exited(0), p.waitFor());
            assertArrayEquals(payload, got, "echo of " + payload.length + " bytes through cat");
        }
        return payload.length;
    }
}
