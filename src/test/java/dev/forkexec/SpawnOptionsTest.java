package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.JavaCommand;
import dev.forkexec.testkit.ProcFs;
import dev.forkexec.testkit.ProcStat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The per-child settings of ProcessSpec's builder beyond the fd map: process group, resource limits,
 * umask, niceness, parent-death signal and no-new-privileges, each seen by the C probe from inside the
 * child, and each failing step as a SpawnException naming it.
 */
class SpawnOptionsTest {
    private static final int CAP_SYS_NICE = 23;
    private static final int CAP_SYS_RESOURCE = 24;
    private static final int EPERM = 1;
    private static final int EACCES = 13;

    private static Map<String, String> process(ProcessSpec.Builder spec) throws Exception {
        return TestSupport.parseProcess(TestSupport.output(spec.childFDs(Map.of(1, ChildFD.parentReads())).build()));
    }

    private static Map<String, String> ids(ProcessSpec.Builder spec) throws Exception {
        return TestSupport.parseIds(TestSupport.output(spec.childFDs(Map.of(1, ChildFD.parentReads())).build()));
    }

    // ------------------------------------------------------------ process groups

    @Test
    void processGroupZeroMakesTheChildLeadANewGroup() throws Exception {
        Map<String, String> ids = ids(TestSupport.probe("ids").processGroup(0));
        assertEquals(ids.get("pid"), ids.get("pgid"));
        assertEquals(String.valueOf(ProcStat.self().session()), ids.get("sid"), "the session stays ours");
    }

    @Test
    void withoutProcessGroupTheChildStaysInOurs() throws Exception {
        Map<String, String> ids = ids(TestSupport.probe("ids"));
        assertEquals(String.valueOf(ProcStat.self().pgrp()), ids.get("pgid"));
    }

    @Test
    void processGroupJoinsAnExistingGroup() throws Exception {
        try (Subprocess leader = Subprocess.start(ProcessSpec.command("sleep", "30").processGroup(0)
                .childFDs(Map.of()).build())) {
            Map<String, String> ids = ids(TestSupport.probe("ids").processGroup((int) leader.pid()));
            assertEquals(String.valueOf(leader.pid()), ids.get("pgid"));
        }
    }

    @Test
    void joiningAGroupThatDoesNotExistFailsWithStepSetpgid() throws Exception {
        int unused = 4_000_000; // above pid_max's usual range, so no such group exists
        SpawnException e = TestSupport.assertFailsCleanly(ProcessSpec.command("true").processGroup(unused).build());
        assertEquals("setpgid", e.step());
        assertEquals(EPERM, e.errno());
        assertTrue(e.getMessage().startsWith("setpgid " + unused + ": Operation not permitted (EPERM)"), e.getMessage());
    }

    @Test
    void newSessionWithProcessGroupZeroIsTheSessionsOwnGroup() throws Exception {
        Map<String, String> ids = ids(TestSupport.probe("ids").newSession(true).processGroup(0));
        assertEquals(ids.get("pid"), ids.get("pgid"));
        assertEquals(ids.get("pid"), ids.get("sid"));
    }

    @Test
    void newSessionCannotJoinAnotherGroup() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcessSpec.command("true").newSession(true).processGroup(12345).build());
        assertTrue(e.getMessage().contains("cannot also join group 12345"), e.getMessage());
    }

    @Test
    void signalProcessGroupReachesEveryMemberOfTheGroup() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sh", "-c", "sleep 60 & echo $!; wait")
                .processGroup(0).childFDs(Map.of(1, ChildFD.parentReads())).build())) {
            long grandchild = Long.parseLong(readLine(p));
            assertTrue(ProcessHandle.of(grandchild).isPresent());
            p.signalProcessGroup("TERM");
            assertEquals(ExitStatus.killed(15, false), p.waitFor());
            awaitGone(grandchild);
        }
    }

    @Test
    void signalProcessGroupStillReachesTheGroupAfterTheLeaderWasReaped() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sh", "-c", "sleep 60 >/dev/null & echo $!")
                .processGroup(0).childFDs(Map.of(1, ChildFD.parentReads())).build())) {
            long grandchild = Long.parseLong(readLine(p));
            assertEquals(ExitStatus.exited(0), p.waitFor());
            p.signalProcessGroup(9);
            awaitGone(grandchild);
        }
    }

    @Test
    void signalProcessGroupOfAGroupWithNoMemberLeftIsProcessExitedAlready() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").processGroup(0).childFDs(Map.of()).build())) {
            assertEquals(ExitStatus.exited(0), p.waitFor());
            ProcessExitedAlreadyException e = assertThrows(ProcessExitedAlreadyException.class,
                    () -> p.signalProcessGroup(9));
            assertTrue(e.getMessage().contains("no process is left in the process group " + p.pid()), e.getMessage());
        }
    }

    @Test
    void signalProcessGroupOfAChildWithoutItsOwnGroupIsIllegalState() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sleep", "30").childFDs(Map.of()).build())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.signalProcessGroup("TERM"));
            assertTrue(e.getMessage().contains("does not lead its own process group"), e.getMessage());
        }
    }

    // ------------------------------------------------------------ resource limits

    @Test
    void rlimitsAreSetInTheChild() throws Exception {
        Map<String, String> p = process(TestSupport.probe("process")
                .rlimit(ResourceLimit.NOFILE, 100, 200)
                .rlimit(ResourceLimit.CORE, 0, ResourceLimit.UNLIMITED)
                .rlimit(ResourceLimit.FSIZE, ResourceLimit.UNLIMITED, ResourceLimit.UNLIMITED));
        assertEquals("100:200", p.get("rlimit.NOFILE"));
        assertEquals("0:-1", p.get("rlimit.CORE"));
        assertEquals("-1:-1", p.get("rlimit.FSIZE"));
    }

    @Test
    void everyResourceLimitReachesTheChild() throws Exception {
        ProcessSpec.Builder b = TestSupport.probe("process");
        Map<String, String> current = process(TestSupport.probe("process"));
        long mib = 1 << 20;
        Map<ResourceLimit, Long> wanted = Map.of(ResourceLimit.AS, 4096 * mib, ResourceLimit.CORE, 1 * mib,
                ResourceLimit.CPU, 600L, ResourceLimit.DATA, 4096 * mib, ResourceLimit.FSIZE, 1024 * mib,
                ResourceLimit.MEMLOCK, 8 * mib, ResourceLimit.NOFILE, 512L, ResourceLimit.NPROC, 1000L,
                ResourceLimit.STACK, 8 * mib);
        Map<ResourceLimit, Long> values = new java.util.EnumMap<>(ResourceLimit.class);
        wanted.forEach((which, v) -> {
            long hard = Long.parseLong(current.get("rlimit." + which).split(":")[1]);
            values.put(which, hard < 0 ? v : Math.min(v, hard)); // never above our hard limit: that needs privilege
        });
        values.forEach((which, v) -> b.rlimit(which, v, v));
        Map<String, String> p = process(b);
        values.forEach((which, v) -> assertEquals(v + ":" + v, p.get("rlimit." + which), which.toString()));
    }

    @Test
    void raisingAHardLimitNeedsCapSysResource() throws Exception {
        long hard = Long.parseLong(process(TestSupport.probe("process")).get("rlimit.NOFILE").split(":")[1]);
        if (hard < 0) return; // already unlimited: nothing to raise (the case below cannot be built)
        ProcessSpec spec = TestSupport.probe("process").rlimit(ResourceLimit.NOFILE, hard + 1, hard + 1)
                .childFDs(Map.of(1, ChildFD.parentReads())).build();
        if (TestSupport.hasCapability(CAP_SYS_RESOURCE)) {
            assertEquals((hard + 1) + ":" + (hard + 1), TestSupport.parseProcess(TestSupport.output(spec)).get("rlimit.NOFILE"));
        } else {
            SpawnException e = TestSupport.assertFailsCleanly(spec);
            assertEquals("rlimit", e.step());
            assertEquals(EPERM, e.errno());
            assertEquals("rlimit NOFILE " + (hard + 1) + ":" + (hard + 1) + ": Operation not permitted (EPERM);"
                    + " raising a hard limit above this process's needs CAP_SYS_RESOURCE", e.getMessage());
        }
    }

    @Test
    void aSoftLimitAboveTheHardLimitIsRejectedAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcessSpec.command("true").rlimit(ResourceLimit.NOFILE, 20, 10).build());
        assertEquals("rlimit NOFILE: the soft limit 20 exceeds the hard limit 10", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ProcessSpec.command("true").rlimit(ResourceLimit.CPU, -1, 10).build());
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.command("true").rlimit(null, 1, 1).build());
    }

    @Test
    void aCpuLimitEndsARunawayChildWithSigxcpu() throws Exception {
        try (Subprocess p = Subprocess.start(TestSupport.probe("burn", "5000", "0")
                .rlimit(ResourceLimit.CPU, 1, 2).childFDs(Map.of()).build())) {
            assertEquals(ExitStatus.killed(24, false), p.waitFor()); // SIGXCPU at the soft limit
        }
    }

    // ------------------------------------------------------------ umask, niceness, pdeathsig, no_new_privs

    @Test
    void umaskIsSetInTheChild() throws Exception {
        assertEquals("0027", process(TestSupport.probe("process").umask(027)).get("umask"));
        assertEquals("0777", process(TestSupport.probe("process").umask(0777)).get("umask"));
    }

    @Test
    void umaskOutOfRangeIsRejectedAtBuild() {
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.command("true").umask(01000).build());
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.command("true").umask(-1).build());
    }

    @Test
    void nicenessIsSetInTheChild() throws Exception {
        assertEquals("7", process(TestSupport.probe("process").niceness(7)).get("nice"));
        assertEquals("19", process(TestSupport.probe("process").niceness(19)).get("nice"));
    }

    @Test
    void loweringNicenessNeedsCapSysNice() throws Exception {
        ProcessSpec spec = TestSupport.probe("process").niceness(-5).childFDs(Map.of(1, ChildFD.parentReads())).build();
        if (TestSupport.hasCapability(CAP_SYS_NICE)) {
            assertEquals("-5", TestSupport.parseProcess(TestSupport.output(spec)).get("nice"));
        } else {
            SpawnException e = TestSupport.assertFailsCleanly(spec);
            assertEquals("nice", e.step());
            assertEquals(EACCES, e.errno());
            assertEquals("nice -5: Permission denied (EACCES); lowering niceness below this process's needs"
                    + " CAP_SYS_NICE", e.getMessage());
        }
    }

    @Test
    void nicenessOutOfRangeIsRejectedAtBuild() {
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.command("true").niceness(20).build());
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.command("true").niceness(-21).build());
    }

    @Test
    void parentDeathSignalIsSetInTheChild() throws Exception {
        assertEquals("15", process(TestSupport.probe("process").parentDeathSignal(15)).get("pdeathsig"));
        assertEquals("0", process(TestSupport.probe("process")).get("pdeathsig"));
    }

    @Test
    void parentDeathSignalDoesNotFireWhenTheSpawningThreadEnds() throws Exception {
        AtomicReference<Subprocess> child = new AtomicReference<>();
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread shortLived = new Thread(() -> {
            try {
                child.set(Subprocess.start(ProcessSpec.command("sleep", "30").parentDeathSignal(9)
                        .childFDs(Map.of()).build()));
            } catch (Exception e) {
                failed.set(e);
            }
        });
        shortLived.start();
        shortLived.join();
        assertEquals(null, failed.get());
        try (Subprocess p = child.get()) {
            // Had the short-lived thread created the child, the kernel would have sent SIGKILL as it ended.
            assertEquals(Optional.empty(), p.waitFor(Duration.ofMillis(500)), "the child died with its spawning thread");
        }
    }

    @Test
    void parentDeathSignalFiresWhenTheJvmDies() throws Exception {
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(JavaCommand.main(ChildJvmMain.class, "pdeathsig").toList())
                .childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
        Map<String, String> kv = TestSupport.keyValues(r.out());
        assertEquals(ExitStatus.exited(0), r.status(), r.err());
        long orphan = Long.parseLong(kv.get("child"));
        awaitGone(orphan);
    }

    @Test
    void parentDeathSignalOutOfRangeIsRejectedAtBuild() {
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.command("true").parentDeathSignal(0).build());
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.command("true").parentDeathSignal(65).build());
    }

    @Test
    void noNewPrivilegesIsSetInTheChild() throws Exception {
        assertEquals("1", process(TestSupport.probe("process").noNewPrivileges(true)).get("nonewprivs"));
        assertEquals("0", process(TestSupport.probe("process")).get("nonewprivs"));
    }

    @Test
    void theOptionsSurviveToBuilderAndEquality() {
        ProcessSpec a = ProcessSpec.command("true").processGroup(0).rlimit(ResourceLimit.NOFILE, 10, 20).umask(022)
                .niceness(3).parentDeathSignal(15).cgroup(Path.of("/sys/fs/cgroup/x")).noNewPrivileges(true).build();
        ProcessSpec b = a.toBuilder().build();
        assertEquals(a, b);
        assertEquals(a.toString(), b.toString());
        assertTrue(a.toString().contains("rlimits={NOFILE=10:20}") && a.toString().contains("umask=022"), a.toString());
        assertFalse(a.equals(a.toBuilder().niceness(4).build()));
        assertTrue(a.leadsProcessGroup());
    }

    // ------------------------------------------------------------ helpers

    private static String readLine(Subprocess p) throws Exception {
        StringBuilder line = new StringBuilder();
        java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
        while (p.channel(1).read(one.clear()) > 0 && one.get(0) != '\n') line.append((char) one.get(0));
        return line.toString();
    }

    /** Waits (10 s at most) until pid is gone or a zombie (it died; whoever inherited it reaps it). */
    static void awaitGone(long pid) throws InterruptedException {
        if (!ProcFs.awaitNotRunning(pid, Duration.ofSeconds(10))) throw new AssertionError("pid " + pid + " is still alive");
    }
}
