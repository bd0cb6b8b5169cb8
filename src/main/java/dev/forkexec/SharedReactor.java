package dev.forkexec;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The one {@link Reactor} behind {@link Command} and {@link Processes}: created on first use, never
 * closed, its thread a daemon ({@code forkexec-reactor-N}), so it never keeps the JVM alive. Every
 * command and every adapted {@link Process} of the JVM is watched by this one thread: no thread per
 * child, however many run at once.
 */
final class SharedReactor {
    private static final Object LOCK = new Object();
    private static volatile Reactor reactor;
    private static volatile Thread thread;

    private SharedReactor() {}

    /** The shared reactor, created (with its thread) on the first call. */
    static Reactor get() {
        Reactor r = reactor;
        if (r != null) return r;
        synchronized (LOCK) {
            if (reactor == null) {
                Reactor created = Reactor.create();
                CountDownLatch known = new CountDownLatch(1);
                created.callLater(Duration.ZERO, () -> {
                    thread = Thread.currentThread();
                    known.countDown();
                });
                boolean interrupted = false;
                while (true) {
                    try {
                        known.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) Thread.currentThread().interrupt();
                reactor = created;
            }
            return reactor;
        }
    }

    /** Whether the caller is the shared reactor's thread (where blocking on a child would deadlock). */
    static boolean inReactorThread() {
        return Thread.currentThread() == thread;
    }
}
