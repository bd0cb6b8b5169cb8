package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forkexec.testkit.JavaCommand;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JVM handles SIGINT and SIGTERM itself (to run shutdown hooks); its children must not notice:
 * a {@code sleep 100} started from it still dies of SIGINT or SIGTERM, the default action.
 */
@Timeout(120)
class JvmSignalsTest {
    private static final ProcessSpec SLEEP = ProcessSpec.command("sleep", "100").childFDs(Map.of()).build();

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }

    @ParameterizedTest
    @CsvSource({"INT, 2", "TERM, 15"})
    void childOfThisJvmDiesOfTheSignalByDefault(String name, int number) throws Exception {
        try (Reactor reactor = Reactor.create()) {
            ChildProcess c = reactor.spawnProcess(new ProcessProtocol() {}, SLEEP);
            c.signalProcess(name);
            ExitStatus s = c.onExit().get(60, TimeUnit.SECONDS);
            assertEquals(number, s.signal(), s.toString());
            assertEquals(-1, s.exitCode());
        }
    }

    @Test
    void childrenOfAJvmWithAShutdownHookDieOfSigintAndSigterm() throws Exception {
        Map<String, String> kv = TestSupport.runShell("true", JavaCommand.main(ReliabilityChildMain.class, "signals").toList());
        long caught = Long.parseUnsignedLong(kv.get("jvm-sigcgt"), 16);
        // Precondition: the child JVM (started with default dispositions) catches both itself.
        assertEquals(bit(2) | bit(15), caught & (bit(2) | bit(15)), "the JVM does not handle INT and TERM: " + kv);
        for (String via : List.of("reactor", "subprocess")) {
            assertEquals("2", kv.get(via + ".INT"), via + ": " + kv);
            assertEquals("15", kv.get(via + ".TERM"), via + ": " + kv);
        }
        assertEquals("0", kv.get("zombies"), kv.toString());
    }
}
