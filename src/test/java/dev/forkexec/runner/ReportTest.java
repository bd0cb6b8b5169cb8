package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forkexec.ExitStatus;
import dev.forkexec.ResourceUsage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The --report JSON lines. */
class ReportTest {
    private static String json(String s) {
        StringBuilder b = new StringBuilder();
        Report.string(b, s);
        return b.toString();
    }

    @Test
    void stringsEscapeQuotesBackslashesAndControls() {
        assertEquals("\"a\\\"b\\\\c\"", json("a\"b\\c"));
        assertEquals("\"\\n\\r\\t\\b\\f\\u0000\\u001f\"", json("\n\r\t\b\f\0\u001f"));
        assertEquals("\"é €\"", json("é €"));
        assertEquals("\"\\u2028\"", json("\u2028"));
    }

    @Test
    void loneSurrogatesAreEscapedPairsAreKept() {
        assertEquals("\"\\ud800x\"", json("\ud800x"));
        assertEquals("\"\ud83d\ude00\"", json("\ud83d\ude00"));
    }

    @Test
    void aLineHoldsTheContractsFields() {
        Job j = new Job(3, new String[] {"a b"});
        j.slot = 2;
        j.tries = 1;
        j.argv = List.of("echo", "a b");
        j.status = ExitStatus.exited(4);
        j.startMillis = 1_700_000_000_123L;
        j.runtimeNanos = 4_567_000_000L;
        j.stdoutBytes = 4;
        j.usage = new ResourceUsage(Duration.ofMillis(1500), Duration.ofNanos(2_345_678), 3_473_408, 0, 0, 0, 0, 0, 0);
        assertEquals("{\"seq\":3,\"slot\":2,\"command\":[\"echo\",\"a b\"],\"exit\":4,\"signal\":0,\"timedOut\":false,"
                + "\"tries\":1,\"start\":1700000000.123,\"runtime\":4.567,\"userTime\":1.500000,\"systemTime\":0.002345,"
                + "\"maxRss\":3473408,\"stdoutBytes\":4,\"stderrBytes\":0}\n",
                Report.line(j));
    }

    @Test
    void unknownUsageIsNull() {
        Job j = new Job(1, new String[] {"x"});
        j.argv = List.of("x");
        j.status = ExitStatus.exited(0);
        String line = Report.line(j);
        assertEquals(true, line.contains("\"userTime\":null,\"systemTime\":null,\"maxRss\":null,"), line);
    }

    @Test
    void aSignalledJobHasANullExit() {
        Job j = new Job(1, new String[] {"x"});
        j.argv = List.of("sleep", "9");
        j.status = ExitStatus.killed(15, false);
        j.timedOut = true;
        String line = Report.line(j);
        assertEquals(true, line.contains("\"exit\":null,\"signal\":15,\"timedOut\":true"), line);
    }

    @Test
    void aJobThatCouldNotStartHasTheShellsExitAndTheError() {
        Job j = new Job(1, new String[] {"x"});
        j.argv = List.of("nosuch");
        j.startError = "exec nosuch: No such file or directory (ENOENT)";
        j.startErrorExitval = 127;
        String line = Report.line(j);
        assertEquals(true, line.contains("\"exit\":127,\"signal\":0"), line);
        assertEquals(true, line.endsWith(",\"error\":\"exec nosuch: No such file or directory (ENOENT)\"}\n"), line);
    }
}
