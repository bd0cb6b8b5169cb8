package dev.forkexec;

import static dev.forkexec.ReactorTestSupport.assertExited;
import static dev.forkexec.ReactorTestSupport.assertKilled;
import static dev.forkexec.ReactorTestSupport.await;
import static dev.forkexec.ReactorTestSupport.awaitCondition;
import static dev.forkexec.ReactorTestSupport.threadAlive;
import static dev.forkexec.ReactorTestSupport.threadName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.JavaCommand;
import dev.forkexec.testkit.ProcFs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Errors (not just exceptions) thrown by callbacks and producers, and the reactor's own thread
 * dying: the loop goes on serving every other child; a failing connectionMade leaves nothing behind;
 * a dead loop kills, reaps and ends every child and refuses new spawns. Errors thrown on purpose here
 * are constructed, not provoked; the real stack overflow and the real full heap run in a child JVM
 * ({@link ReactorErrorsChildMain}), where they cannot disturb this one.
 */
@Timeout(120)
class ReactorErrorsTest {
    @RegisterExtension
    @Order(1)
    final CapturedLogs logs = new CapturedLogs();

    @RegisterExtension
    @Order(2)
    final ReactorTestSupport rt = new ReactorTestSupport();

    // ------------------------------------------------------------ callbacks and producers

    /** Where an Error is thrown from, and which Error (a mix of the ones that used to stop the loop). */
    enum Thrower {
        OUT_RECEIVED("childDataReceived(fd 1)", new OutOfMemoryError("outReceived fails on purpose")),
        CONNECTION_LOST("childConnectionLost(fd 1)", new StackOverflowError("outConnectionLost fails on purpose")),
        PROCESS_EXITED("processExited", new InternalError("processExited fails on purpose")),
        PROCESS_ENDED("processEnded", new Error("processEnded fails on purpose")),
        RESUME_PRODUCING("resumeProducing(fd 0)", new OutOfMemoryError("resumeProducing fails on purpose")),
        PAUSE_PRODUCING("pauseProducing(fd 0)", new StackOverflowError("pauseProducing fails on purpose"));

        final String callback;
        final Error error;

        Thrower(String callback, Error error) {
            this.callback = callback;
            this.error = error;
        }
    }

    /** A protocol that throws {@code t.error} from the callback {@code t} names, if it is one. */
    private static RecordingProtocol throwing(Thrower t) {
        return new RecordingProtocol() {
            @Override
            public void childDataReceived(int childFD, ByteBuffer data) {
                super.childDataReceived(childFD, data);
                if (t == Thrower.OUT_RECEIVED && childFD == 1) throw t.error;
            }

            @Override
            public void childConnectionLost(int childFD) {
                super.childConnectionLost(childFD);
                if (t == Thrower.CONNECTION_LOST && childFD == 1) throw t.error;
            }

            @Override
            public void processExited(ExitStatus status) {
                super.processExited(status);
                if (t == Thrower.PROCESS_EXITED) throw t.error;
            }

            @Override
            public void processEnded(ExitStatus status) {
                super.processEnded(status);
                if (t == Thrower.PROCESS_ENDED) throw t.error;
            }
        };
    }

    /**
     * A producer that throws {@code t.error} from the method {@code t} names, if it is one, after
     * completing {@code called}.
     */
    private static Producer producer(Thrower t, CompletableFuture<Void> called) {
        return new Producer() {
            @Override
            public void pauseProducing() {
                if (t != Thrower.PAUSE_PRODUCING) return;
                called.complete(null);
                throw t.error;
            }

            @Override
            public void resumeProducing() {
                if (t != Thrower.RESUME_PRODUCING) return;
                called.complete(null);
                throw t.error;
            }

            @Override
            public void stopProducing() {}
        };
    }

    @ParameterizedTest
    @EnumSource(Thrower.class)
    void anErrorFromACallbackOrProducerIsLoggedAndTheLoopGoesOn(Thrower t) throws Exception {
        Reactor reactor = rt.reactor();
        RecordingProtocol p = throwing(t);
        ChildProcess c = reactor.spawnProcess(p, ProcessSpec.command("sh", "-c", "cat >/dev/null; echo done").build());
        CompletableFuture<Void> called = new CompletableFuture<>();
        if (t == Thrower.RESUME_PRODUCING) {
            c.registerProducer(producer(t, called), false); // a pull producer is asked at once, on the loop
            await(called);
        }
        if (t == Thrower.PAUSE_PRODUCING) {
            c.registerProducer(producer(t, called), true);
            // Once anything is queued, writes only add to the queue, so it soon passes the high-water
            // mark. pauseProducing runs here, in this thread: what it throws must not come out of write().
            byte[] chunk = new byte[Reactor.HIGH_WATER_MARK / 4];
            for (int i = 0; i < 1024 && !called.isDone(); i++) c.write(chunk);
            assertTrue(called.isDone(), "pauseProducing was called");
            c.unregisterProducer();
        }
        c.closeStdin();
        assertExited(0, await(c.onExit()));
        LogRecord r = logs.expect(Level.SEVERE, t.callback + " for pid " + c.pid() + " threw; the reactor goes on");
        assertSame(t.error, r.getThrown());

        RecordingProtocol later = new RecordingProtocol();
        reactor.spawnProcess(later, ProcessSpec.command("echo", "later").build());
        assertExited(0, later.awaitEnded());
        assertEquals("later\n", later.string(1), "a spawn after the error runs");
    }

    @Test
    void anErrorFromOneChildsCallbackLeavesTheOtherChildrenServed() throws Exception {
        Reactor reactor = rt.reactor();
        RecordingProtocol good = new RecordingProtocol();
        ChildProcess goodChild = reactor.spawnProcess(good, ProcessSpec.command("cat").build());
        goodChild.write("before ".getBytes(StandardCharsets.US_ASCII));
        RecordingProtocol bad = throwing(Thrower.OUT_RECEIVED);
        ChildProcess badChild = reactor.spawnProcess(bad, ProcessSpec.command("echo", "boom").build());
        assertExited(0, await(badChild.onExit()));
        goodChild.write("after".getBytes(StandardCharsets.US_ASCII));
        goodChild.closeStdin();
        assertExited(0, good.awaitEnded());
        assertEquals("before after", good.string(1));
        good.assertWellFormed();
        bad.assertWellFormed();
        logs.expect(Level.SEVERE, "childDataReceived(fd 1) for pid " + badChild.pid());
    }

    // ------------------------------------------------------------ connectionMade

    @Test
    void anErrorFromConnectionMadeComesOutOfSpawnProcessAndLeavesNothingBehind() throws Exception {
        Reactor reactor = rt.reactor();
        StackOverflowError error = new StackOverflowError("connectionMade fails on purpose");
        AtomicLong pid = new AtomicLong(-1);
        List<String> after = new ArrayList<>();
        RecordingProtocol failing = new RecordingProtocol().whenConnected((tr, v) -> {
            pid.set(tr.pid());
            // Work the loop would do later: none of it may reach the protocol once spawnProcess threw.
            tr.write("queued".getBytes(StandardCharsets.US_ASCII));
            tr.registerProducer(new Producer() {
                @Override
                public void pauseProducing() {
                    after.add("pauseProducing");
                }

                @Override
                public void resumeProducing() {
                    after.add("resumeProducing");
                }

                @Override
                public void stopProducing() {
                    after.add("stopProducing");
                }
            }, false);
            tr.closeStdout();
            throw error;
        });
        StackOverflowError thrown = assertThrows(StackOverflowError.class,
                () -> reactor.spawnProcess(failing, ProcessSpec.command("cat").build()));
        assertSame(error, thrown);
        assertTrue(pid.get() > 0);
        assertFalse(ProcFs.isOurChild(pid.get()), "the child of the failed spawn was killed and reaped");

        RecordingProtocol later = new RecordingProtocol();
        reactor.spawnProcess(later, ProcessSpec.command("echo", "later").build());
        assertExited(0, later.awaitEnded()); // the loop ran every task the failed connectionMade queued
        assertEquals("later\n", later.string(1));
        assertEquals(1, failing.events().size(), "only connectionMade: " + failing);
        synchronized (after) {
            assertEquals(List.of(), after, "producer calls after the failed spawn");
        }
        assertEquals(List.of(), logs.unclaimed(), "the error is the caller's to report");
    }

    // ------------------------------------------------------------ the loop itself dies

    /** An Error inside the reactor's own work on its thread (a task it runs), as a bookkeeping bug would throw. */
    private static InternalError killLoop(Reactor reactor) {
        InternalError error = new InternalError("the reactor's bookkeeping fails on purpose");
        reactor.execute(() -> {
            throw error;
        });
        return error;
    }

    @Test
    void whenTheLoopDiesEveryChildIsKilledReapedAndEndedAndOnExitFailsWithTheCause() throws Exception {
        Reactor reactor = rt.reactor();
        Map<RecordingProtocol, ChildProcess> children = new HashMap<>();
        for (ProcessSpec spec : List.of(ProcessSpec.command("sleep", "100").build(), ProcessSpec.command("cat").build())) {
            RecordingProtocol p = new RecordingProtocol();
            children.put(p, reactor.spawnProcess(p, spec));
        }
        InternalError error = killLoop(reactor);
        for (Map.Entry<RecordingProtocol, ChildProcess> e : children.entrySet()) {
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> e.getValue().onExit().get(ReactorTestSupport.TIMEOUT_SECONDS, TimeUnit.SECONDS));
            assertSame(error, failed.getCause(), "onExit fails with the loop's cause");
            assertKilled(9, await(e.getKey().ended));
            e.getKey().assertWellFormed();
            assertFalse(ProcFs.isOurChild(e.getValue().pid()), "reaped");
        }
        awaitCondition("the loop thread ended", () -> !threadAlive(threadName(reactor)));
        assertTrue(reactor.isClosed());
        LogRecord r = logs.expect(Level.SEVERE, "loop thread stopped", "2 children");
        assertSame(error, r.getThrown());
        ReactorTestSupport.closeWithin(reactor, 10);
    }

    @Test
    void afterTheLoopDiedSpawnProcessThrowsIllegalStateExceptionNamingTheCause() throws Exception {
        Reactor reactor = rt.reactor();
        InternalError error = killLoop(reactor);
        awaitCondition("the loop thread ended", () -> !threadAlive(threadName(reactor)));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> reactor.spawnProcess(new RecordingProtocol(), ProcessSpec.command("true").build()));
        assertTrue(e.getMessage().contains(error.toString()), e.getMessage());
        assertSame(error, e.getCause());
        assertNotNull(logs.expect(Level.SEVERE, "loop thread stopped"));
    }

    // ------------------------------------------------------------ real Errors, in a child JVM

    private static Map<String, String> runChildJvm(String mode) throws Exception {
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(JavaCommand.main(ReactorErrorsChildMain.class, mode).toList())
                .childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
        assertExited(0, r.status());
        Map<String, String> kv = TestSupport.keyValues(r.out());
        kv.put("#stderr", r.err());
        return kv;
    }

    /** The log lines the child JVM printed for records whose message contains {@code fragment}. */
    private static List<String> logLines(Map<String, String> kv, String fragment) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : kv.entrySet()) {
            if (e.getKey().startsWith("log.") && e.getValue().contains(fragment)) out.add(e.getValue());
        }
        return out;
    }

    @Test
    void aRealStackOverflowAndARealFullHeapInOutReceivedLeaveTheReactorWorking() throws Exception {
        Map<String, String> kv = runChildJvm("callback-errors");
        assertEquals("exit 0", kv.get("overflow.ended"), kv.toString());
        assertEquals("exit 0", kv.get("hog.ended"), kv.toString());
        assertEquals("exit 0", kv.get("good.ended"), kv.toString());
        assertEquals("still working", kv.get("good.out"), kv.toString());
        assertEquals("later", kv.get("later.out"), kv.toString());
        assertEquals("true", kv.get("close.returned"), kv.toString());
        assertEquals("signal 9 (SIGKILL)", kv.get("sleeper.ended"), kv.toString());
        assertEquals(List.of("SEVERE|forkexec: childDataReceived(fd 1) for pid " + kv.get("overflow.pid")
                + " threw; the reactor goes on|java.lang.StackOverflowError"),
                logLines(kv, "pid " + kv.get("overflow.pid") + " "), kv.toString());
        assertEquals(List.of("SEVERE|forkexec: childDataReceived(fd 1) for pid " + kv.get("hog.pid")
                + " threw; the reactor goes on|java.lang.OutOfMemoryError"),
                logLines(kv, "pid " + kv.get("hog.pid") + " "), kv.toString());
        assertEquals("{}", kv.get("fds-leaked"), kv.toString());
        assertEquals("0", kv.get("zombies"), kv.toString());
        assertEquals("0", kv.get("reactor-threads"), kv.toString());
    }

    @Test
    void aRealStackOverflowInConnectionMadeComesOutOfSpawnProcessAndLeavesNothingBehind() throws Exception {
        Map<String, String> kv = runChildJvm("connection-made-error");
        assertEquals("java.lang.StackOverflowError", kv.get("spawn"), kv.toString());
        assertEquals("false", kv.get("failed.pid-is-our-child"), kv.toString());
        assertEquals("later", kv.get("later.out"), kv.toString());
        assertEquals("true", kv.get("close.returned"), kv.toString());
        assertEquals("0", kv.get("failed.later-callbacks"), kv.toString());
        assertEquals(List.of(), logLines(kv, ""), kv.toString());
        assertEquals("{}", kv.get("fds-leaked"), kv.toString());
        assertEquals("0", kv.get("zombies"), kv.toString());
        assertEquals("0", kv.get("reactor-threads"), kv.toString());
    }
}
