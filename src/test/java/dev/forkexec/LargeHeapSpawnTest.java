package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkexec.testkit.JavaCommand;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Children of a big JVM are started with clone(CLONE_VM), not fork; -Dforkexec.spawn=fork still works. */
@Timeout(120)
class LargeHeapSpawnTest {
    private static final int MIB = 1 << 20;
    private static final int PAGE = 4096;

    @Test
    void spawnFromAJvmWithOneGibTouchedHeapUsesCloneVm() throws Exception {
        long gib = 1L << 30;
        assumeTrue(Runtime.getRuntime().maxMemory() > 2 * gib, "needs a max heap above 2 GiB");
        assertEquals("clone-vm", Subprocess.spawnMechanism());
        byte[][] heap = new byte[1024][];
        for (int i = 0; i < heap.length; i++) {
            heap[i] = new byte[MIB];
            for (int off = 0; off < MIB; off += PAGE) heap[i][off] = (byte) (i + off);
        }
        long clones = Subprocess.spawnCount("clone-vm");
        long forks = Subprocess.spawnCount("fork");
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").childFDs(Map.of()).build())) {
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
        assertEquals(clones + 1, Subprocess.spawnCount("clone-vm"), "the spawn did not go through clone-vm");
        assertEquals(forks, Subprocess.spawnCount("fork"), "a fork happened");
        // Keep the heap reachable until after the spawn.
        long sum = 0;
        for (byte[] b : heap) sum += b[PAGE];
        assertTrue(sum != Long.MIN_VALUE);
    }

    @Test
    void forcedForkMechanismIsReportedAndSpawns() throws Exception {
        Map<String, String> kv = childJvm("-Dforkexec.spawn=fork");
        assertEquals("fork", kv.get("mechanism"));
        assertEquals("exit 0", kv.get("exit"));
        assertEquals("1", kv.get("fork"));
        assertEquals("0", kv.get("clone-vm"));
    }

    @Test
    void defaultMechanismInAFreshJvmIsCloneVm() throws Exception {
        Map<String, String> kv = childJvm("-Dforkexec.spawn=auto");
        assertEquals("clone-vm", kv.get("mechanism"));
        assertEquals("exit 0", kv.get("exit"));
        assertEquals("0", kv.get("fork"));
        assertEquals("1", kv.get("clone-vm"));
    }

    private static Map<String, String> childJvm(String property) throws Exception {
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(JavaCommand.main(ChildJvmMain.class, "mechanism")
                .jvmArgs(property).toList()).childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads()))
                .build());
        assertEquals(ExitStatus.exited(0), r.status(), r.err());
        Map<String, String> kv = TestSupport.keyValues(r.out());
        return kv;
    }
}
