package dev.forkexec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.ProcFs;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@link Processes} does beyond what {@link ProcessesParityTest} can compare with the JDK: the parts
 * where timing decides the JDK's outcome, and the absence of threads and fds at scale.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessesAdapterTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : started) p.waitFor(BOUND.toSeconds(), SECONDS);
    }

    private Process start(ProcessBuilder pb) throws Exception {
        Process p = Processes.start(pb);
        started.add(p);
        return p;
    }

    /**
     * A reader already blocked in read() when the child exits cannot be drained under (the reactor never
     * waits for a user thread); it drains itself as soon as its read returns, so the grandchild's next
     * write ends its wait, not the grandchild's exit 60 s later. (The JDK's outcome here depends on which
     * thread wins the stream's monitor.)
     */
    @Test
    void readerBlockedWhenTheChildExitsSeesEndOfFileRightAfterItsReadReturns() throws Exception {
        Process p = start(new ProcessBuilder("sh", "-c", "(sleep 1; echo late; exec sleep 60) & echo early; sleep 0.5; exit 0"));
        InputStream in = p.getInputStream();
        CountDownLatch early = new CountDownLatch(1);
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            try {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int b; (b = in.read()) >= 0;) {
                    all.write(b);
                    if (b == '\n') early.countDown(); // the next read blocks until "late" comes, after the exit
                }
                return all.toString(UTF_8);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(early.await(BOUND.toSeconds(), SECONDS));
        assertTrue(p.waitFor(BOUND.toSeconds(), SECONDS));
        assertEquals("early\nlate\n", read.get(BOUND.toSeconds(), SECONDS));
    }

    @Test
    void manyChildrenLeaveNoFdAndStartNoThread() throws Exception {
        Processes.start(new ProcessBuilder("true")).waitFor(); // the shared reactor and its thread exist from here on
        Map<Integer, String> fdsBefore = withoutPidfds(ProcFs.openFds()); // the warm-up's may still be closing
        long threadsBefore = Thread.getAllStackTraces().size();
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 200; i++) ps.add(Processes.start(new ProcessBuilder("sh", "-c", "echo out; echo err >&2")));
        long threadsDuring = Thread.getAllStackTraces().size();
        for (Process p : ps) {
            assertTrue(p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        }
        assertEquals("out\n", new String(ps.get(0).getInputStream().readAllBytes(), UTF_8));
        assertEquals("err\n", new String(ps.get(199).getErrorStream().readAllBytes(), UTF_8));
        assertTrue(threadsDuring - threadsBefore <= 1, () -> threadsBefore + " threads before, " + threadsDuring + " during");
        // Every pipe is closed at the exit, none by us; the reactor closes each pidfd right after.
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!ProcFs.openFds().equals(fdsBefore) && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(fdsBefore, ProcFs.openFds());
    }

    private static Map<Integer, String> withoutPidfds(Map<Integer, String> fds) {
        Map<Integer, String> m = new TreeMap<>(fds);
        m.values().removeIf(t -> t.equals("anon_inode:[pidfd]"));
        return m;
    }

    @Test
    void onExitDependentsRunOffTheReactorThread() throws Exception {
        Process p = start(new ProcessBuilder("true"));
        String thread = assertTimeoutPreemptively(BOUND, () -> p.onExit().thenApply(x -> Thread.currentThread().getName())
                .get(BOUND.toSeconds(), SECONDS));
        assertTrue(!thread.startsWith("forkexec-reactor"), thread);
    }
}
