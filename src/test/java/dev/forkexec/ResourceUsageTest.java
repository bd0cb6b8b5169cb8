package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.ProcFs;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ExitStatus#resourceUsage: what the wait that reaped a child reports, through Subprocess and Reactor. */
class ResourceUsageTest {
    private static final long MIB = 1 << 20;

    @RegisterExtension
    final ReactorTestSupport rt = new ReactorTestSupport();

    /** How much the probe touches. */
    private static long touchMib() {
        return 100;
    }

    /** This JVM's peak resident set (VmHWM). */
    static long jvmPeakResidentBytes() {
        return Long.parseLong(ProcFs.status("VmHWM").split("\\s+")[0]) * 1024;
    }

    /** The probe uses 300 ms of CPU and touches {@link #touchMib()} MiB. */
    private static ProcessSpec burner(long mib) {
        return TestSupport.probe("burn", "300", Long.toString(mib)).childFDs(Map.of(1, ChildFD.devNull())).build();
    }

    private static void assertBurnt(ExitStatus s, long mib) {
        assertEquals(ExitStatus.exited(0), s);
        ResourceUsage u = s.resourceUsage().orElseThrow(() -> new AssertionError("no usage in " + s));
        Duration cpu = u.userTime().plus(u.systemTime());
        assertTrue(cpu.compareTo(Duration.ofMillis(280)) >= 0 && cpu.compareTo(Duration.ofSeconds(5)) < 0, u.toString());
        // Linux folds the peak of the address space an exec replaces into the figure: for a clone-vm
        // child that is the JVM's (see ResourceUsage#maxResidentSetBytes), so it is a ceiling.
        long ceiling = Math.max(mib * MIB, jvmPeakResidentBytes()) + 64 * MIB;
        assertTrue(u.maxResidentSetBytes() >= mib * MIB && u.maxResidentSetBytes() < ceiling,
                "touched " + mib + " MiB: " + u + "; this JVM's peak: " + jvmPeakResidentBytes());
        // Page faults are the child's own: they show it touched the memory itself.
        assertTrue(u.minorPageFaults() >= mib * MIB / 4096 / 2, "touching " + mib + " MiB faults pages in: " + u);
    }

    @Test
    void subprocessReportsTheCpuAndMemoryAChildUsed() throws Exception {
        long mib = touchMib();
        try (Subprocess p = Subprocess.start(burner(mib))) {
            assertBurnt(p.waitFor(), mib);
        }
    }

    @Test
    void theReactorReportsTheCpuAndMemoryAChildUsed() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        long mib = touchMib();
        ChildProcess c = rt.reactor().spawnProcess(p, burner(mib));
        assertBurnt(ReactorTestSupport.await(c.onExit()), mib);
    }

    @Test
    void anIdleChildUsesLittleCpuAndAtMostTheJvmsPeakMemory() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").childFDs(Map.of()).build())) {
            ResourceUsage u = p.waitFor().resourceUsage().orElseThrow();
            assertTrue(u.userTime().plus(u.systemTime()).compareTo(Duration.ofMillis(200)) < 0, u.toString());
            assertTrue(u.maxResidentSetBytes() > 0 && u.maxResidentSetBytes() <= jvmPeakResidentBytes() + 16 * MIB,
                    u + "; this JVM's peak: " + jvmPeakResidentBytes());
        }
    }

    @Test
    void statusesMadeByHandCarryNoUsageAndCompareWithoutIt() throws Exception {
        assertEquals(Optional.empty(), ExitStatus.exited(0).resourceUsage());
        assertEquals(Optional.empty(), ExitStatus.killed(9, false).resourceUsage());
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").childFDs(Map.of()).build())) {
            ExitStatus reaped = p.waitFor();
            assertTrue(reaped.resourceUsage().isPresent());
            assertEquals(ExitStatus.exited(0), reaped);
            assertEquals(ExitStatus.exited(0).hashCode(), reaped.hashCode());
        }
    }
}
