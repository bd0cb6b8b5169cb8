package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link Reactor#callLater}: delayed calls on the reactor's thread, in deadline order, cancellable. */
class ReactorTimersTest {
    @RegisterExtension
    @Order(1)
    final CapturedLogs logs = new CapturedLogs();

    @RegisterExtension
    @Order(2)
    final ReactorTestSupport rt = new ReactorTestSupport();

    @Test
    void aDelayedCallRunsOnTheReactorThreadAfterItsDelay() throws Exception {
        Reactor r = rt.reactor();
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        long start = System.nanoTime();
        r.callLater(Duration.ofMillis(50), () -> ran.complete(Thread.currentThread()));
        Thread t = ran.get(ReactorTestSupport.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50), "ran before its delay");
        assertTrue(t.getName().startsWith("forkexec-reactor-"), "ran on " + t.getName());
    }

    @Test
    void delayedCallsRunInDeadlineOrderNotCallOrder() throws Exception {
        Reactor r = rt.reactor();
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        r.callLater(Duration.ofMillis(120), () -> {
            order.add("late");
            done.complete(null);
        });
        r.callLater(Duration.ofMillis(10), () -> order.add("early"));
        r.callLater(Duration.ZERO, () -> order.add("now"));
        done.get(ReactorTestSupport.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertEquals(List.of("now", "early", "late"), order);
    }

    @Test
    void aCancelledCallNeverRuns() throws Exception {
        Reactor r = rt.reactor();
        List<String> ran = new CopyOnWriteArrayList<>();
        Reactor.DelayedCall call = r.callLater(Duration.ofMillis(30), () -> ran.add("cancelled one"));
        assertTrue(call.isActive());
        assertTrue(call.cancel(), "a pending call cancels");
        assertFalse(call.isActive());
        assertFalse(call.cancel(), "a second cancel reports nothing pending");
        CompletableFuture<Void> after = new CompletableFuture<>();
        r.callLater(Duration.ofMillis(80), () -> after.complete(null));
        after.get(ReactorTestSupport.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertEquals(List.of(), ran);
    }

    @Test
    void aCallThatRanCannotBeCancelled() throws Exception {
        Reactor r = rt.reactor();
        CompletableFuture<Void> ran = new CompletableFuture<>();
        Reactor.DelayedCall call = r.callLater(Duration.ZERO, () -> ran.complete(null));
        ran.get(ReactorTestSupport.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertFalse(call.isActive());
        assertFalse(call.cancel());
    }

    @Test
    void aThrowingCallIsLoggedAndDoesNotStopTheReactor() throws Exception {
        Reactor r = rt.reactor();
        r.callLater(Duration.ZERO, () -> {
            throw new IllegalStateException("fails on purpose");
        });
        r.callLater(Duration.ZERO, () -> {
            throw new StackOverflowError("an Error, on purpose");
        });
        CompletableFuture<Void> next = new CompletableFuture<>();
        r.callLater(Duration.ofMillis(20), () -> next.complete(null));
        next.get(ReactorTestSupport.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        ExitStatus s = ReactorTestSupport.await(r.spawnProcess(new ProcessProtocol() {}, ProcessSpec.command("true")
                .childFDs(java.util.Map.of()).build()).onExit());
        assertEquals(ExitStatus.exited(0), s);
        List<java.util.logging.LogRecord> logged = logs.expectAll(java.util.logging.Level.SEVERE,
                "a callLater task threw; the reactor goes on");
        assertEquals(List.of("fails on purpose", "an Error, on purpose"),
                logged.stream().map(l -> l.getThrown().getMessage()).toList());
    }

    @Test
    void callFromThreadRunsTasksOnTheReactorThreadInCallOrder() throws Exception {
        Reactor r = rt.reactor();
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Thread> last = new CompletableFuture<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            r.callFromThread(() -> order.add(Integer.toString(n)));
        }
        r.callFromThread(() -> {
            throw new StackOverflowError("an Error, on purpose");
        });
        r.callFromThread(() -> last.complete(Thread.currentThread()));
        assertTrue(last.get(ReactorTestSupport.TIMEOUT_SECONDS, TimeUnit.SECONDS).getName().startsWith("forkexec-reactor-"));
        assertEquals(java.util.stream.IntStream.range(0, 100).mapToObj(Integer::toString).toList(), order);
        assertEquals("an Error, on purpose", logs.expect(java.util.logging.Level.SEVERE,
                "a callFromThread task threw; the reactor goes on").getThrown().getMessage());
    }

    @Test
    void closeDropsPendingCallsAndRefusesNewOnes() throws Exception {
        Reactor r = rt.newReactor();
        List<String> ran = new CopyOnWriteArrayList<>();
        r.callLater(Duration.ofHours(1), () -> ran.add("dropped"));
        ReactorTestSupport.closeWithin(r, ReactorTestSupport.TIMEOUT_SECONDS);
        assertEquals(List.of(), ran);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> r.callLater(Duration.ZERO, () -> ran.add("late")));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> r.callFromThread(() -> ran.add("late")));
    }
}
