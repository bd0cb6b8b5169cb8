package dev.forkexec.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Creates the children that ask for a parent-death signal. The kernel sends that signal when the
 * <em>thread</em> that created the child ends (PR_SET_PDEATHSIG is per thread), so a child started
 * from a short-lived thread would be killed when that thread ends, not when the JVM does. These
 * spawns therefore all run on one daemon thread that lives as long as the JVM.
 */
public final class DeathSignalSpawner {
    private static final LinkedBlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();

    static {
        Thread t = new Thread(DeathSignalSpawner::serve, "forkexec-pdeathsig-spawner");
        t.setDaemon(true);
        t.start();
    }

    private DeathSignalSpawner() {}

    private static void serve() {
        for (;;) {
            try {
                QUEUE.take().run();
            } catch (InterruptedException e) {
                // nobody interrupts this thread on purpose; it must outlive every child it made
            }
        }
    }

    /** Spawns on the long-lived thread and waits, uninterruptibly, for the result (a spawn is short). */
    public static SpawnResult spawn(SpawnRequest request, boolean nonBlocking) {
        CompletableFuture<SpawnResult> result = new CompletableFuture<>();
        QUEUE.add(() -> {
            try {
                result.complete(request.spawn(nonBlocking));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the child may already exist: wait for it, never abandon it
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException) throw (RuntimeException) cause;
                    if (cause instanceof Error) throw (Error) cause;
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
