package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.ProcFs;
import dev.forkexec.testkit.ProcStat;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Signals by name and number, waiting, and close() of a live child. Exit codes, death by signal and
 * core dumps as every way reports them: {@link SharedBehavioursTest}.
 */
@Timeout(60)
class SignalsAndExitTest {
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;

    /** {@code cat} blocked reading a stdin pipe we hold open: alive until signalled. */
    private static Subprocess blockedCat() throws Exception {
        return Subprocess.start(ProcessSpec.command("cat")
                .childFDs(Map.of(0, ChildFD.parentWrites(), 1, ChildFD.parentReads())).build());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 127, 255})
    void exitCodeIsReported(int code) throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sh", "-c", "exit " + code).childFDs(Map.of()).build())) {
            ExitStatus s = p.waitFor();
            assertEquals(code, s.exitCode());
            assertEquals(0, s.signal());
            assertFalse(s.coreDumped());
            assertEquals(code == 0, s.isSuccess());
            assertEquals(ExitStatus.exited(code), s);
            assertEquals("exit " + code, s.toString());
        }
    }

    @Test
    void signalByShortNameTerminatesTheChild() throws Exception {
        try (Subprocess p = blockedCat()) {
            p.signal("TERM");
            ExitStatus s = p.waitFor();
            assertEquals(SIGTERM, s.signal());
            assertEquals(-1, s.exitCode());
            assertFalse(s.isSuccess());
            assertFalse(s.coreDumped());
            assertEquals("signal 15 (SIGTERM)", s.toString());
        }
    }

    @Test
    void signalByFullNameKillsTheChild() throws Exception {
        try (Subprocess p = blockedCat()) {
            p.signal("SIGKILL");
            assertEquals(ExitStatus.killed(SIGKILL, false), p.waitFor());
        }
    }

    @Test
    void signalByNumberKillsTheChild() throws Exception {
        try (Subprocess p = blockedCat()) {
            p.signal(9);
            assertEquals(SIGKILL, p.waitFor().signal());
        }
    }

    @Test
    void unknownSignalNameIsRejectedAndTheChildLivesOn() throws Exception {
        try (Subprocess p = blockedCat()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.signal("NOSUCHSIG"));
            assertTrue(e.getMessage().contains("NOSUCHSIG"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> p.signal(65));
            assertThrows(IllegalArgumentException.class, () -> p.signal(-1));
            assertEquals(Optional.empty(), p.tryWait());
            p.channel(0).close(); // EOF: cat exits 0
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void signalAfterReapingThrowsProcessExitedAlready() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").childFDs(Map.of()).build())) {
            assertEquals(ExitStatus.exited(0), p.waitFor());
            ProcessExitedAlreadyException e = assertThrows(ProcessExitedAlreadyException.class, () -> p.signal("TERM"));
            assertTrue(e.getMessage().contains(String.valueOf(p.pid())), e.getMessage());
            assertThrows(ProcessExitedAlreadyException.class, () -> p.signal(0));
            assertTrue(e instanceof IllegalStateException);
        }
    }

    @Test
    void waitStatusIsKeptAfterReaping() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sh", "-c", "exit 7").childFDs(Map.of()).build())) {
            ExitStatus s = p.waitFor();
            assertEquals(Optional.of(s), p.tryWait());
            assertEquals(s, p.waitFor());
            assertEquals(Optional.of(s), p.waitFor(Duration.ofMillis(1)));
            assertEquals(Optional.of(s), p.exitStatus());
            assertTrue(p.toString().contains("exit 7"), p.toString());
        }
    }

    @Test
    void waitForWithTimeoutReturnsEmptyWhileTheChildRuns() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sleep", "10").childFDs(Map.of()).build())) {
            assertEquals(Optional.empty(), p.waitFor(Duration.ofMillis(200)));
            assertEquals(Optional.empty(), p.tryWait());
            assertTrue(p.toString().contains("running"), p.toString());
        }
    }

    @Test
    void closeKillsAndReapsALiveChild() throws Exception {
        Map<Integer, String> fdsBefore = ProcFs.pipeAndPidfdFds();
        Subprocess p = Subprocess.start(ProcessSpec.command("sleep", "10").build());
        long pid = p.pid();
        assertTrue(ProcFs.isOurChild(pid));
        assertEquals(Optional.empty(), p.waitFor(Duration.ofMillis(100)));
        p.close();
        assertFalse(ProcFs.isOurChild(pid), "the child still exists after close()");
        assertEquals(Set.of(), ProcFs.zombieChildren().stream().filter(z -> z == pid).collect(
                java.util.stream.Collectors.toSet()));
        assertEquals(fdsBefore, ProcFs.pipeAndPidfdFds(), "close() must close the pipes and the pidfd");
        p.close(); // idempotent
        assertThrows(ProcessExitedAlreadyException.class, () -> p.signal("TERM"));
    }

    @Test
    void closeAfterExitLeavesNoZombie() throws Exception {
        Subprocess p = Subprocess.start(ProcessSpec.command("true").childFDs(Map.of(1, ChildFD.parentReads())).build());
        long pid = p.pid();
        assertEquals("", TestSupport.readString(p.channel(1)));
        p.close(); // not waited for: close() reaps it
        assertFalse(ProcFs.isOurChild(pid));
        assertFalse(ProcFs.zombieChildren().contains(pid));
    }

    @Test
    void waitForIsInterruptible() throws Exception {
        try (Subprocess p = blockedCat()) {
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, p::waitFor);
            assertFalse(Thread.interrupted());
            assertEquals(Optional.empty(), p.tryWait());
        }
    }

    @Test
    void pidAndPidfdIdentifyTheChild() throws Exception {
        try (Subprocess p = blockedCat()) {
            assertTrue(ProcFs.isOurChild(p.pid()));
            assertEquals("anon_inode:[pidfd]", ProcFs.openFds().get(p.pidfd()));
            String fdinfo = ProcFs.fdinfo(p.pidfd());
            assertTrue(fdinfo.contains("Pid:\t" + p.pid()), fdinfo);
            assertEquals("cat", ProcStat.of(p.pid()).orElseThrow().comm());
        }
    }
}
