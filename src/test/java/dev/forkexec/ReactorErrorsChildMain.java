package dev.forkexec;

import dev.forkexec.testkit.ProcFs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The main class of {@link ReactorErrorsTest}'s child JVMs: real {@link StackOverflowError}s and
 * {@link OutOfMemoryError}s thrown by protocol callbacks, which would disturb the test JVM (a heap
 * filled to the brim, a thread's stack overflowed). Runs with {@code -Xmx64m}; prints
 * {@code key=value} lines, and one {@code log.N=LEVEL|message|throwable class} line per record the
 * library logged (kept off stderr: a stack overflow's trace is a thousand lines). Every wait has a
 * deadline, so a broken reactor makes this print {@code timeout} and exit rather than hang. Only this
 * JVM's classes and {@link ProcFs}: the child's classpath holds no JUnit.
 */
public final class ReactorErrorsChildMain {
    private static final long SECONDS = 20;
    private static final AtomicInteger LOGS = new AtomicInteger();
    /** The parent of the library's loggers; held strongly, java.util.logging keeps only weak references. */
    private static final Logger LIBRARY_LOGGER = Logger.getLogger("dev.forkexec");

    private ReactorErrorsChildMain() {}

    public static void main(String[] args) throws Exception {
        LIBRARY_LOGGER.setUseParentHandlers(false);
        LIBRARY_LOGGER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                Throwable t = r.getThrown();
                System.out.println("log." + LOGS.incrementAndGet() + "=" + r.getLevel() + "|" + r.getMessage() + "|"
                        + (t == null ? "" : t.getClass().getName()));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
        Map<Integer, String> fdsBefore = ProcFs.kernelObjectFds();
        switch (args[0]) {
            case "callback-errors":
                callbackErrors();
                break;
            case "connection-made-error":
                connectionMadeError();
                break;
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        Map<Integer, String> fdsAfter = ProcFs.kernelObjectFds();
        fdsAfter.entrySet().removeIf(e -> e.getValue().equals(fdsBefore.get(e.getKey())));
        System.out.println("fds-leaked=" + fdsAfter);
        System.out.println("zombies=" + ProcFs.zombieChildren().size());
        System.out.println("reactor-threads=" + ProcFs.liveThreads("forkexec-reactor-").size());
        System.out.flush();
        System.exit(0); // whatever a broken reactor left running
    }

    /** A protocol that keeps fd 1's text and completes {@link #ended} in processEnded. */
    static class Collecting implements ProcessProtocol {
        final StringBuilder out = new StringBuilder(); // reactor thread only, read after ended
        final CompletableFuture<ExitStatus> ended = new CompletableFuture<>();

        @Override
        public void outReceived(ByteBuffer data) {
            out.append(StandardCharsets.UTF_8.decode(data));
        }

        @Override
        public void processEnded(ExitStatus status) {
            ended.complete(status);
        }
    }

    /**
     * A child whose outReceived overflows the reactor thread's stack, one whose outReceived fills the
     * heap, a {@code cat} that must keep working, a spawn after both, and a {@code sleep} that
     * close() must kill and reap.
     */
    private static void callbackErrors() throws Exception {
        Reactor reactor = Reactor.create();
        Collecting good = new Collecting();
        ChildProcess goodChild = reactor.spawnProcess(good, ProcessSpec.command("cat").build());

        Collecting overflow = new Collecting() {
            @Override
            public void outReceived(ByteBuffer data) {
                recurse(0);
            }
        };
        ChildProcess overflowChild = reactor.spawnProcess(overflow, ProcessSpec.command("echo", "overflow").build());
        System.out.println("overflow.pid=" + overflowChild.pid());
        System.out.println("overflow.ended=" + get(overflow.ended));

        Collecting hog = new Collecting() {
            @Override
            public void outReceived(ByteBuffer data) {
                List<long[]> heap = new ArrayList<>();
                for (;;) heap.add(new long[1 << 20]); // 8 MiB a time until -Xmx64m runs out
            }
        };
        ChildProcess hogChild = reactor.spawnProcess(hog, ProcessSpec.command("echo", "hog").build());
        System.out.println("hog.pid=" + hogChild.pid());
        System.out.println("hog.ended=" + get(hog.ended));

        goodChild.write("still working".getBytes(StandardCharsets.US_ASCII));
        goodChild.closeStdin();
        System.out.println("good.ended=" + get(good.ended));
        System.out.println("good.out=" + good.out);

        Collecting later = new Collecting();
        reactor.spawnProcess(later, ProcessSpec.command("echo", "later").build());
        System.out.println("later.ended=" + get(later.ended));
        System.out.println("later.out=" + later.out.toString().strip());

        Collecting sleeper = new Collecting();
        reactor.spawnProcess(sleeper, ProcessSpec.command("sleep", "100").build());
        System.out.println("close.returned=" + closeWithin(reactor));
        System.out.println("sleeper.ended=" + (sleeper.ended.isDone() ? sleeper.ended.join() : "not ended by close()"));
    }

    /** Recurses until the stack overflows; never returns normally. */
    static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    /**
     * A connectionMade that overflows the stack (on the spawning thread, here main) after writing,
     * registering a pull producer and closing stdout: spawnProcess must throw that error, and the
     * child must be gone (killed, reaped, fds closed) with no other callback; the reactor goes on.
     */
    private static void connectionMadeError() throws Exception {
        Reactor reactor = Reactor.create();
        AtomicLong pid = new AtomicLong(-1);
        AtomicInteger laterCallbacks = new AtomicInteger();
        ProcessProtocol failing = new ProcessProtocol() {
            @Override
            public void connectionMade(ProcessTransport t) {
                pid.set(t.pid());
                t.write("queued before the failure".getBytes(StandardCharsets.US_ASCII));
                t.registerProducer(new Producer() {
                    @Override
                    public void pauseProducing() {
                        laterCallbacks.incrementAndGet();
                    }

                    @Override
                    public void resumeProducing() {
                        laterCallbacks.incrementAndGet();
                    }

                    @Override
                    public void stopProducing() {
                        laterCallbacks.incrementAndGet();
                    }
                }, false);
                t.closeStdout();
                recurse(0);
            }

            @Override
            public void childDataReceived(int childFD, ByteBuffer data) {
                laterCallbacks.incrementAndGet();
            }

            @Override
            public void childConnectionLost(int childFD) {
                laterCallbacks.incrementAndGet();
            }

            @Override
            public void processExited(ExitStatus status) {
                laterCallbacks.incrementAndGet();
            }

            @Override
            public void processEnded(ExitStatus status) {
                laterCallbacks.incrementAndGet();
            }
        };
        try {
            reactor.spawnProcess(failing, ProcessSpec.command("cat").build());
            System.out.println("spawn=returned");
        } catch (StackOverflowError expected) {
            System.out.println("spawn=" + expected.getClass().getName());
        }
        System.out.println("failed.pid-is-our-child=" + ProcFs.isOurChild(pid.get()));
        Collecting later = new Collecting();
        reactor.spawnProcess(later, ProcessSpec.command("echo", "later").build());
        System.out.println("later.ended=" + get(later.ended));
        System.out.println("later.out=" + later.out.toString().strip());
        System.out.println("close.returned=" + closeWithin(reactor));
        System.out.println("failed.later-callbacks=" + laterCallbacks.get());
    }

    private static String get(CompletableFuture<ExitStatus> f) throws Exception {
        try {
            return f.get(SECONDS, TimeUnit.SECONDS).toString();
        } catch (TimeoutException e) {
            return "timeout";
        }
    }

    private static boolean closeWithin(Reactor r) throws InterruptedException {
        Thread closer = new Thread(r::close, "closer");
        closer.setDaemon(true);
        closer.start();
        closer.join(TimeUnit.SECONDS.toMillis(SECONDS));
        return !closer.isAlive();
    }
}
