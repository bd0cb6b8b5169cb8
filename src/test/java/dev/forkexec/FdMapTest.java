package dev.forkexec;

import static dev.forkexec.TestSupport.assertSameFile;
import static dev.forkexec.TestSupport.fdOf;
import static dev.forkexec.testkit.ProcFs.isCloexec;
import static dev.forkexec.TestSupport.output;
import static dev.forkexec.TestSupport.parseFds;
import static dev.forkexec.TestSupport.parseModes;
import static dev.forkexec.TestSupport.probe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.TestSupport.ProbeFd;
import dev.forkexec.testkit.ProcFs;
import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The child's fd table is exactly the map: Twisted's and the shell's examples, swaps, identities,
 * closed standard fds, and no stray parent fd (not even one another thread opens meanwhile).
 */
@Timeout(60)
class FdMapTest {
    private static final ChildFD R = ChildFD.parentReads();
    private static final ChildFD W = ChildFD.parentWrites();

    private Path dir;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dir = TestSupport.tempDir("fxtest-fdmap-test");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLater) c.close();
        TestSupport.deleteTree(dir);
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    /** A pipe pair held open by this JVM: fds of a reaped {@code true}'s pipes (close-on-exec, like all of ours). */
    private Subprocess holder(int... childFds) throws Exception {
        Map<Integer, ChildFD> m = new java.util.HashMap<>();
        for (int fd : childFds) m.put(fd, R);
        return later(TestSupport.pipes(m));
    }

    /** st_dev/st_ino of our end of each pipe, taken before {@link TestSupport#finish} closes the writers. */
    private static Map<Integer, long[]> parentEnds(Subprocess p) throws Exception {
        Map<Integer, long[]> out = new java.util.HashMap<>();
        for (int childFd : p.channels().keySet()) out.put(childFd, ProcFs.devIno(p.fd(childFd)));
        return out;
    }

    private static void assertSame(long[] ours, ProbeFd child, String what) {
        assertEquals(ours[0], child.dev(), what + ": st_dev of child fd " + child.fd());
        assertEquals(ours[1], child.ino(), what + ": st_ino of child fd " + child.fd());
    }

    @Test
    void defaultMapGivesTheChildThreePipesInTheRightDirections() throws Exception {
        try (Subprocess p = Subprocess.start(probe("fds").build())) {
            Map<Integer, long[]> ours = parentEnds(p);
            Map<Integer, ProbeFd> fds = parseFds(TestSupport.finish(p).out());
            assertEquals(Set.of(0, 1, 2), fds.keySet());
            for (int fd = 0; fd <= 2; fd++) {
                assertSame(ours.get(fd), fds.get(fd), "default map");
                assertFalse(fds.get(fd).cloexec(), "child fd " + fd + " must survive exec");
                assertTrue(fds.get(fd).target().startsWith("pipe:"));
            }
        }
        assertEquals(Map.of(0, "r", 1, "w", 2, "w"), parseModes(output(probe("modes").build())));
    }

    @Test
    void seedsTwoToOneExampleMakesFd2ACopyOfFd1() throws Exception {
        // 'command 2>&1' is {0:0, 1:1, 2:1}; the probe reports on fd 3 so the JVM's own fd 1 stays clean.
        ProcessSpec spec = probe("--out=3", "fds").childFDs(Map.of(0, ChildFD.inherit(0), 1, ChildFD.inherit(1),
                2, ChildFD.inherit(1), 3, R)).build();
        Map<Integer, ProbeFd> fds = parseFds(TestSupport.run(spec).fd(3));
        assertEquals(Set.of(0, 1, 2, 3), fds.keySet());
        assertSameFile(0, fds.get(0), "0:0");
        assertSameFile(1, fds.get(1), "1:1");
        assertSameFile(1, fds.get(2), "2:1");
    }

    @Test
    void twoToOneWithAFileSendsBothStreamsIntoIt() throws Exception {
        Path file = dir.resolve("both.txt");
        try (FileOutputStream f = new FileOutputStream(file.toFile())) {
            int fd = fdOf(file);
            ProcessSpec spec = ProcessSpec.command("sh", "-c", "echo out; echo err >&2")
                    .childFDs(Map.of(1, ChildFD.inherit(fd), 2, ChildFD.inherit(fd))).build();
            assertEquals(ExitStatus.exited(0), TestSupport.run(spec).status());
        }
        assertEquals("out\nerr\n", Files.readString(file), "both streams share one file offset");
    }

    @Test
    void twoToOneWithAFilePointsBothChildFdsAtTheSameInode() throws Exception {
        Path file = dir.resolve("fds.txt");
        try (FileOutputStream f = new FileOutputStream(file.toFile())) {
            int fd = fdOf(file);
            ProcessSpec spec = probe("fds").childFDs(Map.of(1, ChildFD.inherit(fd), 2, ChildFD.inherit(fd))).build();
            assertEquals(ExitStatus.exited(0), TestSupport.run(spec).status());
        }
        Map<Integer, ProbeFd> fds = parseFds(Files.readString(file));
        assertEquals(Set.of(1, 2), fds.keySet());
        long ino = (Long) Files.getAttribute(file, "unix:ino");
        long dev = (Long) Files.getAttribute(file, "unix:dev");
        for (int fd = 1; fd <= 2; fd++) {
            assertEquals(ino, fds.get(fd).ino(), "child fd " + fd);
            assertEquals(dev, fds.get(fd).dev(), "child fd " + fd);
            assertEquals(file.toRealPath().toString(), fds.get(fd).target());
        }
    }

    @Test
    void redirectToFileExampleWritesTheChildsStdoutIntoTheFile() throws Exception {
        // 'command >foo.txt' is {0:0, 1:os.open('foo.txt'), 2:2}.
        Path file = dir.resolve("foo.txt");
        try (FileOutputStream f = new FileOutputStream(file.toFile())) {
            int fd = fdOf(file);
            ProcessSpec spec = probe("fds").childFDs(Map.of(0, ChildFD.inherit(0), 1, ChildFD.inherit(fd),
                    2, ChildFD.inherit(2))).build();
            assertEquals(ExitStatus.exited(0), TestSupport.run(spec).status());
        }
        Map<Integer, ProbeFd> fds = parseFds(Files.readString(file));
        assertEquals(Set.of(0, 1, 2), fds.keySet());
        assertEquals(file.toRealPath().toString(), fds.get(1).target());
        assertEquals((Long) Files.getAttribute(file, "unix:ino"), fds.get(1).ino());
        assertSameFile(0, fds.get(0), "0:0");
        assertSameFile(2, fds.get(2), "2:2");
    }

    @Test
    void twistedsSixEntryMapSetsUpEachFd() throws Exception {
        // Twisted's docs: {0:'w', 1:'r', 2:2, 3:'w', 4:'r', 5:'w'}.
        ProcessSpec.Builder b = probe("fds").childFDs(Map.of(0, W, 1, R, 2, ChildFD.inherit(2), 3, W, 4, R, 5, W));
        try (Subprocess p = Subprocess.start(b.build())) {
            Map<Integer, long[]> ours = parentEnds(p);
            Map<Integer, ProbeFd> fds = parseFds(TestSupport.finish(p).out());
            assertEquals(Set.of(0, 1, 2, 3, 4, 5), fds.keySet());
            for (int fd : new int[] {0, 1, 3, 4, 5}) assertSame(ours.get(fd), fds.get(fd), "pipe " + fd);
            assertSameFile(2, fds.get(2), "2:2");
            assertEquals(Set.of(0, 1, 3, 4, 5), p.channels().keySet());
            for (ProbeFd f : fds.values()) assertFalse(f.cloexec(), "child fd " + f.fd() + " close-on-exec");
        }
        Map<Integer, String> modes = parseModes(output(probe("modes").childFDs(
                Map.of(0, W, 1, R, 2, ChildFD.inherit(2), 3, W, 4, R, 5, W)).build()));
        assertEquals("r", modes.get(0));
        assertEquals("w", modes.get(1));
        assertEquals("r", modes.get(3));
        assertEquals("w", modes.get(4));
        assertEquals("r", modes.get(5));
    }

    @Test
    void parentWritesPipeCarriesDataToTheChildAndExtraReaderPipesCarryItBack() throws Exception {
        ProcessSpec spec = ProcessSpec.command("sh", "-c", "cat <&3 >&4").childFDs(Map.of(3, W, 4, R)).build();
        try (Subprocess p = Subprocess.start(spec)) {
            p.channel(3).write(ByteBuffer.wrap("through 3 and 4\n".getBytes(StandardCharsets.UTF_8)));
            TestSupport.Result r = TestSupport.finish(p);
            assertEquals("through 3 and 4\n", r.fd(4));
            assertEquals(ExitStatus.exited(0), r.status());
        }
    }

    @Test
    void swapExchangesTwoParentFds() throws Exception {
        Subprocess h = holder(5, 6);
        int a = h.fd(5);
        int b = h.fd(6);
        ProcessSpec spec = probe("fds").childFDs(Map.of(1, R, a, ChildFD.inherit(b), b, ChildFD.inherit(a))).build();
        Map<Integer, ProbeFd> fds = parseFds(output(spec));
        assertEquals(Set.of(1, a, b), fds.keySet());
        assertSameFile(b, fds.get(a), "child " + a + " <- parent " + b);
        assertSameFile(a, fds.get(b), "child " + b + " <- parent " + a);
        assertFalse(fds.get(a).cloexec());
        assertFalse(fds.get(b).cloexec());
    }

    @Test
    void swapOfStdinAndStdout() throws Exception {
        // {0: 1, 1: 0}: each standard fd is the other's source; the report goes to fd 3.
        ProcessSpec spec = probe("--out=3", "fds").childFDs(Map.of(0, ChildFD.inherit(1), 1, ChildFD.inherit(0),
                3, R)).build();
        Map<Integer, ProbeFd> fds = parseFds(TestSupport.run(spec).fd(3));
        assertEquals(Set.of(0, 1, 3), fds.keySet());
        assertSameFile(1, fds.get(0), "0:1");
        assertSameFile(0, fds.get(1), "1:0");
    }

    @Test
    void rotationOfThreeParentFds() throws Exception {
        Subprocess h = holder(3, 4, 5);
        int a = h.fd(3);
        int b = h.fd(4);
        int c = h.fd(5);
        ProcessSpec spec = probe("fds").childFDs(Map.of(1, R, a, ChildFD.inherit(b), b, ChildFD.inherit(c),
                c, ChildFD.inherit(a))).build();
        Map<Integer, ProbeFd> fds = parseFds(output(spec));
        assertEquals(Set.of(1, a, b, c), fds.keySet());
        assertSameFile(b, fds.get(a), "a<-b");
        assertSameFile(c, fds.get(b), "b<-c");
        assertSameFile(a, fds.get(c), "c<-a");
    }

    @Test
    void identityEntryClearsCloseOnExec() throws Exception {
        Subprocess h = holder(3);
        int n = h.fd(3);
        assertTrue(isCloexec(n), "precondition: forkexec's own pipe ends are close-on-exec in the parent");
        Map<Integer, ProbeFd> fds = parseFds(output(probe("fds").childFDs(Map.of(1, R, n, ChildFD.inherit(n))).build()));
        assertEquals(Set.of(1, n), fds.keySet(), "the identity-mapped fd must exist in the child");
        assertSameFile(n, fds.get(n), "identity " + n);
        assertFalse(fds.get(n).cloexec());
        assertTrue(isCloexec(n), "the parent's fd keeps its close-on-exec flag");
    }

    @Test
    void oneParentFdCanFeedSeveralChildFds() throws Exception {
        Subprocess h = holder(3);
        int n = h.fd(3);
        Map<Integer, ProbeFd> fds = parseFds(output(probe("fds").childFDs(Map.of(1, R, 7, ChildFD.inherit(n),
                8, ChildFD.inherit(n), n, ChildFD.inherit(n))).build()));
        assertEquals(Set.of(1, 7, 8, n), fds.keySet());
        for (int fd : new int[] {7, 8, n}) assertSameFile(n, fds.get(fd), "fd " + fd);
    }

    @Test
    void highChildFdNumbersWork() throws Exception {
        Map<Integer, ProbeFd> fds = parseFds(output(probe("fds").childFDs(Map.of(1, R, 900, ChildFD.inherit(0),
                901, ChildFD.inherit(1))).build()));
        assertEquals(Set.of(1, 900, 901), fds.keySet());
        assertSameFile(0, fds.get(900), "900:0");
        assertSameFile(1, fds.get(901), "901:1");
    }

    @Test
    void onlyMappedFdsReachTheChild() throws Exception {
        // This JVM has plenty open (jars, surefire's pipes, epoll fds...): none of it may leak.
        assertTrue(ProcFs.openFds().size() > 5, "precondition: the parent has more than the mapped fds open");
        Path file = dir.resolve("mapped");
        Files.writeString(file, "x");
        try (FileChannel f = FileChannel.open(file)) {
            int fd = fdOf(file);
            try (Subprocess p = Subprocess.start(probe("fds").childFDs(Map.of(1, R, 4, ChildFD.inherit(fd))).build())) {
                Map<Integer, ProbeFd> fds = parseFds(TestSupport.finish(p).out());
                assertEquals(Set.of(1, 4), fds.keySet());
                assertSameFile(p.fd(1), fds.get(1), "pipe 1");
                assertSameFile(fd, fds.get(4), "file at 4");
                assertEquals(file.toRealPath().toString(), fds.get(4).target());
            }
        }
    }

    @Test
    void absentStandardFdsAreClosedInTheChild() throws Exception {
        Map<Integer, ProbeFd> fds = parseFds(TestSupport.run(probe("--out=3", "fds").childFDs(Map.of(3, R)).build())
                .fd(3));
        assertEquals(Set.of(3), fds.keySet(), "0, 1 and 2 are absent from the map, so closed");
    }

    @Test
    void absentStdoutAloneIsClosedWhileItsNeighboursStay() throws Exception {
        ProcessSpec spec = probe("--out=2", "fds").childFDs(Map.of(0, W, 2, R)).build();
        Map<Integer, ProbeFd> fds = parseFds(TestSupport.run(spec).err());
        assertEquals(Set.of(0, 2), fds.keySet());
        assertNull(fds.get(1));
    }

    @Test
    void emptyMapLeavesTheChildWithNoFds() throws Exception {
        // With no fd to report on, the probe's 'count' exits with the number of fds it has open.
        try (Subprocess p = Subprocess.start(probe("count").childFDs(Map.of()).build())) {
            assertTrue(p.channels().isEmpty());
            assertEquals(ExitStatus.exited(0), p.waitFor(), "open fds in a child with an empty map");
        }
        try (Subprocess p = Subprocess.start(probe("count").childFDs(Map.of(7, ChildFD.inherit(0))).build())) {
            assertEquals(ExitStatus.exited(1), p.waitFor(), "control: one mapped fd is counted");
        }
    }

    @Test
    void fdOpenedByAnotherThreadDuringSpawnsNeverReachesTheChild() throws Exception {
        Path file = dir.resolve("churn");
        Files.writeString(file, "churn");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong opened = new AtomicLong();
        Thread churn = new Thread(() -> {
            while (!stop.get()) {
                try (FileChannel c = FileChannel.open(file)) {
                    opened.incrementAndGet();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }
        }, "fd-churn");
        churn.start();
        try {
            ProcessSpec spec = probe("fds").build();
            for (int i = 0; i < 200; i++) {
                try (Subprocess p = Subprocess.start(spec)) {
                    Map<Integer, long[]> ours = parentEnds(p);
                    TestSupport.Result r = TestSupport.finish(p);
                    assertEquals(ExitStatus.exited(0), r.status(), r.err());
                    Map<Integer, ProbeFd> fds = parseFds(r.out());
                    assertEquals(Set.of(0, 1, 2), fds.keySet(), "spawn " + i + " saw " + fds);
                    for (int fd = 0; fd <= 2; fd++) assertSame(ours.get(fd), fds.get(fd), "spawn " + i);
                }
            }
        } finally {
            stop.set(true);
            churn.join();
        }
        assertTrue(opened.get() > 0, "the churn thread never opened a file");
    }

    @Test
    void startGivesBlockingParentEnds() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("cat").childFDs(Map.of(0, W, 1, R)).build())) {
            assertFalse(ProcFs.isNonBlocking(p.fd(0)));
            assertFalse(ProcFs.isNonBlocking(p.fd(1)));
            p.channel(0).close();
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void startNonBlockingMakesOnlyOurEndsNonBlocking() throws Exception {
        try (Subprocess p = Subprocess.startNonBlocking(ProcessSpec.command("cat").childFDs(Map.of(0, W, 1, R))
                .build())) {
            assertTrue(ProcFs.isNonBlocking(p.fd(0)));
            assertTrue(ProcFs.isNonBlocking(p.fd(1)));
            ByteBuffer buf = ByteBuffer.allocate(64);
            assertEquals(0, p.channel(1).read(buf), "a non-blocking read of an empty pipe returns 0");
            p.channel(0).write(ByteBuffer.wrap("hi\n".getBytes(StandardCharsets.UTF_8)));
            while (buf.position() < 3) {
                if (p.channel(1).read(buf) < 0) break;
                Thread.onSpinWait();
            }
            assertEquals("hi\n", new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
            p.channel(0).close();
            // A non-blocking stdin would have made cat fail with EAGAIN instead.
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void concurrentSpawnsFromSeveralThreadsEachSeeOnlyTheirOwnPipes() throws Exception {
        ProcessSpec spec = probe("fds").build();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < 50; i++) {
                        try (Subprocess p = Subprocess.start(spec)) {
                            Map<Integer, long[]> ours = parentEnds(p);
                            TestSupport.Result r = TestSupport.finish(p);
                            assertEquals(ExitStatus.exited(0), r.status(), r.err());
                            Map<Integer, ProbeFd> fds = parseFds(r.out());
                            assertEquals(Set.of(0, 1, 2), fds.keySet(), "saw " + fds);
                            for (int fd = 0; fd <= 2; fd++) assertSame(ours.get(fd), fds.get(fd), "fd " + fd);
                        }
                    }
                } catch (Throwable x) {
                    failures.add(x);
                }
            }, "spawner-" + t));
        }
        for (Thread t : threads) t.start();
        for (Thread t : threads) t.join();
        if (!failures.isEmpty()) throw new AssertionError(failures.size() + " spawner(s) failed", failures.get(0));
    }

    @Test
    void parentFdsStayOpenAndUnchangedAfterSpawns() throws Exception {
        Subprocess h = holder(3, 4);
        int a = h.fd(3);
        int b = h.fd(4);
        long[] before = ProcFs.devIno(a);
        output(probe("fds").childFDs(Map.of(1, R, a, ChildFD.inherit(b), b, ChildFD.inherit(a))).build());
        assertEquals(before[1], ProcFs.devIno(a)[1], "the parent's fd table is not the child's");
        assertTrue(isCloexec(a) && isCloexec(b));
    }
}
