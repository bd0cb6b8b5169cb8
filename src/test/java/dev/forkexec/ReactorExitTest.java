package dev.forkexec;

import static dev.forkexec.ReactorTestSupport.assertExited;
import static dev.forkexec.ReactorTestSupport.assertKilled;
import static dev.forkexec.ReactorTestSupport.await;
import static dev.forkexec.ReactorTestSupport.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exit codes through processExited, processEnded and onExit, signals, toString and a bad directory
 * (Twisted's test_process exit/signal tests). A missing program, and exit decoding as every way
 * shares it: {@link SharedBehavioursTest}.
 */
class ReactorExitTest {
    @RegisterExtension
    final ReactorTestSupport rt = new ReactorTestSupport();

    @ParameterizedTest(name = "exit {0}")
    @ValueSource(ints = {0, 1, 42, 255})
    void exitCodeReachesProcessExitedAndProcessEnded(int code) throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, sh("exit " + code).build());
        ExitStatus ended = p.awaitEnded();
        assertExited(code, ended);
        assertEquals(code, await(p.exited).exitCode());
        assertEquals(code == 0, ended.isSuccess());
        assertEquals(ended, await(c.onExit()));
        p.assertWellFormed();
    }

    /** The signal reaches a sleeping child, by each accepted spelling; Twisted's test_signal. */
    @ParameterizedTest(name = "{0} via {1}")
    @CsvSource({
        "1, HUP", "1, SIGHUP", "1, 1",
        "2, INT", "2, SIGINT", "2, sigint",
        "9, KILL", "9, SIGKILL", "9, #9",
        "15, TERM", "15, SIGTERM", "15, 15",
        "10, USR1", "10, SIGUSR1", "10, #10",
    })
    void signalEndsASleepingChild(int number, String how) throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("sleep", "100").build());
        if (how.startsWith("#")) {
            c.signalProcess(Integer.parseInt(how.substring(1)));
        } else {
            c.signalProcess(how);
        }
        ExitStatus s = p.awaitEnded();
        assertKilled(number, s);
        assertEquals(s, await(p.exited));
        p.assertWellFormed();
        // Reaped: no more signals, by name or number.
        assertThrows(ProcessExitedAlreadyException.class, () -> c.signalProcess("TERM"));
        assertThrows(ProcessExitedAlreadyException.class, () -> c.signalProcess(9));
    }

    @Test
    void signalAfterANormalExitThrowsProcessExitedAlready() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("true").build());
        assertExited(0, p.awaitEnded());
        ProcessExitedAlreadyException e = assertThrows(ProcessExitedAlreadyException.class, () -> c.signalProcess("KILL"));
        assertTrue(e instanceof IllegalStateException);
    }

    @Test
    void signalInsideProcessExitedThrowsProcessExitedAlready() throws Exception {
        // Twisted raises ProcessExitedAlready as soon as the child was reaped, before processEnded.
        RecordingProtocol p = new RecordingProtocol().whenExited((t, s) ->
                assertThrows(ProcessExitedAlreadyException.class, () -> t.signalProcess("TERM")));
        rt.reactor().spawnProcess(p, ProcessSpec.command("true").build());
        assertExited(0, p.awaitEnded());
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"NOPE", "SIGNOPE", "", "SIG", "99", "-1", "TERM9", "1.5"})
    void unknownSignalNameIsIllegalArgument(String name) throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("sleep", "100").build());
        assertThrows(IllegalArgumentException.class, () -> c.signalProcess(name));
        assertThrows(IllegalArgumentException.class, () -> c.signalProcess(65));
        assertThrows(IllegalArgumentException.class, () -> c.signalProcess(-1));
        // The child was not touched.
        assertFalse(p.exited.isDone(), "the child must still run: " + p);
        c.signalProcess("KILL");
        assertKilled(9, p.awaitEnded());
    }

    @Test
    void toStringNamesThePidAndTheStatus() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, sh("read x; exit 3").build());
        String running = c.toString();
        assertTrue(running.contains(Long.toString(c.pid())), running);
        c.closeStdin();
        ExitStatus s = p.awaitEnded();
        String done = c.toString();
        assertTrue(done.contains(Long.toString(c.pid())), done);
        assertTrue(done.contains(s.toString()), done + " should name " + s);
        assertTrue(done.contains("3"), done);
    }

    @Test
    void pidIsTheChildsPid() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, sh("echo $$").build());
        assertExited(0, p.awaitEnded());
        assertEquals(Long.toString(c.pid()), p.string(1).trim());
        assertEquals(c.pid(), p.transport().pid());
    }

    @Test
    void childWithNoPipesAtAllStillEnds() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, sh("exit 6").childFDs(Map.of()).build());
        assertExited(6, p.awaitEnded());
        p.assertWellFormed(java.util.Set.of());
        assertEquals(3, p.events().size(), "made, exited, ended: " + p);
        assertThrows(IllegalStateException.class, () -> c.write(new byte[] {1}));
    }

    @Test
    void badDirectoryThrowsSpawnExceptionAndTheReactorGoesOn(@TempDir Path dir) throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        SpawnException e = assertThrows(SpawnException.class, () -> rt.reactor().spawnProcess(p,
                ProcessSpec.command("true").directory(dir.resolve("missing")).build()));
        assertEquals("chdir", e.step());
        assertTrue(p.events().isEmpty(), "protocol was called: " + p);
        RecordingProtocol q = new RecordingProtocol();
        rt.reactor().spawnProcess(q, ProcessSpec.command("true").build());
        assertExited(0, q.awaitEnded());
    }

    @Test
    void thirtyTwoExitCodesAcrossTheRangeAreReportedExactly() throws Exception {
        // 32 children at once, spread over the range.
        Reactor reactor = rt.reactor();
        RecordingProtocol[] ps = new RecordingProtocol[32];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = new RecordingProtocol();
            reactor.spawnProcess(ps[i], sh("exit " + (i * 8 + 7)).childFDs(Map.of()).build());
        }
        for (int i = 0; i < ps.length; i++) assertExited(i * 8 + 7, ps[i].awaitEnded());
    }
}
