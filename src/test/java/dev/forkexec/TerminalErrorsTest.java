package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.JavaCommand;
import dev.forkexec.testkit.ProcFs;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A terminal that cannot be set up fails the spawn with a SpawnException whose step is "pty" and
 * leaves nothing behind; a failed exec on a terminal closes its master too.
 */
@Timeout(120)
class TerminalErrorsTest {
    private static final int EMFILE = 24;

    /**
     * In a JVM under {@code ulimit -n 64}, each number of free fds from 6 down to 0 fails at its own
     * allocation: a terminal's spawn needs its master and slave, the exec-status pipe and the pidfd.
     */
    @Test
    void runningOutOfFdsFailsAtEachOfTheTerminalsAllocationsWithStepPty() throws Exception {
        Map<String, String> kv = TestSupport.runShell("ulimit -n 64",
                JavaCommand.main(ReliabilityChildMain.class, "emfile-slack-pty", "6").toList());
        String hint = "; a terminal needs two fds in this process while the child starts (its master and slave)";
        Map<Integer, String> expected = new HashMap<>();
        expected.put(0, "pty/" + EMFILE + "/pty /dev/ptmx: Too many open files (EMFILE)" + hint);
        expected.put(1, "pty/" + EMFILE + "/pty opening the terminal's slave (TIOCGPTPEER): Too many open files (EMFILE)"
                + hint);
        for (int slack = 2; slack <= 3; slack++) {
            expected.put(slack, "pipe/" + EMFILE + "/pipe (the exec-status pipe): Too many open files (EMFILE)");
        }
        expected.put(4, "clone/" + EMFILE + "/clone true: Too many open files (EMFILE); no fd was free for the"
                + " child's pidfd");
        for (int slack = 5; slack <= 6; slack++) expected.put(slack, "ok exit 0");
        for (int slack = 0; slack <= 6; slack++) {
            assertEquals(expected.get(slack), kv.get("slack." + slack), "with " + slack + " free fds: " + kv);
            assertEquals(slack == 0 ? "unchecked" : "true", kv.get("unchanged." + slack), "with " + slack
                    + " free fds the attempt changed the fd table: " + kv.get("diff." + slack));
        }
        assertEquals("0", kv.get("zombies"), kv.toString());
    }

    @Test
    void aFailedExecOnATerminalClosesTheMasterToo() throws Exception {
        Map<Integer, String> before = ProcFs.terminalFds();
        SpawnException e = TestSupport.assertFailsCleanly(ProcessSpec.command("/no/such/program").usePTY().build());
        assertEquals("exec", e.step());
        assertEquals(before, ProcFs.terminalFds(), "terminal fds left by the failed spawn");
    }

    @Test
    void aFailedSpawnThroughTheReactorLeavesNoTerminalEither() throws Exception {
        Map<Integer, String> before = ProcFs.terminalFds();
        try (Reactor r = Reactor.create()) {
            SpawnException e = assertThrows(SpawnException.class,
                    () -> r.spawnProcess(new ProcessProtocol() { }, ProcessSpec.command("/no/such/program").usePTY().build()));
            assertTrue(e.getMessage().startsWith("exec /no/such/program"), e.getMessage());
        }
        assertEquals(before, ProcFs.terminalFds(), "terminal fds left by the failed spawn");
    }
}
