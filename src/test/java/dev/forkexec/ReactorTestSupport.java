package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.forkexec.testkit.ProcFs;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Helpers for the reactor tests, and a JUnit extension (register it with
 * {@code @RegisterExtension final ReactorTestSupport rt = new ReactorTestSupport();}) that hands each
 * test a fresh {@link Reactor}, closes it after the test, and then checks that the test left nothing
 * behind: no pipe, pidfd, epoll or eventfd descriptor of this JVM that was not open before it, no
 * zombie child of this JVM, and no live {@code forkexec-reactor-N} thread that was not alive before.
 */
final class ReactorTestSupport implements BeforeEachCallback, AfterEachCallback {
    static final long TIMEOUT_SECONDS = 30;

    private final List<Reactor> reactors = new ArrayList<>();
    private Map<Integer, String> fdsBefore;
    private Set<Long> zombiesBefore;
    private Set<Thread> threadsBefore;

    // ------------------------------------------------------------ the extension

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        fdsBefore = ProcFs.kernelObjectFds();
        zombiesBefore = ProcFs.zombieChildren();
        threadsBefore = reactorThreads();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<Reactor> toClose;
        synchronized (reactors) {
            toClose = new ArrayList<>(reactors);
            reactors.clear();
        }
        for (Reactor r : toClose) closeWithin(r, TIMEOUT_SECONDS);
        // close() joins the loop thread, which closed every fd before ending.
        Set<Thread> leakedThreads = reactorThreads();
        leakedThreads.removeAll(threadsBefore);
        assertTrue(leakedThreads.isEmpty(), "reactor threads still alive after close(): " + leakedThreads);

        Map<Integer, String> fdsAfter = ProcFs.kernelObjectFds();
        Map<Integer, String> leaked = new TreeMap<>();
        for (Map.Entry<Integer, String> e : fdsAfter.entrySet()) {
            if (!e.getValue().equals(fdsBefore.get(e.getKey()))) leaked.put(e.getKey(), e.getValue());
        }
        assertTrue(leaked.isEmpty(), "pipe/pidfd/epoll/eventfd descriptors leaked by the test: " + leaked);

        Set<Long> zombies = ProcFs.zombieChildren();
        zombies.removeAll(zombiesBefore);
        assertTrue(zombies.isEmpty(), "zombie children of this JVM left by the test: " + zombies);
    }

    /** Set once a close() hung: later tests then wait only briefly, so a broken build fails fast. */
    private static volatile boolean closeHung;

    /** Reactor.close() on another thread, so a hang fails the test instead of stalling the build. */
    static void closeWithin(Reactor r, long seconds) throws InterruptedException {
        Thread closer = new Thread(r::close, "test-closer");
        closer.setDaemon(true);
        closer.start();
        long millis = closeHung ? Math.min(2000, TimeUnit.SECONDS.toMillis(seconds)) : TimeUnit.SECONDS.toMillis(seconds);
        closer.join(millis);
        if (closer.isAlive()) {
            closeHung = true;
            fail(r + ".close() did not return within " + millis + " ms");
        }
    }

    /** The test's reactor, made on first use and closed after the test. */
    Reactor reactor() {
        synchronized (reactors) {
            if (reactors.isEmpty()) reactors.add(Reactor.create());
            return reactors.get(0);
        }
    }

    /** One more reactor, closed after the test. */
    Reactor newReactor() {
        Reactor r = Reactor.create();
        synchronized (reactors) {
            reactors.add(r);
        }
        return r;
    }

    // ------------------------------------------------------------ specs

    /** {@code sh -c script sh args...}: inside the script, {@code $1..} are the args. */
    static ProcessSpec.Builder sh(String script, String... args) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        argv.addAll(Arrays.asList(args));
        return ProcessSpec.command(argv);
    }

    // ------------------------------------------------------------ waiting

    /** Waits (30 s at most) for the future; its failure or a timeout fails the test. */
    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("nothing after " + TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            throw new AssertionError("the future failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Polls a condition that some other party makes true (e.g. a child blocking in write(2)) until it
     * holds; 30 s at most. Used only where no event announces the state.
     */
    static void awaitCondition(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("not true after " + TIMEOUT_SECONDS + " s: " + what);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    // ------------------------------------------------------------ threads

    /** Live threads named forkexec-reactor-N. */
    static Set<Thread> reactorThreads() {
        return ProcFs.liveThreads("forkexec-reactor-");
    }

    /** The reactor's loop thread, read from its toString ("Reactor[forkexec-reactor-N, ...]"). */
    static String threadName(Reactor r) {
        String s = r.toString();
        int start = s.indexOf('[') + 1;
        int end = s.indexOf(',', start);
        String name = s.substring(start, end);
        assertTrue(name.startsWith("forkexec-reactor-"), "unexpected Reactor.toString(): " + s);
        return name;
    }

    /** Whether a live thread has this name. */
    static boolean threadAlive(String name) {
        return reactorThreads().stream().anyMatch(t -> t.getName().equals(name));
    }

    static void assertExited(int code, ExitStatus s) {
        assertEquals(code, s.exitCode(), "exit code of " + s);
        assertEquals(0, s.signal(), "signal of " + s);
        assertFalse(s.coreDumped(), "core of " + s);
    }

    static void assertKilled(int signal, ExitStatus s) {
        assertEquals(signal, s.signal(), "signal of " + s);
        assertEquals(-1, s.exitCode(), "exit code of " + s);
    }

}
