package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.JavaCommand;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Children reaped outside the library: with SIGCHLD ignored (SIG_IGN) the kernel reaps them itself.
 * Each case runs in a child JVM that ignores SIGCHLD, since that would disturb this one. On Linux
 * 6.15+ the real statuses come from the pidfds; with {@code -Dforkexec.pidfdInfo=false} (as on older
 * kernels) they are ExitStatus.unknown(). Either way processEnded fires once, onExit() completes,
 * close() returns, nothing leaks, and one log line names the cause and the fix.
 */
class ReapedElsewhereTest {
    private static Map<String, String> run(String... jvmArgs) throws Exception {
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(JavaCommand.main(ChildJvmMain.class, "sigchld-ignored")
                .jvmArgs(jvmArgs).toList()).childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads()))
                .build());
        assertEquals(ExitStatus.exited(0), r.status(), r.out() + r.err());
        Map<String, String> kv = TestSupport.keyValues(r.out());
        kv.put("stderr", r.err());
        return kv;
    }

    @Test
    void withSigchldIgnoredTheRealStatusesComeFromThePidfd() throws Exception {
        Map<String, String> kv = run();
        if (!"true".equals(kv.get("pidfd-info"))) {
            return; // a kernel before 6.15 keeps no status: the next test covers what happens then
        }
        assertEquals("exit 0|exit 3|exit 7|signal 9 (SIGKILL)", kv.get("subprocess"), kv.toString());
        assertEquals("exit 0|exit 3|exit 7|signal 9 (SIGKILL)", kv.get("reactor"), kv.toString());
        assertEquals("exit 0|exit 3|exit 7|signal 9 (SIGKILL)", kv.get("reactor-onexit"), kv.toString());
        assertEquals("false", kv.get("usage"), "the kernel reaped them: no usage can be known");
        assertNothingLost(kv);
    }

    @Test
    void withoutPidfdInfoTheStatusesAreUnknownAndSaySo() throws Exception {
        Map<String, String> kv = run("-Dforkexec.pidfdInfo=false");
        String unknown = "status unknown (reaped outside forkexec)";
        assertEquals(String.join("|", unknown, unknown, unknown, unknown), kv.get("subprocess"), kv.toString());
        assertEquals(String.join("|", unknown, unknown, unknown, unknown), kv.get("reactor"), kv.toString());
        assertEquals("false", kv.get("known"));
        assertNothingLost(kv);
    }

    private static void assertNothingLost(Map<String, String> kv) {
        assertEquals("4", kv.get("ended-once"), "processEnded once per child: " + kv);
        assertEquals("true", kv.get("reactor-closed"), "Reactor.close() returned");
        assertEquals("true", kv.get("subprocess-closed"), "Subprocess.close() returned");
        assertEquals("{}", kv.get("leaked-fds"), "pipes or pidfds left open: " + kv);
        assertEquals("[]", kv.get("zombies"));
        String log = kv.get("stderr");
        int at = log.indexOf("SIGCHLD is ignored in this JVM");
        assertTrue(at >= 0, "no log line names the cause: " + log);
        assertTrue(log.contains("Fix: stop ignoring SIGCHLD"), "the log line names no fix: " + log);
        assertFalse(log.indexOf("SIGCHLD is ignored in this JVM", at + 1) >= 0, "said more than once: " + log);
    }
}
