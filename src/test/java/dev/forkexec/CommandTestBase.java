package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Command suites share: {@code run()} under a hang guard, {@code run()} within a bound, and
 * descendants a test started that must not outlive it.
 */
abstract class CommandTestBase {
    /** Longer than any test needs: reaching it means run() hung. */
    static final Duration HANG = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private final List<ProcessHandle> strays = new ArrayList<>();

    @AfterEach
    void killStrays() {
        for (ProcessHandle h : strays) h.destroyForcibly();
        Thread.interrupted();
    }

    /** A process the test started indirectly, killed after the test whatever happened. */
    void stray(long pid) {
        ProcessHandle.of(pid).ifPresent(strays::add);
    }

    static CommandResult run(Command c) {
        return assertTimeoutPreemptively(HANG, c::run, () -> "run() did not return within " + HANG);
    }

    /** run(), which must return within max after it was called. */
    static CommandResult runWithin(Command c, Duration max) {
        long t0 = System.nanoTime();
        CommandResult r = run(c);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertTrue(took.compareTo(max) <= 0, () -> "run() took " + took.toMillis() + " ms; the bound is " + max.toMillis() + " ms");
        return r;
    }
}
