package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

/**
 * A {@link ProcessProtocol} that records every callback (what, in which order, on which thread) and
 * every byte, for the reactor tests; Twisted's test_process.py {@code Accumulator} /
 * {@code TrivialProcessProtocol}.
 *
 * <p>Optional hooks ({@link #whenConnected}, {@link #whenData}, {@link #whenLost}, {@link #whenExited})
 * let a test drive the transport from inside the callbacks. A hook that throws (an assertion, say) is
 * remembered and re-thrown by {@link #awaitEnded()}, then rethrown into the reactor as the contract
 * allows.
 */
class RecordingProtocol implements ProcessProtocol {
    /** A hook run inside a callback. */
    interface Hook<T> {
        void run(ProcessTransport transport, T value) throws Exception;
    }

    /** One callback as it happened. */
    static final class Event {
        final String kind; // made, data, lost, exited, ended
        final int fd;
        final int length;
        final ExitStatus status;
        final Thread thread;

        Event(String kind, int fd, int length, ExitStatus status) {
            this.kind = kind;
            this.fd = fd;
            this.length = length;
            this.status = status;
            this.thread = Thread.currentThread();
        }

        @Override
        public String toString() {
            switch (kind) {
                case "data": return "data(" + fd + ", " + length + ")";
                case "lost": return "lost(" + fd + ")";
                case "exited": case "ended": return kind + "(" + status + ")";
                default: return kind;
            }
        }
    }

    private final List<Event> events = new ArrayList<>(); // guarded by this
    private final Map<Integer, ByteArrayOutputStream> data = new TreeMap<>(); // guarded by this
    private final Map<Integer, CRC32> crcs = new TreeMap<>(); // guarded by this
    private final Map<Integer, Long> counts = new TreeMap<>(); // guarded by this
    private final List<Throwable> failures = new ArrayList<>(); // guarded by this
    private final Map<Integer, CompletableFuture<Void>> lostFutures = new ConcurrentHashMap<>();
    private boolean keepData = true;

    final CompletableFuture<ProcessTransport> made = new CompletableFuture<>();
    final CompletableFuture<ExitStatus> exited = new CompletableFuture<>();
    final CompletableFuture<ExitStatus> ended = new CompletableFuture<>();

    private volatile ProcessTransport transport;
    private Hook<Void> onConnected;
    private Hook<ByteBuffer> onData; // sees childFD via dataFD
    private Hook<Integer> onLost;
    private Hook<ExitStatus> onExited;
    private volatile int dataFD;

    // ------------------------------------------------------------ configuration

    RecordingProtocol whenConnected(Hook<Void> hook) {
        this.onConnected = hook;
        return this;
    }

    /** The hook gets the data buffer (read-only view); {@link #currentFD()} names its fd. */
    RecordingProtocol whenData(Hook<ByteBuffer> hook) {
        this.onData = hook;
        return this;
    }

    RecordingProtocol whenLost(Hook<Integer> hook) {
        this.onLost = hook;
        return this;
    }

    RecordingProtocol whenExited(Hook<ExitStatus> hook) {
        this.onExited = hook;
        return this;
    }

    /** Count and checksum the bytes, but do not keep them (for very large transfers). */
    synchronized RecordingProtocol discardData() {
        keepData = false;
        return this;
    }

    /** The fd of the childDataReceived now running (for whenData hooks). */
    int currentFD() {
        return dataFD;
    }

    // ------------------------------------------------------------ ProcessProtocol

    @Override
    public void connectionMade(ProcessTransport t) {
        record(new Event("made", -1, 0, null));
        transport = t;
        made.complete(t);
        hook(onConnected, null);
    }

    @Override
    public void childDataReceived(int childFD, ByteBuffer buf) {
        int length = buf.remaining();
        synchronized (this) {
            events.add(new Event("data", childFD, length, null));
            ByteBuffer view = buf.duplicate();
            byte[] bytes = new byte[length];
            view.get(bytes);
            crcs.computeIfAbsent(childFD, k -> new CRC32()).update(bytes);
            counts.merge(childFD, (long) length, Long::sum);
            if (keepData) data.computeIfAbsent(childFD, k -> new ByteArrayOutputStream()).writeBytes(bytes);
        }
        dataFD = childFD;
        hook(onData, buf.asReadOnlyBuffer());
    }

    @Override
    public void childConnectionLost(int childFD) {
        record(new Event("lost", childFD, 0, null));
        lostFutures.computeIfAbsent(childFD, k -> new CompletableFuture<>()).complete(null);
        hook(onLost, childFD);
    }

    @Override
    public void processExited(ExitStatus status) {
        record(new Event("exited", -1, 0, status));
        exited.complete(status);
        hook(onExited, status);
    }

    @Override
    public void processEnded(ExitStatus status) {
        record(new Event("ended", -1, 0, status));
        ended.complete(status);
    }

    private synchronized void record(Event e) {
        events.add(e);
    }

    private <T> void hook(Hook<T> hook, T value) {
        if (hook == null) return;
        try {
            hook.run(transport, value);
        } catch (Throwable t) {
            synchronized (this) {
                failures.add(t);
            }
            if (t instanceof RuntimeException) throw (RuntimeException) t;
            if (t instanceof Error) throw (Error) t;
            throw new RuntimeException(t);
        }
    }

    // ------------------------------------------------------------ reading what happened

    ProcessTransport transport() {
        return transport;
    }

    synchronized List<Event> events() {
        return new ArrayList<>(events);
    }

    synchronized byte[] bytes(int childFD) {
        ByteArrayOutputStream b = data.get(childFD);
        return b == null ? new byte[0] : b.toByteArray();
    }

    String string(int childFD) {
        return new String(bytes(childFD), StandardCharsets.UTF_8);
    }

    synchronized long count(int childFD) {
        return counts.getOrDefault(childFD, 0L);
    }

    synchronized long crc(int childFD) {
        CRC32 c = crcs.get(childFD);
        return c == null ? new CRC32().getValue() : c.getValue();
    }

    synchronized int countOf(String kind) {
        int n = 0;
        for (Event e : events) {
            if (e.kind.equals(kind)) n++;
        }
        return n;
    }

    /** Index of the first event of this kind (and fd, for data/lost); -1 if none. */
    synchronized int indexOf(String kind, int fd) {
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (e.kind.equals(kind) && (fd < 0 || e.fd == fd)) return i;
        }
        return -1;
    }

    CompletableFuture<Void> lost(int childFD) {
        return lostFutures.computeIfAbsent(childFD, k -> new CompletableFuture<>());
    }

    synchronized List<Throwable> failures() {
        return new ArrayList<>(failures);
    }

    /** Waits for processEnded; fails with the first hook failure if there was one. */
    ExitStatus awaitEnded() {
        ExitStatus s = ReactorTestSupport.await(ended);
        assertNoHookFailures();
        return s;
    }

    void assertNoHookFailures() {
        List<Throwable> f = failures();
        if (!f.isEmpty()) {
            AssertionError e = new AssertionError("a callback hook failed: " + f.get(0), f.get(0));
            for (int i = 1; i < f.size(); i++) e.addSuppressed(f.get(i));
            throw e;
        }
    }

    /**
     * The life-cycle contract, once processEnded came: connectionMade once and first; processExited
     * once, before processEnded; processEnded once and last; childConnectionLost exactly once for each
     * pipe of {@code pipes} and for nothing else; no data on an fd after its childConnectionLost; every
     * callback but connectionMade on one thread named forkexec-reactor-N.
     */
    synchronized void assertWellFormed(Set<Integer> pipes) {
        List<Event> ev = new ArrayList<>(events);
        assertTrue(ev.size() >= 3, "too few callbacks: " + ev);
        assertEquals("made", ev.get(0).kind, "connectionMade must come first: " + ev);
        assertEquals(1, countOf("made"), "connectionMade exactly once: " + ev);
        assertEquals("ended", ev.get(ev.size() - 1).kind, "processEnded must come last: " + ev);
        assertEquals(1, countOf("ended"), "processEnded exactly once: " + ev);
        assertEquals(1, countOf("exited"), "processExited exactly once: " + ev);
        assertTrue(indexOf("exited", -1) < indexOf("ended", -1), "processExited before processEnded: " + ev);
        assertEquals(ev.get(ev.size() - 1).status, ev.get(indexOf("exited", -1)).status,
                "processExited and processEnded report one status");
        Set<Integer> lostFds = new TreeSet<>();
        for (Event e : ev) {
            if (e.kind.equals("lost") && !lostFds.add(e.fd)) fail("childConnectionLost(" + e.fd + ") twice: " + ev);
            if (e.kind.equals("data") && lostFds.contains(e.fd)) fail("data on fd " + e.fd + " after its loss: " + ev);
        }
        assertEquals(new TreeSet<>(pipes), lostFds, "childConnectionLost once per pipe: " + ev);
        Thread loop = ev.get(1).thread;
        assertTrue(loop.getName().startsWith("forkexec-reactor-"), "callbacks on the reactor thread, not " + loop);
        for (int i = 1; i < ev.size(); i++) {
            assertSame(loop, ev.get(i).thread, "every callback after connectionMade on one reactor thread: " + ev.get(i));
        }
    }

    /** {@link #assertWellFormed(Set)} for the pipes of the spawned child's spec (a terminal counts as fd 1). */
    void assertWellFormed() {
        ProcessTransport t = transport;
        assertNotNull(t, "connectionMade never came");
        Set<Integer> pipes = new TreeSet<>();
        for (Map.Entry<Integer, ChildFD> e : ((ChildProcess) t).spec().childFDs().entrySet()) {
            if (e.getValue().isPipe()) pipes.add(e.getKey());
        }
        if (((ChildProcess) t).spec().usesPTY()) pipes.add(1);
        assertWellFormed(pipes);
    }

    /** Reactor thread seen by the callbacks after connectionMade (null if none yet). */
    synchronized Thread reactorThread() {
        for (Event e : events) {
            if (!e.kind.equals("made")) return e.thread;
        }
        return null;
    }

    @Override
    public synchronized String toString() {
        return "RecordingProtocol" + events;
    }
}
