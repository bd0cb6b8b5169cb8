package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkexec.testkit.JavaCommand;
import dev.forkexec.testkit.ProcFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RLIMIT_NOFILE from both sides: a child fd the limit forbids, running out of fds (EMFILE) in a JVM
 * started under {@code ulimit -n 64}, and a JVM at the highest limit this machine grants, traced with
 * strace to show the child clears its fd table with a few {@code close_range} calls rather than one
 * {@code close} per possible fd (and, with close_range made to fail, only closes what
 * {@code /proc/self/fd} lists). No timing is measured anywhere.
 */
@Timeout(120)
class FdLimitsTest {
    private static final int EBADF = 9;
    private static final int EMFILE = 24;
    /** What the huge-limit test asks for; the hard limit caps it without CAP_SYS_RESOURCE. */
    private static final int HUGE_LIMIT = 1_048_576;

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestSupport.tempDir("fxtest-limits-test");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestSupport.deleteTree(dir);
    }

    /** {@code java <small-JVM flags> -cp <ours> dev.forkexec.ReliabilityChildMain args...}. */
    private static List<String> javaCommand(String... args) {
        return JavaCommand.main(ReliabilityChildMain.class, args).toList();
    }

    // ------------------------------------------------------------------ a child fd above the limit

    @Test
    void childFdAtTheLimitIsFdEbadfNamingTheChildFd() throws Exception {
        int limit = ProcFs.softFdLimit();
        SpawnException e = TestSupport.assertFailsCleanly(ProcessSpec.command("true")
                .childFD(limit, ChildFD.inherit(0)).build());
        assertEquals("fd", e.step(), e.getMessage());
        assertEquals(EBADF, e.errno(), e.getMessage());
        assertEquals("fd child fd " + limit + " (parent fd 0): Bad file descriptor (EBADF); child fd " + limit
                + " is not below this process's open-file limit (RLIMIT_NOFILE, " + limit + "); raise the limit"
                + " (ulimit -n) or use a lower child fd", e.getMessage());
    }

    @Test
    void pipeAtAChildFdFarAboveTheLimitIsFdEbadfNamingTheChildFd() throws Exception {
        int target = ProcFs.softFdLimit() + 1000;
        SpawnException e = TestSupport.assertFailsCleanly(ProcessSpec.command("true")
                .childFD(target, ChildFD.parentReads()).build());
        assertEquals("fd", e.step(), e.getMessage());
        assertEquals(EBADF, e.errno(), e.getMessage());
        assertTrue(e.getMessage().startsWith("fd child fd " + target + " (pipe 'r'): "), e.getMessage());
        assertTrue(e.getMessage().contains("not below this process's open-file limit (RLIMIT_NOFILE, "), e.getMessage());
    }

    @Test
    void childFdJustBelowTheLimitWorks() throws Exception {
        int fd = ProcFs.softFdLimit() - 1;
        try (Subprocess p = Subprocess.start(TestSupport.probe("count").childFDs(Map.of(fd, ChildFD.inherit(0))).build())) {
            assertEquals(ExitStatus.exited(1), p.waitFor(), "the probe counts its one fd, " + fd);
        }
    }

    // ------------------------------------------------------------------ EMFILE

    @Test
    void spawningUntilFdsRunOutFailsWithEmfileCleanlyAndWorksAgainOnceChildrenAreClosed() throws Exception {
        Map<String, String> kv = TestSupport.runShell("ulimit -n 64", javaCommand("emfile-loop"));
        assertEquals("64", kv.get("limit"), kv.toString());
        assertTrue(Integer.parseInt(kv.get("started")) > 0, kv.toString());
        // Which allocation finds the table full depends on how many fds were free: a pipe, or the pidfd.
        assertTrue(List.of("pipe", "clone").contains(kv.get("step")), kv.toString());
        assertEquals(String.valueOf(EMFILE), kv.get("errno"), kv.toString());
        assertTrue(kv.get("message").contains("Too many open files (EMFILE)"), kv.get("message"));
        assertEquals("true", kv.get("fds-unchanged-by-failure"), "the failed spawn changed the fd table: " + kv);
        assertEquals("0", kv.get("zombies-after-close"), kv.toString());
        assertEquals("exit 0", kv.get("again"), kv.toString());
        Scale.report("EMFILE under ulimit -n 64: " + kv.get("started") + " cats started, then " + kv.get("message"));
    }

    @Test
    void eachNumberOfFreeFdsFailsAtItsOwnAllocationWithEmfileAndChangesNothing() throws Exception {
        // The default map needs 9 fds at once: 3 pipes (6), the exec-status pipe (2) and the pidfd (1).
        Map<String, String> kv = TestSupport.runShell("ulimit -n 64", javaCommand("emfile-slack", "10"));
        Map<Integer, String> expected = new HashMap<>();
        for (int slack = 0; slack <= 5; slack++) {
            expected.put(slack, "pipe/" + EMFILE + "/pipe child fd " + slack / 2 + " (pipe "
                    + (slack / 2 == 0 ? "'w'" : "'r'") + "): Too many open files (EMFILE)");
        }
        for (int slack = 6; slack <= 7; slack++) {
            expected.put(slack, "pipe/" + EMFILE + "/pipe (the exec-status pipe): Too many open files (EMFILE)");
        }
        expected.put(8, "clone/" + EMFILE + "/clone true: Too many open files (EMFILE); no fd was free for the"
                + " child's pidfd");
        for (int slack = 9; slack <= 10; slack++) expected.put(slack, "ok exit 0");
        for (int slack = 0; slack <= 10; slack++) {
            assertEquals(expected.get(slack), kv.get("slack." + slack), "with " + slack + " free fds: " + kv);
            assertEquals(slack == 0 ? "unchecked" : "true", kv.get("unchanged." + slack), "with " + slack
                    + " free fds the attempt changed the fd table: " + kv.get("diff." + slack));
        }
        assertEquals("0", kv.get("zombies"), kv.toString());
    }

    // ------------------------------------------------------------------ a huge RLIMIT_NOFILE

    /** Per pid: how many close() and close_range() calls it made before its first execve. */
    private static Map<Long, int[]> callsBeforeExec(Path trace) throws Exception {
        Map<Long, int[]> calls = new HashMap<>();
        Map<Long, Boolean> execd = new HashMap<>();
        for (String line : Files.readAllLines(trace)) {
            int sp = line.indexOf(' ');
            if (sp < 0) continue;
            long pid;
            try {
                pid = Long.parseLong(line.substring(0, sp));
            } catch (NumberFormatException notAPid) {
                continue;
            }
            String call = line.substring(sp + 1).stripLeading();
            if (execd.getOrDefault(pid, false)) continue;
            int[] c = calls.computeIfAbsent(pid, k -> new int[2]);
            if (call.startsWith("close(")) c[0]++;
            if (call.startsWith("close_range(")) c[1]++;
            if (call.startsWith("execve(")) execd.put(pid, true);
        }
        return calls;
    }

    /** The child JVM of spawn-count at the highest limit granted, under strace; returns its lines and trace. */
    private Map<String, String> tracedSpawns(String extraStraceArgs, Path trace) throws Exception {
        ExitStatus straceWorks;
        try (Subprocess p = Subprocess.start(ProcessSpec.command("strace", "-f", "-qq", "-o", "/dev/null", "true")
                .childFDs(Map.of()).build())) {
            straceWorks = p.waitFor();
        } catch (SpawnException e) {
            straceWorks = null;
        }
        assumeTrue(ExitStatus.exited(0).equals(straceWorks), "strace is not installed or cannot trace here");
        String raise = "ulimit -n " + HUGE_LIMIT + " 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"";
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "--seccomp-bpf", "-qq",
                "-e", "trace=close,close_range,execve", "-o", trace.toString()));
        if (!extraStraceArgs.isEmpty()) cmd.addAll(List.of(extraStraceArgs.split(" ")));
        cmd.addAll(javaCommand("spawn-count", TestSupport.probe()));
        return TestSupport.runShell(raise, cmd);
    }

    @Test
    void childAtTheHighestFdLimitClearsItsTableWithCloseRangeNotOneClosePerFd() throws Exception {
        Path trace = dir.resolve("strace.txt");
        Map<String, String> kv = tracedSpawns("", trace);
        int limit = Integer.parseInt(kv.get("limit"));
        assertTrue(limit >= ProcFs.softFdLimit(), "the child JVM has a lower limit than ours: " + limit);
        assertEquals("0", kv.get("empty.fds"), "fds open in the child with an empty map: " + kv);
        assertEquals("2", kv.get("two.fds"), "fds open in the child with {4: 0, 9: 1}: " + kv);
        Map<Long, int[]> calls = callsBeforeExec(trace);
        StringBuilder figures = new StringBuilder();
        for (String name : new String[] {"empty", "two"}) {
            int[] c = calls.get(Long.parseLong(kv.get(name + ".pid")));
            assertTrue(c != null, "strace did not follow the " + name + " child: " + calls.keySet());
            assertEquals(0, c[0], name + " child: close() calls before exec");
            assertTrue(c[1] >= 1 && c[1] <= 4, name + " child: " + c[1] + " close_range() calls before exec");
            figures.append(name).append(" map ").append(c[0]).append(" close + ").append(c[1]).append(" close_range; ");
        }
        Scale.report("RLIMIT_NOFILE " + limit + " (asked for " + HUGE_LIMIT + "): before exec, " + figures
                + "parent had " + kv.get("parent-fds") + " fds open");
    }

    @Test
    void withoutCloseRangeTheChildClosesOnlyTheFdsProcSelfFdLists() throws Exception {
        Path trace = dir.resolve("strace-enosys.txt");
        Map<String, String> kv = tracedSpawns("-e inject=close_range:error=ENOSYS", trace);
        int limit = Integer.parseInt(kv.get("limit"));
        int parentFds = Integer.parseInt(kv.get("parent-fds"));
        assertEquals("0", kv.get("empty.fds"), "fds open in the child with an empty map: " + kv);
        assertEquals("2", kv.get("two.fds"), "fds open in the child with {4: 0, 9: 1}: " + kv);
        Map<Long, int[]> calls = callsBeforeExec(trace);
        StringBuilder figures = new StringBuilder();
        for (String name : new String[] {"empty", "two"}) {
            int[] c = calls.get(Long.parseLong(kv.get(name + ".pid")));
            assertTrue(c != null, "strace did not follow the " + name + " child: " + calls.keySet());
            assertTrue(c[1] >= 1, name + " child never tried close_range");
            assertTrue(c[0] <= parentFds + 16, name + " child: " + c[0] + " close() calls for a parent with "
                    + parentFds + " fds (limit " + limit + ")");
            figures.append(name).append(" map ").append(c[0]).append(" close; ");
        }
        Scale.report("close_range failing with ENOSYS, RLIMIT_NOFILE " + limit + ": " + figures + "parent had "
                + parentFds + " fds open");
    }
}
