package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.TestSupport.ProbeFd;
import dev.forkexec.testkit.ProcFs;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 32 threads spawn at the same moment; each child ({@code fd_probe fds}) sees exactly the fds of its
 * own map - compared by st_dev/st_ino with this JVM's pipe ends - and never a sibling's pipe, also
 * while other threads open and close files, sockets and pipes. 5 rounds in {@code make test}, 100
 * under {@code -Dforkexec.stress=true} ({@code -Dforkexec.concurrentRounds=N}).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StressConcurrentSpawnsTest {
    private static final int THREADS = 32;
    private static final ChildFD R = ChildFD.parentReads();
    private static final ChildFD W = ChildFD.parentWrites();

    /** Maps of different shapes: the default, extra pipes both ways, and gaps with 0 and 2 closed. */
    private static final List<Map<Integer, ChildFD>> MAPS = List.of(
            Map.of(0, W, 1, R, 2, R),
            Map.of(0, W, 1, R, 2, R, 3, R, 4, W),
            Map.of(1, R, 7, W, 9, R),
            Map.of(1, R, 5, R, 6, W, 40, R));

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestSupport.tempDir("fxtest-concurrent-test");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestSupport.deleteTree(dir);
    }

    /** What one spawn of a round saw. */
    record Seen(int thread, Map<Integer, ChildFD> map, Map<Integer, long[]> ours, Map<Integer, ProbeFd> child) {}

    @Test
    void thirtyTwoSimultaneousChildrenEachSeeOnlyTheirOwnPipes() throws Exception {
        int rounds = Scale.of("concurrentRounds", 5, 100);
        for (int round = 0; round < rounds; round++) checkRound(round);
        Scale.report(rounds + " rounds x " + THREADS + " simultaneous spawns: each child saw exactly its own fds");
    }

    @Test
    void simultaneousChildrenSeeOnlyTheirOwnPipesWhileOtherThreadsChurnFilesSocketsAndPipes() throws Exception {
        int rounds = Scale.of("concurrentRounds", 5, 100);
        Path file = Files.writeString(dir.resolve("churn"), "churn");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong opened = new AtomicLong();
        List<Throwable> churnFailures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> churners = new ArrayList<>();
        churners.add(churner("churn-files", stop, churnFailures, () -> {
            try (FileChannel a = FileChannel.open(file); FileChannel b = FileChannel.open(file, StandardOpenOption.READ)) {
                opened.addAndGet(2);
            }
        }));
        churners.add(churner("churn-sockets", stop, churnFailures, () -> {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                        SocketChannel accepted = server.accept()) {
                    client.write(ByteBuffer.wrap(new byte[] {1}));
                    opened.addAndGet(3);
                }
            }
        }));
        churners.add(churner("churn-pipes", stop, churnFailures, () -> {
            Pipe p = Pipe.open();
            p.sink().close();
            p.source().close();
            opened.addAndGet(2);
        }));
        for (Thread t : churners) t.start();
        try {
            for (int round = 0; round < rounds; round++) checkRound(round);
        } finally {
            stop.set(true);
            for (Thread t : churners) t.join();
        }
        assertEquals(List.of(), churnFailures, "the churn threads failed");
        assertTrue(opened.get() > 0, "the churn threads never opened anything");
        Scale.report(rounds + " rounds x " + THREADS + " simultaneous spawns while " + opened.get()
                + " files/sockets/pipes were opened and closed: each child saw exactly its own fds");
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Thread churner(String name, AtomicBoolean stop, List<Throwable> failures, Body body) {
        Thread t = new Thread(() -> {
            try {
                while (!stop.get()) body.run();
            } catch (Throwable e) {
                failures.add(e);
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    /** One round: 32 threads released together, then every child checked against all 32. */
    private static void checkRound(int round) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            threads.add(new Thread(() -> {
                try {
                    Map<Integer, ChildFD> map = MAPS.get(id % MAPS.size());
                    int out = map.keySet().stream().filter(fd -> map.get(fd).kind() == ChildFD.Kind.PARENT_READS)
                            .findFirst().orElseThrow();
                    ProcessSpec spec = TestSupport.probe("--out=" + out, "fds").childFDs(map).build();
                    start.await(60, TimeUnit.SECONDS);
                    try (Subprocess p = Subprocess.start(spec)) {
                        Map<Integer, long[]> ours = new HashMap<>();
                        for (int fd : p.channels().keySet()) ours.put(fd, ProcFs.devIno(p.fd(fd)));
                        for (Map.Entry<Integer, ChildFD> e : map.entrySet()) {
                            if (e.getValue().kind() == ChildFD.Kind.PARENT_WRITES) p.channel(e.getKey()).close();
                        }
                        String report = TestSupport.readString(p.channel(out)); // small: fits the pipe
                        for (int fd : p.channels().keySet()) {
                            if (fd != out && map.get(fd).kind() == ChildFD.Kind.PARENT_READS) {
                                assertEquals(0, TestSupport.readAll(p.channel(fd)).length, "child fd " + fd);
                            }
                        }
                        assertEquals(ExitStatus.exited(0), p.waitFor(), report);
                        seen.add(new Seen(id, map, ours, TestSupport.parseFds(report)));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "spawner-" + t));
            threads.get(t).setDaemon(true); // a hung child must not keep the JVM alive after the timeout
        }
        for (Thread t : threads) t.start();
        for (Thread t : threads) t.join();
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("round " + round + ": " + failures.size() + " spawner(s) failed",
                    failures.get(0));
            failures.forEach(e::addSuppressed);
            throw e;
        }
        assertEquals(THREADS, seen.size());
        for (Seen s : seen) {
            assertEquals(s.map().keySet(), s.child().keySet(), "round " + round + ", thread " + s.thread()
                    + ": the child's fds are not its map");
            Set<String> own = new HashSet<>();
            for (Map.Entry<Integer, long[]> e : s.ours().entrySet()) {
                ProbeFd c = s.child().get(e.getKey());
                String what = "round " + round + ", thread " + s.thread() + ", child fd " + e.getKey();
                assertEquals(e.getValue()[0], c.dev(), what + ": st_dev");
                assertEquals(e.getValue()[1], c.ino(), what + ": st_ino");
                assertFalse(c.cloexec(), what + ": close-on-exec");
                own.add(c.dev() + ":" + c.ino());
            }
            for (Seen other : seen) {
                if (other == s) continue;
                for (long[] theirs : other.ours().values()) {
                    assertFalse(own.contains(theirs[0] + ":" + theirs[1]), "round " + round + ": thread " + s.thread()
                            + "'s child holds a pipe of thread " + other.thread());
                }
            }
        }
    }
}
