package dev.forkexec;

import static dev.forkexec.TestSupport.assertFailsCleanly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkexec.testkit.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every way a spawn can fail reports its step, errno and a message naming the path, synchronously,
 * and leaves no pipe, pidfd or zombie behind. A missing program, through every way of starting a
 * child: {@link SharedBehavioursTest}.
 */
@Timeout(60)
class SpawnErrorsTest {
    private static final int ENOENT = 2;
    private static final int E2BIG = 7;
    private static final int EBADF = 9;
    private static final int EPERM = 1;
    private static final int ENOEXEC = 8;
    private static final int EACCES = 13;
    private static final int ENOTDIR = 20;

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestSupport.tempDir("fxtest-errors-test");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestSupport.deleteTree(dir);
    }

    private static void assertFailure(SpawnException e, String step, int errno, String... inMessage) {
        assertEquals(step, e.step(), e.getMessage());
        assertEquals(errno, e.errno(), e.getMessage());
        assertTrue(e.getMessage().startsWith(step + " "), () -> "message should start with the step: " + e.getMessage());
        for (String m : inMessage) {
            assertTrue(e.getMessage().contains(m), () -> "message should mention '" + m + "': " + e.getMessage());
        }
    }

    /** The default map, plus an extra pipe of each direction: more to leak if cleanup were wrong. */
    private static ProcessSpec.Builder withPipes(ProcessSpec.Builder b) {
        return b.childFD(3, ChildFD.parentReads()).childFD(4, ChildFD.parentWrites());
    }

    @Test
    void fileWithoutExecuteBitIsExecEacces() throws Exception {
        // As root too: execve needs at least one x bit, whoever asks.
        Path f = TestSupport.writeFile(dir.resolve("noexec.sh"), "#!/bin/sh\nexit 0\n", "rw-r--r--");
        SpawnException e = assertFailsCleanly(withPipes(ProcessSpec.command(f.toString())).build());
        assertFailure(e, "exec", EACCES, f.toString(), "Permission denied", "EACCES");
    }

    @Test
    void directoryAsProgramIsExecEacces() throws Exception {
        SpawnException e = assertFailsCleanly(ProcessSpec.command(dir.toString()).build());
        assertFailure(e, "exec", EACCES, dir.toString(), "EACCES");
    }

    @Test
    void executableGarbageWithoutShebangIsExecEnoexec() throws Exception {
        Path f = TestSupport.writeFile(dir.resolve("garbage"), "this is not a program\n\u0001\u0002\u0003\n",
                "rwxr-xr-x");
        SpawnException e = assertFailsCleanly(withPipes(ProcessSpec.command(f.toString())).build());
        assertFailure(e, "exec", ENOEXEC, f.toString(), "ENOEXEC");
    }

    @Test
    void pathThroughARegularFileIsExecEnotdir() throws Exception {
        SpawnException e = assertFailsCleanly(withPipes(ProcessSpec.command("/etc/passwd/x")).build());
        assertFailure(e, "exec", ENOTDIR, "/etc/passwd/x", "ENOTDIR");
    }

    @Test
    void scriptWithMissingInterpreterIsExecEnoent() throws Exception {
        Path f = TestSupport.writeFile(dir.resolve("orphan.sh"), "#!/no/such/interp\necho hi\n", "rwxr-xr-x");
        SpawnException e = assertFailsCleanly(withPipes(ProcessSpec.command(f.toString())).build());
        assertFailure(e, "exec", ENOENT, f.toString(), "ENOENT");
        assertTrue(e.getMessage().contains("interpreter"), "the message says the interpreter is missing: " + e.getMessage());
    }

    @Test
    void argumentLongerThanTheKernelAcceptsIsExecE2big() throws Exception {
        // One argv string above MAX_ARG_STRLEN (32 pages) fails execve whatever the stack limit.
        String huge = "x".repeat(200_000);
        SpawnException e = assertFailsCleanly(withPipes(ProcessSpec.command("/bin/echo", huge)).build());
        assertFailure(e, "exec", E2BIG, "/bin/echo", "E2BIG");
    }

    @Test
    void missingDirectoryIsChdirEnoent() throws Exception {
        Path missing = dir.resolve("no-such-dir");
        SpawnException e = assertFailsCleanly(withPipes(ProcessSpec.command("true")).directory(missing).build());
        assertFailure(e, "chdir", ENOENT);
        assertEquals("chdir " + missing + ": No such file or directory (ENOENT)", e.getMessage());
    }

    @Test
    void fileAsDirectoryIsChdirEnotdir() throws Exception {
        SpawnException e = assertFailsCleanly(ProcessSpec.command("true").directory(Path.of("/etc/passwd")).build());
        assertFailure(e, "chdir", ENOTDIR, "/etc/passwd", "ENOTDIR");
    }

    @Test
    void unreachableDirectoryForTheNewUserIsChdirEacces() throws Exception {
        assumeTrue(TestSupport.isRoot(), "needs root to switch to nobody");
        Path locked = Files.createDirectory(dir.resolve("locked"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        // chdir happens after setuid, so nobody - not root - must get in.
        SpawnException e = assertFailsCleanly(withPipes(ProcessSpec.command("true")).uid(TestSupport.NOBODY)
                .gid(TestSupport.NOGROUP).groups(TestSupport.NOGROUP).directory(locked).build());
        assertFailure(e, "chdir", EACCES, locked.toString(), "EACCES");
        // Control: root itself gets in.
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").directory(locked).childFDs(Map.of()).build())) {
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void inheritingAClosedParentFdIsFdEbadf() throws Exception {
        int closed = ProcFs.openFds().keySet().stream().mapToInt(Integer::intValue).max().orElse(100) + 50;
        assertTrue(!ProcFs.openFds().containsKey(closed), "precondition: fd " + closed + " is closed");
        SpawnException e = assertFailsCleanly(withPipes(ProcessSpec.command("true"))
                .childFD(5, ChildFD.inherit(closed)).build());
        assertFailure(e, "fd", EBADF, "child fd 5", "parent fd " + closed, "EBADF");
        assertTrue(e.getMessage().endsWith("; parent fd " + closed + " is not open in this process"), e.getMessage());
    }

    @Test
    void credentialChangesWithoutPrivilegeFailWithEperm() throws Exception {
        Map<String, String> kv;
        if (TestSupport.isRoot()) {
            // Run a JVM as nobody (through forkexec itself) and let it try.
            ProcessSpec spec = TestSupport.nobodyJvm(dir, "setuid", TestSupport.probe())
                    .childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build();
            TestSupport.Result r = TestSupport.run(spec);
            assertEquals(ExitStatus.exited(0), r.status(), r.err());
            kv = TestSupport.keyValues(r.out());
            assertEquals(String.valueOf(TestSupport.NOBODY), kv.get("uid"), r.out());
        } else {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            ChildJvmMain.tryCredentials(TestSupport.probe(), new java.io.PrintStream(bytes, true, "UTF-8"));
            kv = TestSupport.keyValues(bytes.toString("UTF-8"));
        }
        for (String step : List.of("setuid", "setgid", "setgroups")) {
            assertEquals(step, kv.get(step + ".step"), kv.toString());
            assertEquals(String.valueOf(EPERM), kv.get(step + ".errno"), kv.toString());
            assertTrue(kv.get(step + ".message").startsWith(step + " ") && kv.get(step + ".message").contains("EPERM"),
                    kv.get(step + ".message"));
        }
        assertTrue(kv.get("setuid.message").contains("uid 0"), kv.get("setuid.message"));
        assertEquals("0", kv.get("pipes-and-pidfds-leaked"), kv.toString());
        assertEquals("0", kv.get("zombies"), kv.toString());
    }

    @Test
    void manyFailedSpawnsLeakNothing() throws Exception {
        ProcessSpec spec = withPipes(ProcessSpec.command("/no/such/program")).build();
        Map<Integer, String> before = ProcFs.pipeAndPidfdFds();
        Set<Long> zombiesBefore = ProcFs.zombieChildren();
        long fdCount = ProcFs.openFds().size();
        for (int i = 0; i < 200; i++) {
            try {
                Subprocess.start(spec).close();
            } catch (SpawnException expected) {
                // every one fails
            }
        }
        assertEquals(before, ProcFs.pipeAndPidfdFds());
        assertEquals(zombiesBefore, ProcFs.zombieChildren());
        assertTrue(ProcFs.openFds().size() <= fdCount + 2, "fd count grew over 200 failed spawns");
    }

    @Test
    void spawnExceptionIsAnIOException() {
        IOException e = new SpawnException("exec", ENOENT, "exec x: No such file or directory (ENOENT)");
        assertEquals("exec", ((SpawnException) e).step());
    }
}
