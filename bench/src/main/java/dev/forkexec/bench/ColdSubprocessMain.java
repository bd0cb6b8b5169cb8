package dev.forkexec.bench;

import dev.forkexec.ProcessSpec;
import dev.forkexec.Subprocess;
import java.util.Map;

/**
 * Scenario 7, forkexec Subprocess: a fresh JVM whose only work is to run {@code /bin/true} once.
 * Each implementation has its own main class, so no JVM loads (or verifies against) another's classes.
 */
public final class ColdSubprocessMain {
    private ColdSubprocessMain() {}

    public static void main(String[] args) throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("/bin/true").childFDs(Map.of()).build())) {
            if (!p.waitFor().isSuccess()) System.exit(1);
        }
    }
}
