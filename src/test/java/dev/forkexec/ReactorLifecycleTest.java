package dev.forkexec;

import static dev.forkexec.ReactorTestSupport.assertExited;
import static dev.forkexec.ReactorTestSupport.assertKilled;
import static dev.forkexec.ReactorTestSupport.await;
import static dev.forkexec.ReactorTestSupport.closeWithin;
import static dev.forkexec.ReactorTestSupport.sh;
import static dev.forkexec.ReactorTestSupport.threadAlive;
import static dev.forkexec.ReactorTestSupport.threadName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.ProcFs;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Callback order and threads, failing callbacks, coexistence with ProcessBuilder, and Reactor.close(). */
class ReactorLifecycleTest {
    @RegisterExtension
    @Order(1)
    final CapturedLogs logs = new CapturedLogs();

    @RegisterExtension
    @Order(2)
    final ReactorTestSupport rt = new ReactorTestSupport();

    @Test
    void connectionMadeIsCalledOnceOnTheCallingThreadBeforeSpawnReturns() throws Exception {
        AtomicBoolean returned = new AtomicBoolean();
        AtomicBoolean returnedDuringConnectionMade = new AtomicBoolean(true);
        RecordingProtocol p = new RecordingProtocol()
                .whenConnected((t, v) -> returnedDuringConnectionMade.set(returned.get()));
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        returned.set(true);
        assertTrue(p.made.isDone(), "connectionMade before spawnProcess returned");
        assertFalse(returnedDuringConnectionMade.get(), "spawnProcess had not returned during connectionMade");
        assertSame(Thread.currentThread(), p.events().get(0).thread, "connectionMade on the calling thread");
        assertSame(c, p.transport(), "the transport is the returned ChildProcess");
        c.write("x".getBytes(StandardCharsets.US_ASCII));
        c.closeStdin();
        assertExited(0, p.awaitEnded());
        p.assertWellFormed();
    }

    @Test
    void everyOtherCallbackRunsOnTheReactorThreadOnceAndInOrder() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, sh("cat; printf err >&2; exit 3").build());
        c.write("data".getBytes(StandardCharsets.US_ASCII));
        c.closeStdin();
        assertExited(3, p.awaitEnded());
        p.assertWellFormed(java.util.Set.of(0, 1, 2)); // once per pipe, ended last, one loop thread
        Thread loop = p.reactorThread();
        assertEquals(threadName(rt.reactor()), loop.getName());
        for (int fd : new int[] {0, 1, 2}) {
            assertTrue(p.indexOf("lost", fd) < p.indexOf("ended", -1));
        }
    }

    @Test
    void onExitCompletesRightAfterProcessEnded() throws Exception {
        CompletableFuture<Boolean> onExitDoneInProcessEnded = new CompletableFuture<>();
        RecordingProtocol p = new RecordingProtocol() {
            @Override
            public void processEnded(ExitStatus status) {
                // transport() was set by connectionMade; the spawning thread may not have returned yet.
                onExitDoneInProcessEnded.complete(transport().onExit().isDone());
                super.processEnded(status);
            }
        };
        ChildProcess child = rt.reactor().spawnProcess(p, sh("read x; exit 12").build());
        CompletableFuture<ExitStatus> mine = child.onExit();
        assertTrue(mine.complete(ExitStatus.exited(99)), "the child still runs"); // only this caller's copy
        child.closeStdin();
        assertExited(12, await(child.onExit()));
        assertFalse(await(onExitDoneInProcessEnded), "onExit completes after processEnded returns");
        assertEquals(await(p.ended), await(child.onExit()));
    }

    /** Twisted: an exception in a ProcessProtocol callback is logged and the reactor carries on. */
    @Test
    void throwingCallbacksDoNotStopTheReactorAndTheProcessStillEnds() throws Exception {
        AtomicInteger outCalls = new AtomicInteger();
        AtomicInteger thrown = new AtomicInteger();
        CompletableFuture<ExitStatus> ended = new CompletableFuture<>();
        ProcessProtocol bad = new ProcessProtocol() {
            @Override
            public void outReceived(ByteBuffer data) {
                outCalls.incrementAndGet();
                thrown.incrementAndGet();
                throw new RuntimeException("outReceived fails on purpose");
            }

            @Override
            public void outConnectionLost() {
                thrown.incrementAndGet();
                throw new IllegalStateException("outConnectionLost fails on purpose");
            }

            @Override
            public void processExited(ExitStatus status) {
                thrown.incrementAndGet();
                throw new RuntimeException("processExited fails on purpose");
            }

            @Override
            public void processEnded(ExitStatus status) {
                ended.complete(status);
            }
        };
        Reactor reactor = rt.reactor();
        RecordingProtocol good = new RecordingProtocol();
        ChildProcess goodChild = reactor.spawnProcess(good, ProcessSpec.command("cat").build());
        ChildProcess badChild = reactor.spawnProcess(bad, sh("printf one; printf two; exit 2").build());
        assertExited(2, await(ended));
        assertExited(2, await(badChild.onExit()));
        assertTrue(thrown.get() >= 3, "every failing callback was called: " + thrown.get());
        // Each failure is logged once, naming the callback, the fd and the pid, with what it threw.
        String pid = "for pid " + badChild.pid() + " threw; the reactor goes on";
        List<LogRecord> out = logs.expectAll(Level.SEVERE, "childDataReceived(fd 1) " + pid);
        assertEquals(outCalls.get(), out.size(), CapturedLogs.describe(out));
        for (LogRecord r : out) assertEquals("outReceived fails on purpose", r.getThrown().getMessage());
        assertEquals("outConnectionLost fails on purpose",
                logs.expect(Level.SEVERE, "childConnectionLost(fd 1) " + pid).getThrown().getMessage());
        assertEquals("processExited fails on purpose",
                logs.expect(Level.SEVERE, "processExited " + pid).getThrown().getMessage());
        goodChild.write("still working".getBytes(StandardCharsets.US_ASCII));
        goodChild.closeStdin();
        assertExited(0, good.awaitEnded());
        assertEquals("still working", good.string(1));
        RecordingProtocol later = new RecordingProtocol();
        reactor.spawnProcess(later, ProcessSpec.command("echo", "later").build());
        assertEquals("later\n", new String(awaitOutput(later), StandardCharsets.US_ASCII));
    }

    @Test
    void throwingConnectionMadeStillStartsAndEndsTheChild() throws Exception {
        CompletableFuture<ExitStatus> ended = new CompletableFuture<>();
        ChildProcess c = rt.reactor().spawnProcess(new ProcessProtocol() {
            @Override
            public void connectionMade(ProcessTransport transport) {
                throw new RuntimeException("connectionMade fails on purpose");
            }

            @Override
            public void processEnded(ExitStatus status) {
                ended.complete(status);
            }
        }, sh("exit 5").build());
        assertNotNull(c);
        assertExited(5, await(ended));
        LogRecord r = logs.expect(Level.SEVERE, "connectionMade for pid " + c.pid() + " threw; the reactor goes on");
        assertEquals("connectionMade fails on purpose", r.getThrown().getMessage());
    }

    private static byte[] awaitOutput(RecordingProtocol p) {
        p.awaitEnded();
        return p.bytes(1);
    }

    /**
     * Twisted reaps only its own children. ProcessBuilder children started at the same time keep
     * their exit statuses (7), and ours report theirs (9).
     */
    @Test
    void processBuilderChildrenAlongsideOursKeepTheirStatuses() throws Exception {
        Reactor reactor = rt.reactor();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Process>> builders = new ArrayList<>();
            List<RecordingProtocol> ours = new ArrayList<>();
            List<Future<ChildProcess>> ourChildren = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                builders.add(pool.submit(() -> new ProcessBuilder("sh", "-c", "exit 7")
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start()));
                RecordingProtocol p = new RecordingProtocol();
                ours.add(p);
                ourChildren.add(pool.submit(() -> reactor.spawnProcess(p, sh("exit 9").build())));
            }
            for (Future<Process> f : builders) {
                Process proc = f.get(30, TimeUnit.SECONDS);
                assertTrue(proc.waitFor(30, TimeUnit.SECONDS), "ProcessBuilder child did not end");
                assertEquals(7, proc.exitValue(), "a ProcessBuilder child lost its status");
            }
            for (int i = 0; i < ours.size(); i++) {
                ourChildren.get(i).get(30, TimeUnit.SECONDS);
                assertExited(9, ours.get(i).awaitEnded());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closeKillsALiveChildAndDeliversProcessEndedBeforeReturning() throws Exception {
        Reactor reactor = rt.newReactor();
        String thread = threadName(reactor);
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = reactor.spawnProcess(p, ProcessSpec.command("sleep", "100").build());
        assertTrue(threadAlive(thread));
        closeWithin(reactor, 30);
        assertTrue(p.ended.isDone(), "processEnded before close() returned: " + p);
        assertKilled(9, p.ended.getNow(null));
        assertTrue(c.onExit().isDone());
        assertFalse(threadAlive(thread), "the reactor thread has ended");
        assertTrue(reactor.isClosed());
        p.assertWellFormed();
        assertThrows(IllegalStateException.class,
                () -> reactor.spawnProcess(new RecordingProtocol(), ProcessSpec.command("true").build()));
        reactor.close(); // idempotent
    }

    @Test
    void closeOfAReactorThatNeverSpawnedReturns() throws Exception {
        Reactor reactor = rt.newReactor();
        String thread = threadName(reactor);
        closeWithin(reactor, 30);
        assertFalse(threadAlive(thread));
        assertThrows(IllegalStateException.class,
                () -> reactor.spawnProcess(new RecordingProtocol(), ProcessSpec.command("true").build()));
    }

    @Test
    void closeAfterEveryChildEndedReturns() throws Exception {
        Reactor reactor = rt.newReactor();
        RecordingProtocol p = new RecordingProtocol();
        reactor.spawnProcess(p, ProcessSpec.command("true").build());
        assertExited(0, p.awaitEnded());
        closeWithin(reactor, 30);
        assertFalse(threadAlive(threadName(reactor)));
    }

    @Test
    void closeEndsManyChildrenIncludingOnesWhoseGrandchildHoldsThePipes() throws Exception {
        Reactor reactor = rt.newReactor();
        List<RecordingProtocol> sleepers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            RecordingProtocol p = new RecordingProtocol();
            reactor.spawnProcess(p, ProcessSpec.command("sleep", "100").build());
            sleepers.add(p);
        }
        // Exited already, but a grandchild holds stdout, stderr and fd 3 until our end of fd 3 closes.
        RecordingProtocol held = new RecordingProtocol();
        reactor.spawnProcess(held, sh("(read x <&3; printf late) & exit 0").childFD(3, ChildFD.parentWrites()).build());
        assertExited(0, await(held.exited));
        closeWithin(reactor, 30);
        for (RecordingProtocol p : sleepers) {
            assertTrue(p.ended.isDone());
            assertKilled(9, p.ended.getNow(null));
            p.assertWellFormed();
        }
        assertTrue(held.ended.isDone(), "close() ends a process whose pipes a grandchild holds");
        assertExited(0, held.ended.getNow(null));
        held.assertWellFormed();
    }

    @Test
    void closeFromInsideACallbackReturnsAtOnceAndTheLoopFinishesTheWork() throws Exception {
        Reactor reactor = rt.newReactor();
        RecordingProtocol sleeper = new RecordingProtocol();
        reactor.spawnProcess(sleeper, ProcessSpec.command("sleep", "100").build());
        CompletableFuture<Boolean> spawnRefused = new CompletableFuture<>();
        RecordingProtocol closer = new RecordingProtocol().whenExited((t, s) -> {
            reactor.close(); // from the loop thread: must not wait for itself
            try {
                reactor.spawnProcess(new RecordingProtocol(), ProcessSpec.command("true").build());
                spawnRefused.complete(false);
            } catch (IllegalStateException expected) {
                spawnRefused.complete(true);
            }
        });
        reactor.spawnProcess(closer, ProcessSpec.command("true").build());
        assertTrue(await(spawnRefused), "spawnProcess after close() from a callback");
        assertKilled(9, await(sleeper.ended));
        assertExited(0, await(closer.ended));
        closeWithin(reactor, 30); // joins the loop
        assertFalse(threadAlive(threadName(reactor)));
    }

    /**
     * Transport calls from other threads each queue a task and wake the loop; none of those wake-ups
     * may be lost, or the loop sleeps with work queued. Two threads hammer pause/resume while this one
     * makes round trips through the loop (a pull producer's resumeProducing); the last round trip, after
     * the hammering, must still come back.
     */
    @Test
    void crossThreadCallsNeverLoseAWakeup() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        Runnable hammer = () -> {
            for (int i = 0; i < 200_000; i++) {
                c.pauseProducing();
                c.resumeProducing();
            }
        };
        Thread h1 = new Thread(hammer, "hammer-1");
        Thread h2 = new Thread(hammer, "hammer-2");
        h1.start();
        h2.start();
        AtomicReference<CompletableFuture<Void>> ping = new AtomicReference<>();
        Producer pull = new Producer() {
            @Override
            public void pauseProducing() {}

            @Override
            public void resumeProducing() {
                ping.get().complete(null);
            }

            @Override
            public void stopProducing() {}
        };
        do {
            ping.set(new CompletableFuture<>());
            c.registerProducer(pull, false);
            await(ping.get());
            c.unregisterProducer();
        } while (h1.isAlive() || h2.isAlive());
        h1.join();
        h2.join();
        ping.set(new CompletableFuture<>());
        c.registerProducer(pull, false);
        await(ping.get());
        c.unregisterProducer();
        c.write("hello".getBytes(StandardCharsets.US_ASCII));
        c.closeStdin();
        assertExited(0, p.awaitEnded());
        assertEquals("hello", p.string(1));
    }

    /** Twisted allows spawnProcess from inside a callback; connectionMade then runs on the reactor thread. */
    @Test
    void spawnProcessFromACallbackWorks() throws Exception {
        Reactor reactor = rt.reactor();
        RecordingProtocol second = new RecordingProtocol();
        CompletableFuture<ChildProcess> spawned = new CompletableFuture<>();
        RecordingProtocol first = new RecordingProtocol().whenExited((t, s) ->
                spawned.complete(reactor.spawnProcess(second, ProcessSpec.command("echo", "second").build())));
        reactor.spawnProcess(first, ProcessSpec.command("true").build());
        assertExited(0, first.awaitEnded());
        assertNotNull(await(spawned));
        assertExited(0, second.awaitEnded());
        assertEquals("second\n", second.string(1));
        assertSame(first.reactorThread(), second.events().get(0).thread, "connectionMade on the spawning thread");
        second.assertWellFormed();
    }

    /**
     * close() racing with spawnProcess on other threads: every spawn either throws
     * IllegalStateException or its child is killed and ended before close() returns.
     */
    @Test
    void closeRacingWithSpawnsLeavesNoChildBehind() throws Exception {
        Reactor reactor = rt.newReactor();
        List<RecordingProtocol> started = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> enough = new CompletableFuture<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Integer>> spawners = new ArrayList<>();
        try {
            for (int t = 0; t < 4; t++) {
                spawners.add(pool.submit(() -> {
                    int refused = 0;
                    for (int i = 0; i < 200 && refused == 0; i++) {
                        RecordingProtocol p = new RecordingProtocol();
                        try {
                            reactor.spawnProcess(p, ProcessSpec.command("sleep", "100").build());
                            started.add(p);
                            if (started.size() >= 12) enough.complete(null);
                        } catch (IllegalStateException closed) {
                            refused++;
                        }
                    }
                    return refused;
                }));
            }
            await(enough);
            closeWithin(reactor, 30);
            for (Future<Integer> f : spawners) f.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertTrue(started.size() >= 12);
        synchronized (started) {
            for (RecordingProtocol p : started) {
                assertTrue(p.ended.isDone(), "a child spawned before close() was not ended by it: " + p);
                assertKilled(9, p.ended.getNow(null));
                p.assertWellFormed();
            }
        }
    }

    /**
     * A transport call from another thread after the reactor closed must not write to the reactor's
     * old eventfd number: by then that number may be any other file of the JVM.
     */
    @Test
    void transportCallsAfterCloseDoNotWriteToAReusedFdNumber() throws Exception {
        Map<Integer, String> before = ProcFs.kernelObjectFds();
        Reactor reactor = rt.newReactor();
        int wakeFd = -1;
        for (Map.Entry<Integer, String> e : ProcFs.kernelObjectFds().entrySet()) {
            if (e.getValue().equals("anon_inode:[eventfd]") && !e.getValue().equals(before.get(e.getKey()))) {
                wakeFd = e.getKey();
            }
        }
        assertTrue(wakeFd >= 0, "could not find the reactor's eventfd");
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = reactor.spawnProcess(p, ProcessSpec.command("true").build());
        assertExited(0, p.awaitEnded());
        closeWithin(reactor, 30);
        // Open pipes until one's write end takes the old eventfd number.
        List<Pipe> pipes = new ArrayList<>();
        Pipe victim = null;
        try {
            for (int i = 0; i < 16 && victim == null; i++) {
                Map<Integer, String> was = ProcFs.kernelObjectFds();
                Pipe pipe = Pipe.open();
                pipes.add(pipe);
                Map<Integer, String> now = ProcFs.kernelObjectFds();
                if (now.containsKey(wakeFd) && !now.get(wakeFd).equals(was.get(wakeFd)) && ProcFs.isWriteOnly(wakeFd)) {
                    victim = pipe;
                }
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(victim != null, "the eventfd number was not reused");
            c.pauseProducing();
            c.resumeProducing();
            c.closeStdin();
            victim.source().configureBlocking(false);
            ByteBuffer got = ByteBuffer.allocate(64);
            int n = victim.source().read(got);
            assertEquals(0, n, "a closed reactor wrote " + n + " bytes into an unrelated pipe");
        } finally {
            for (Pipe pipe : pipes) {
                pipe.source().close();
                pipe.sink().close();
            }
        }
    }

    /** A callback that interrupts its own (the reactor's) thread must not make the reactor close pipes. */
    @Test
    void aCallbackInterruptingTheReactorThreadDoesNotBreakThePipes() throws Exception {
        RecordingProtocol p = new RecordingProtocol().whenData((t, d) -> Thread.currentThread().interrupt());
        rt.reactor().spawnProcess(p, ProcessSpec.command("head", "-c", "300000", "/dev/zero").build());
        assertExited(0, p.awaitEnded()); // not SIGPIPE: stdout stayed open
        assertEquals(300_000, p.count(1));
        p.assertWellFormed();
    }

    /**
     * A thread whose interrupt status is set (a cancelled task, say) may still write: the data is
     * queued, the interrupt status kept, and stdin is neither closed nor lost behind the reactor's back.
     */
    @Test
    void writeFromAnInterruptedThreadKeepsTheDataAndTheInterrupt() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        boolean stillInterrupted;
        Thread.currentThread().interrupt();
        try {
            c.write("abc".getBytes(StandardCharsets.US_ASCII));
        } finally {
            stillInterrupted = Thread.interrupted();
        }
        assertTrue(stillInterrupted, "the caller's interrupt status is kept");
        c.write("def".getBytes(StandardCharsets.US_ASCII));
        c.closeStdin();
        assertExited(0, p.awaitEnded());
        assertEquals("abcdef", p.string(1));
        p.assertWellFormed();
    }
}
