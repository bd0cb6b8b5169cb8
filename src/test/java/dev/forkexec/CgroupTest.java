package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkexec.testkit.JavaCommand;
import dev.forkexec.testkit.ProcFs;
import dev.forkexec.testkit.ProcStat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ProcessSpec.Builder#cgroup: the child starts inside a cgroup v2 directory (clone3 with
 * CLONE_INTO_CGROUP, or the cgroup.procs fallback), cgroup.kill ends it and every descendant, and
 * every failure is a SpawnException with step "cgroup". Needs a writable cgroup v2 hierarchy: the
 * first of /sys/fs/cgroup/unified and /sys/fs/cgroup where we may create a directory.
 */
class CgroupTest {
    private static final int ENOENT = 2;
    private static final int EBADF = 9;
    private static final int EACCES = 13;

    private Path cgroup;

    /** A fresh cgroup v2 directory of our own, or null where none can be made. */
    static Path newCgroup(String name) {
        for (String root : List.of("/sys/fs/cgroup/unified", "/sys/fs/cgroup")) {
            Path r = Path.of(root);
            if (!Files.exists(r.resolve("cgroup.procs")) || !Files.exists(r.resolve("cgroup.subtree_control"))) continue;
            try {
                return Files.createDirectory(r.resolve(name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
            } catch (Exception e) {
                // not writable here: try the next
            }
        }
        return null;
    }

    @BeforeEach
    void setUp() {
        cgroup = newCgroup("fxtest");
        assumeTrue(cgroup != null, "SKIPPED: no writable cgroup v2 hierarchy (run as root with cgroup2 mounted)");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cgroup == null) return;
        for (int i = 0; i < 200 && Files.exists(cgroup); i++) {
            try {
                Files.delete(cgroup); // EBUSY until the kernel has released the last member
            } catch (java.nio.file.FileSystemException busy) {
                Thread.sleep(10);
            }
        }
    }

    private String relative() {
        Path root = cgroup.getParent();
        return "/" + root.relativize(cgroup);
    }

    @Test
    void theChildStartsInsideTheCgroup() throws Exception {
        String out = TestSupport.output(TestSupport.probe("process").cgroup(cgroup)
                .childFDs(Map.of(1, ChildFD.parentReads())).build());
        assertEquals(relative(), TestSupport.parseProcess(out).get("cgroup"));
    }

    @Test
    void theChildIsInTheCgroupFromItsFirstInstruction() throws Exception {
        // /proc/PID/cgroup read by the parent while the child sleeps: clone3 placed it, not a later write.
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sleep", "30").cgroup(cgroup).childFDs(Map.of()).build())) {
            assertTrue(ProcFs.cgroupOf(p.pid()).contains("0::" + relative() + "\n"));
            assertEquals(List.of(String.valueOf(p.pid())), Files.readAllLines(cgroup.resolve("cgroup.procs")));
        }
    }

    @Test
    void cgroupKillEndsTheChildAndADescendantThatCalledSetsid() throws Exception {
        assumeTrue(Files.exists(cgroup.resolve("cgroup.kill")), "SKIPPED: cgroup.kill needs Linux 5.14");
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sh", "-c", "setsid sleep 60 & echo $!; wait")
                .cgroup(cgroup).childFDs(Map.of(1, ChildFD.parentReads())).build())) {
            String line = new String(readLine(p));
            long escapee = Long.parseLong(line.trim());
            assertTrue(ProcStat.isRunning(escapee), "the setsid escapee runs before cgroup.kill");
            Files.writeString(cgroup.resolve("cgroup.kill"), "1");
            assertEquals(ExitStatus.killed(9, false), p.waitFor());
            SpawnOptionsTest.awaitGone(escapee);
        }
    }

    @Test
    void theFallbackWithoutClone3AlsoPlacesTheChild() throws Exception {
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(JavaCommand.main(ChildJvmMain.class,
                "cgroup", TestSupport.probe(), cgroup.toString()).jvmArgs("-Dforkexec.clone3=false").toList())
                .childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
        assertEquals(ExitStatus.exited(0), r.status(), r.err());
        assertEquals(relative(), TestSupport.keyValues(r.out()).get("cgroup"), r.out());
    }

    @Test
    void theFallbackIsTakenWhenTheKernelRefusesClone3() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "SKIPPED: strace is not installed");
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/strace", "-f", "-qq", "-o", "/dev/null",
                "-e", "trace=clone3", "-e", "inject=clone3:error=ENOSYS"));
        cmd.addAll(JavaCommand.main(ChildJvmMain.class, "cgroup", TestSupport.probe(), cgroup.toString()).toList());
        TestSupport.Result r = TestSupport.run(ProcessSpec.command(cmd)
                .childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
        assumeTrue(!r.err().contains("PTRACE_TRACEME") && !r.err().contains("ptrace"), "SKIPPED: strace cannot trace here");
        assertEquals(ExitStatus.exited(0), r.status(), r.err());
        assertEquals(relative(), TestSupport.keyValues(r.out()).get("cgroup"), r.out());
    }

    @Test
    void aMissingDirectoryFailsWithStepCgroup() throws Exception {
        Path missing = cgroup.resolve("no-such-child");
        SpawnException e = TestSupport.assertFailsCleanly(ProcessSpec.command("true").cgroup(missing).build());
        assertEquals("cgroup", e.step());
        assertEquals(ENOENT, e.errno());
        assertEquals("cgroup " + missing + ": No such file or directory (ENOENT)", e.getMessage());
    }

    @Test
    void aCgroupV1DirectoryFailsWithStepCgroup() throws Exception {
        Path v1 = Path.of("/sys/fs/cgroup/cpu");
        assumeTrue(Files.isDirectory(v1) && !Files.exists(v1.resolve("cgroup.subtree_control")),
                "SKIPPED: no cgroup v1 hierarchy at " + v1);
        SpawnException e = TestSupport.assertFailsCleanly(ProcessSpec.command("true").cgroup(v1).build());
        assertEquals("cgroup", e.step());
        assertEquals(EBADF, e.errno());
        assertEquals("cgroup " + v1 + ": Bad file descriptor (EBADF); it is not a cgroup v2 directory (a cgroup v1"
                + " hierarchy cannot be used)", e.getMessage());
    }

    @Test
    void aDirectoryThatIsNotACgroupFailsWithStepCgroup() throws Exception {
        SpawnException e = TestSupport.assertFailsCleanly(ProcessSpec.command("true").cgroup(Path.of("/tmp")).build());
        assertEquals("cgroup", e.step());
        assertEquals(EBADF, e.errno());
    }

    @Test
    void aCgroupWeMayNotWriteFailsWithStepCgroupEacces() throws Exception {
        assumeTrue(TestSupport.isRoot(), "SKIPPED: needs root to run a JVM as nobody");
        // nobody may not write cgroup.procs of a root-owned cgroup: clone3 (or the fallback) says EACCES.
        Path sandbox = TestSupport.tempDir("fxtest-cgroup-nobody");
        try {
            TestSupport.Result r = TestSupport.run(TestSupport.nobodyJvm(sandbox, "cgroup", TestSupport.probe(),
                    cgroup.toString()).childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
            assertEquals(ExitStatus.exited(0), r.status(), r.err());
            Map<String, String> kv = TestSupport.keyValues(r.out());
            assertEquals("cgroup", kv.get("step"), r.out());
            assertEquals(String.valueOf(EACCES), kv.get("errno"), r.out());
            assertTrue(kv.get("message").startsWith("cgroup " + cgroup + ": Permission denied (EACCES); no permission"),
                    kv.get("message"));
        } finally {
            TestSupport.deleteTree(sandbox);
        }
    }

    private static String readLine(Subprocess p) throws Exception {
        StringBuilder line = new StringBuilder();
        java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
        while (p.channel(1).read(one.clear()) > 0 && one.get(0) != '\n') line.append((char) one.get(0));
        return line.toString();
    }
}
