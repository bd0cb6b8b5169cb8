package dev.forkexec.runner;

import static dev.forkexec.runner.RunnerHarness.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.runner.RunnerHarness.Run;
import dev.forkexec.testkit.ProcFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runner as users run it: a child JVM started through the library, checked by what it prints,
 * writes and exits with. Each test runs a few small jobs.
 */
class RunnerEndToEndTest {
    private static final String TRICKY = "a b'c\"$d";
    private static final Pattern SUMMARY =
            Pattern.compile("forkexec: (\\d+) jobs?, (\\d+) failed(, \\d+ killed)?, [0-9.]+ s, [0-9.]+ jobs/s.*");

    @TempDir
    Path dir;

    private Run runner(String... args) throws Exception {
        return run(dir, "", args);
    }

    private static void assertSummary(Run r, int jobs, int failed) {
        Matcher m = SUMMARY.matcher(r.summary());
        assertTrue(m.matches(), () -> "no summary line:\n" + r);
        assertEquals(jobs + "/" + failed, m.group(1) + "/" + m.group(2), () -> r.toString());
    }

    @Test
    void anInputWithSpacesQuotesAndDollarReachesTheProgramAsOneArgument() throws Exception {
        Run r = runner("printf", "<%s>\\n", ":::", TRICKY);
        assertEquals("<" + TRICKY + ">\n", r.out(), r::toString);
        assertEquals(0, r.status());
    }

    @Test
    void withShellTheInputIsQuotedForTheShellAndStillArrivesIntact() throws Exception {
        Run r = runner("--shell", "printf '<%s>\\n' {} | tr a-z A-Z", ":::", TRICKY);
        assertEquals("<" + TRICKY.toUpperCase() + ">\n", r.out(), r::toString);
    }

    @Test
    void keepOrderPrintsInSequenceOrder() throws Exception {
        Run r = runner("-j3", "-k", "--shell", "sleep 0.{}; echo {}", ":::", "3", "1", "2");
        assertEquals("3\n1\n2\n", r.out(), r::toString);
        assertSummary(r, 3, 0);
    }

    @Test
    void groupingKeepsEachJobsLinesTogether() throws Exception {
        Run r = runner("-j2", "--shell", "echo {}-1; sleep 0.3; echo {}-2", ":::", "a", "b");
        List<String> lines = List.of(r.out().split("\n"));
        assertEquals(4, lines.size(), r::toString);
        assertEquals(lines.get(0).charAt(0), lines.get(1).charAt(0), r::toString);
        assertEquals(lines.get(2).charAt(0), lines.get(3).charAt(0), r::toString);
    }

    @Test
    void stdinLinesAreTheInputsWhenNoSourceIsGiven() throws Exception {
        Run r = run(dir, "x\ny z\n", "-k", "echo", "in:");
        assertEquals("in: x\nin: y z\n", r.out(), r::toString);
    }

    @Test
    void moreInputsThanTheInputQueueHoldsEachRunOnceInOrder() throws Exception {
        // 3,000 inputs: more than the 1,024 the input thread queues ahead plus a 256-job batch the
        // reactor thread takes at a time, so the queue fills, blocks the reader and drains in batches.
        StringBuilder in = new StringBuilder();
        StringBuilder want = new StringBuilder();
        for (int i = 1; i <= 3000; i++) {
            in.append(i).append('\n');
            want.append("n").append(i).append('\n');
        }
        Run r = run(dir, in.toString(), "-k", "-j4", "echo", "n{}");
        assertEquals(want.toString(), r.out(), "missing, repeated or out-of-order jobs");
        assertSummary(r, 3000, 0);
    }

    @Test
    void withoutACommandEachInputIsRunAsACommandLine() throws Exception {
        Run r = runner("-k", ":::", "echo hi there", "printf %s-%s\\\\n a b");
        assertEquals("hi there\na-b\n", r.out(), r::toString);
    }

    @Test
    void tagPrefixesEveryLineWithTheInputs() throws Exception {
        Run r = runner("-k", "--tag", "printf", "%s\\n%s\\n", ":::", "a", "b c", ":::", "1");
        assertEquals("a 1\ta\na 1\t1\nb c 1\tb c\nb c 1\t1\n", r.out(), r::toString);
    }

    @Test
    void jobsSeeTheirSeqAndSlotLikeGnuParallelJobs() throws Exception {
        Run r = runner("-j1", "-k", "--shell", "echo $PARALLEL_SEQ $PARALLEL_JOBSLOT {#} {%}", ":::", "a", "b");
        assertEquals("1 1 1 1\n2 1 2 1\n", r.out(), r::toString);
    }

    @Test
    void concurrentJobsEachSeeTheirOwnSeqAndSlot() throws Exception {
        // -j 4 spawns from spawner threads while the next job's environment is being set up.
        List<String> inputs = new ArrayList<>();
        for (int i = 1; i <= 40; i++) inputs.add("x" + i);
        List<String> args = new ArrayList<>(List.of("-j4", "-k", "--shell", "echo $PARALLEL_SEQ {#} $PARALLEL_JOBSLOT {%}", ":::"));
        args.addAll(inputs);
        Run r = runner(args.toArray(new String[0]));
        String[] lines = r.out().split("\n");
        assertEquals(40, lines.length, r::toString);
        for (int i = 0; i < 40; i++) {
            String[] f = lines[i].split(" ");
            assertEquals(String.valueOf(i + 1), f[0], r::toString);
            assertEquals(f[0], f[1], r::toString);
            assertEquals(f[3], f[2], r::toString);
        }
    }

    @Test
    void theExitStatusIsTheNumberOfFailedJobs() throws Exception {
        Run r = runner("--shell", "exit {}", ":::", "0", "1", "2", "3");
        assertEquals(3, r.status(), r::toString);
        assertSummary(r, 4, 3);
    }

    @Test
    void moreThanAHundredFailuresExitWith101() throws Exception {
        List<String> args = new ArrayList<>(List.of("-j4", "false", ":::"));
        for (int i = 0; i < 105; i++) args.add(Integer.toString(i));
        Run r = runner(args.toArray(new String[0]));
        assertEquals(101, r.status(), r::toString);
        assertSummary(r, 105, 105);
    }

    @Test
    void allJobsSucceedingExitsZeroAndNoJobsAtAllToo() throws Exception {
        assertEquals(0, runner("true", ":::", "a", "b").status());
        assertEquals(0, run(dir, "", "echo").status());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-j 0 echo", "--bogus echo", "echo :::: /nonexist", "--resume --joblog DIR echo ::: a",
        "--halt sometimes echo ::: a", "--colsep ( echo ::: a", "--joblog DIR/no/such echo ::: a"})
    void badInputExits255WithOneLineNamingTheProblem(String argv) throws Exception {
        Run r = runner(argv.replace("DIR", dir.toString()).split(" "));
        assertEquals(255, r.status(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.errLines().get(0).startsWith("forkexec: Error: "), r::toString);
        assertEquals("", r.out());
    }

    @Test
    void aMissingFileErrorUsesGnuParallelsWording() throws Exception {
        Run r = runner("echo", "::::", "/nonexist");
        assertEquals("forkexec: Error: Cannot open input file `/nonexist': No such file or directory", r.errLines().get(0));
    }

    @Test
    void aMissingProgramIsAFailedJobWithExitval127NotACrash() throws Exception {
        Path jl = dir.resolve("jl");
        Run r = runner("-k", "--joblog", jl.toString(), "/no/such/program", ":::", "a", "b");
        assertEquals(2, r.status(), r::toString);
        List<String> rows = Files.readAllLines(jl);
        assertEquals(3, rows.size());
        assertEquals("127", rows.get(1).split("\t")[6]);
        assertTrue(r.err().contains("/no/such/program"), r::toString);
        assertSummary(r, 2, 2);
    }

    @Test
    void joblogRowsHaveGnuParallelsColumns() throws Exception {
        Path jl = dir.resolve("jl");
        Run r = runner("-k", "-j1", "--joblog", jl.toString(), "--shell", "echo {}; exit {#}", ":::", "a", TRICKY);
        assertEquals(2, r.status(), r::toString);
        List<String> rows = Files.readAllLines(jl);
        assertEquals(JobLog.HEADER.strip(), rows.get(0));
        Pattern row = Pattern.compile("(\\d+)\t:\t\\d{10}\\.\\d{3}\t[ \\d]{5}\\d\\.\\d{3}\t0\t(\\d+)\t(-?\\d+)\t(\\d+)\t(.*)");
        Matcher m1 = row.matcher(rows.get(1));
        assertTrue(m1.matches(), rows.get(1));
        assertEquals(List.of("1", "2", "1", "0", "echo a; exit 1"), groups(m1));
        Matcher m2 = row.matcher(rows.get(2));
        assertTrue(m2.matches(), rows.get(2));
        assertEquals(List.of("2", "9", "2", "0", "echo 'a b'\"'\"'c\"$d'; exit 2"), groups(m2));
    }

    private static List<String> groups(Matcher m) {
        List<String> g = new ArrayList<>();
        for (int i = 1; i <= m.groupCount(); i++) g.add(m.group(i));
        return g;
    }

    @Test
    void joblogMatchesGnuParallelsApartFromTheClock() throws Exception {
        Assumptions.assumeTrue(RunnerHarness.gnuParallel().isPresent(), "GNU parallel is not installed (/usr/bin/parallel): skipped");
        String[] common = {"-k", "-j1", "--joblog", "JL", "echo {}; exit {#}", ":::", "a", TRICKY, "", "é:x"};
        List<String> ours = new ArrayList<>(List.of("--shell"));
        ours.addAll(List.of(common));
        Run r = runner(ours.stream().map(s -> s.replace("JL", dir.resolve("ours").toString())).toArray(String[]::new));
        List<String> gnu = new ArrayList<>(List.of(RunnerHarness.gnuParallel().get()));
        gnu.addAll(List.of(common));
        Run g = run(dir, "", Map.of("PARALLEL_SHELL", "/bin/sh"),
                gnu.stream().map(s -> s.replace("JL", dir.resolve("gnu").toString())).toList());
        assertEquals(g.status(), r.status(), () -> r + "\n" + g);
        assertEquals(g.out(), r.out());
        assertEquals(masked(dir.resolve("gnu")), masked(dir.resolve("ours")));
    }

    /** The joblog with Starttime and JobRuntime replaced by their shape. */
    private static List<String> masked(Path joblog) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(joblog)) {
            String[] f = line.split("\t", -1);
            if (f[2].matches("\\d+\\.\\d{3}")) f[2] = "T";
            if (f[3].matches(" *\\d+\\.\\d{3}") && f[3].length() == 10) f[3] = "R";
            out.add(String.join("\t", f));
        }
        return out;
    }

    @Test
    void dryRunPrintsWhatGnuParallelPrints() throws Exception {
        Assumptions.assumeTrue(RunnerHarness.gnuParallel().isPresent(), "GNU parallel is not installed (/usr/bin/parallel): skipped");
        String[] common = {"-k", "--dry-run", "echo {} {.} {/} {//} {/.} {#} {2} {-1}; x{}y", ":::", "/a/b.c", "it's",
            "$HOME", "", ":::", "q r", "s"};
        List<String> ours = new ArrayList<>(List.of("--shell"));
        ours.addAll(List.of(common));
        Run r = runner(ours.toArray(new String[0]));
        List<String> gnu = new ArrayList<>(List.of(RunnerHarness.gnuParallel().get()));
        gnu.addAll(List.of(common));
        Run g = run(dir, "", Map.of(), gnu);
        assertEquals(g.out(), r.out());
        assertEquals(0, r.status());
    }

    @Test
    void resumeRunsOnlyWhatTheJoblogDoesNotHave() throws Exception {
        String jl = dir.resolve("jl").toString();
        Run first = runner("-k", "--joblog", jl, "--shell", "echo run{}; test {} != 2", ":::", "1", "2", "3");
        assertEquals("run1\nrun2\nrun3\n", first.out());
        assertEquals(1, first.status());
        Run resumed = runner("-k", "--resume", "--joblog", jl, "--shell", "echo run{}; test {} != 2", ":::", "1", "2",
                "3", "4", "5");
        assertEquals("run4\nrun5\n", resumed.out(), resumed::toString);
        assertEquals(0, resumed.status());
        Run failed = runner("-k", "--resume-failed", "--joblog", jl, "--shell", "echo again{}", ":::", "1", "2", "3", "4",
                "5", "6");
        assertEquals("again2\nagain6\n", failed.out(), failed::toString);
        List<String> rows = Files.readAllLines(Path.of(jl));
        assertEquals(1 + 3 + 2 + 2, rows.size(), rows::toString);
        assertEquals(1, rows.stream().filter(l -> l.startsWith("Seq\t")).count());
    }

    @Test
    void aShardRunsItsShareWithGlobalSequenceNumbers() throws Exception {
        Set<String> all = new TreeSet<>();
        for (int i = 0; i < 3; i++) {
            Run r = runner("--shard", i + "/3", "--shell", "echo {#}={}", ":::", "1", "2", "3", "4", "5", "6", "7");
            for (String line : r.out().split("\n")) {
                String[] kv = line.split("=");
                assertEquals(kv[0], kv[1], "{#} is the global sequence number");
                assertEquals(i, (Integer.parseInt(kv[0]) - 1) % 3, "job " + line + " belongs to shard " + i);
                assertTrue(all.add(kv[0]), "job " + line + " ran in two shards");
            }
        }
        assertEquals(new TreeSet<>(Arrays.asList("1", "2", "3", "4", "5", "6", "7")), all);
    }

    @Test
    void aTimeoutKillsTheJobAndTheJoblogSaysSo() throws Exception {
        Path jl = dir.resolve("jl");
        Run r = runner("--timeout", "0.5", "--joblog", jl.toString(), "sleep", ":::", "30");
        assertEquals(1, r.status(), r::toString);
        String[] row = Files.readAllLines(jl).get(1).split("\t");
        assertEquals("-1", row[6]);
        assertEquals("15", row[7]);
        assertTrue(r.elapsed().toSeconds() < 20, "the job was not killed: " + r.elapsed());
        assertTrue(r.err().contains("timed out"), r::toString);
    }

    @Test
    void haltNowKillsTheRunningJobsAndExitsWithTheFailedJobsStatus() throws Exception {
        Path jl = dir.resolve("jl");
        Run r = runner("-j2", "--halt", "now,fail=1", "--joblog", jl.toString(), "sleep", ":::", "0.2x", "30");
        assertEquals(1, r.status(), r::toString);
        assertEquals(2, Files.readAllLines(jl).size(), "header and the failed job only");
        assertTrue(r.elapsed().toSeconds() < 20, "the running job was not killed: " + r.elapsed());
        assertTrue(r.err().contains("forkexec: This job failed: sleep 0.2x"), r::toString);
    }

    @Test
    void retriesRunAFailedJobAgainAndPrintOnlyTheLastAttempt() throws Exception {
        Path report = dir.resolve("report.json");
        Run r = runner("--retries", "3", "--report", report.toString(), "--shell",
                ": {}; n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count; echo try$n; test $n -ge 2", ":::", "x");
        assertEquals(0, r.status(), r::toString);
        assertEquals("try2\n", r.out());
        assertTrue(Files.readString(report).contains("\"tries\":3"), Files.readString(report));
    }

    @Test
    void theReportHasOneJsonLinePerJobWithTheContractsFields() throws Exception {
        Path report = dir.resolve("report.json");
        Run r = runner("-k", "--report", report.toString(), "--shell", "printf ab; printf c >&2; exit {}", ":::", "0", "3");
        assertEquals(1, r.status(), r::toString);
        List<String> lines = Files.readAllLines(report);
        assertEquals(2, lines.size());
        for (String key : new String[] {"seq", "command", "exit", "signal", "timedOut", "tries", "start", "runtime",
            "userTime", "systemTime", "maxRss", "stdoutBytes", "stderrBytes"}) {
            assertTrue(lines.get(0).contains("\"" + key + "\":"), key + " missing in " + lines.get(0));
        }
        assertTrue(lines.get(1).contains("\"seq\":2,"), lines.get(1));
        assertTrue(lines.get(1).contains("\"command\":[\"sh\",\"-c\",\"printf ab; printf c >&2; exit 3\"]"), lines.get(1));
        assertTrue(lines.get(1).contains("\"exit\":3,\"signal\":0,\"timedOut\":false,\"tries\":1,"), lines.get(1));
        assertTrue(lines.get(1).contains("\"stdoutBytes\":2,\"stderrBytes\":1"), lines.get(1));
    }

    @Test
    void progressStaysOffWhenStderrIsNotATerminal() throws Exception {
        Run r = runner("--bar", "--eta", "true", ":::", "a", "b");
        assertEquals(1, r.errLines().size(), r::toString);
        assertSummary(r, 2, 0);
    }

    @Test
    void resultsWritesFilesAndPrintsNothing() throws Exception {
        Path res = dir.resolve("res");
        Run r = runner("--results", res.toString(), "--shell", "echo out{}; echo err{} >&2", ":::", "a/b");
        assertEquals("", r.out());
        Path d = res.resolve("1").resolve("a\\_b");
        assertEquals("outa/b\n", Files.readString(d.resolve("stdout")));
        assertEquals("erra/b\n", Files.readString(d.resolve("stderr")));
        assertEquals("1", Files.readString(d.resolve("seq")));
    }

    /** Whether the process is gone within 2 s: no such pid, or a zombie waiting for init to reap it. */
    private static boolean gone(long pid) throws Exception {
        return ProcFs.awaitNotRunning(pid, java.time.Duration.ofSeconds(2));
    }

    private static void killIfAlive(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void aTimeoutKillsTheJobsWholeProcessGroup() throws Exception {
        Path pidFile = dir.resolve("bgpid");
        Run r = runner("--timeout", "0.5", "--shell", ": {}; sleep 30 & echo $! > " + pidFile + "; sleep 30", ":::", "x");
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        try {
            assertEquals(1, r.status(), r::toString);
            assertTrue(gone(pid), "the job's background sleep (pid " + pid + ") survived the timeout");
        } finally {
            killIfAlive(pid);
        }
    }

    @Test
    void aCgroupTimeoutKillsADescendantThatLeftTheSessionAndRemovesTheCgroup() throws Exception {
        Path cg = newCgroup();
        Assumptions.assumeTrue(cg != null, "no writable cgroup v2 directory (root and cgroup2 needed): skipped");
        Path pidFile = dir.resolve("escpid");
        try {
            Run r = runner("--cgroup", cg.toString(), "--timeout", "0.5", "--shell",
                    ": {}; setsid sleep 30 > /dev/null 2>&1 & echo $! > " + pidFile + "; sleep 30", ":::", "x");
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            try {
                assertEquals(1, r.status(), r::toString);
                assertTrue(gone(pid), "the setsid escapee (pid " + pid + ") survived the timeout");
                try (var left = Files.list(cg)) {
                    assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("forkexec-")).toList());
                }
            } finally {
                killIfAlive(pid);
            }
        } finally {
            Files.deleteIfExists(cg);
        }
    }

    /** A fresh cgroup v2 directory, or null where none can be made. */
    private static Path newCgroup() {
        for (String root : List.of("/sys/fs/cgroup/unified", "/sys/fs/cgroup")) {
            Path r = Path.of(root);
            if (!Files.exists(r.resolve("cgroup.procs")) || !Files.exists(r.resolve("cgroup.subtree_control"))) continue;
            try {
                return Files.createDirectory(r.resolve("fxrunner-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
            } catch (Exception e) {
                // not writable here
            }
        }
        return null;
    }

    @Test
    void niceAndRlimitApplyToEachJob() throws Exception {
        Run r = runner("--nice", "7", "--rlimit", "NOFILE=100", "--shell",
                ": {}; cut -d' ' -f19 /proc/self/stat; ulimit -n", ":::", "x");
        assertEquals("7\n100\n", r.out(), r::toString);
    }

    @Test
    void theReportAndTheSummaryCarryWhatTheJobsUsed() throws Exception {
        Path report = dir.resolve("report.json");
        Run r = runner("--report", report.toString(), "--shell", ": {}; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done",
                ":::", "x");
        String line = Files.readString(report);
        Matcher m = Pattern.compile(".*\"userTime\":([0-9.]+),\"systemTime\":([0-9.]+),\"maxRss\":(\\d+),.*\n").matcher(line);
        assertTrue(m.matches(), line);
        assertTrue(Double.parseDouble(m.group(1)) + Double.parseDouble(m.group(2)) > 0, line);
        assertTrue(Long.parseLong(m.group(3)) > 0, line);
        assertTrue(r.summary().matches(".*, CPU [0-9.]+ s user \\+ [0-9.]+ s system, max RSS [0-9.]+ MiB"), r.summary());
    }

    @Test
    void ungroupedJobsWriteStraightToTheRunnersStdoutAndReceiveIsZero() throws Exception {
        Path jl = dir.resolve("jl");
        Run r = runner("-u", "-j1", "--joblog", jl.toString(), "echo", ":::", "a", "b");
        assertEquals("a\nb\n", r.out(), r::toString);
        for (String row : Files.readAllLines(jl).subList(1, 3)) assertEquals("0", row.split("\t")[5], row);
    }

    @Test
    void aClosedStdoutIsOneErrorLineAndExit255() throws Exception {
        dev.forkexec.ProcessSpec spec = dev.forkexec.ProcessSpec.command(RunnerHarness.javaCommand(
                "-j2", "--shell", "echo {}; sleep 0.05", ":::", "1", "2", "3", "4", "5", "6", "7", "8")).directory(dir).build();
        try (dev.forkexec.Subprocess p = dev.forkexec.Subprocess.start(spec)) {
            p.channel(0).close();
            p.channel(1).close();
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
            while (p.channel(2).read(buf) >= 0) {
                err.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            dev.forkexec.ExitStatus st = p.waitFor();
            String text = err.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(255, st.exitCode(), text);
            assertTrue(text.startsWith("forkexec: Error: cannot write to stdout: Broken pipe\n"), text);
            assertTrue(!text.contains("\tat "), "a stack trace: " + text);
        }
    }

    @Test
    void haltSoonLetsTheRunningJobsFinishAndStartsNoMore() throws Exception {
        Path jl = dir.resolve("jl");
        Run r = runner("-j2", "--halt", "soon,fail=1", "--joblog", jl.toString(), "--shell", "sleep {}; exit 3",
                ":::", "0.1", "0.6", "5", "5");
        assertEquals(3, r.status(), r::toString);
        assertEquals(3, Files.readAllLines(jl).size(), "header and the two jobs that started");
        assertTrue(r.err().contains("forkexec: Starting no more jobs. Waiting for 1 jobs to finish."), r::toString);
    }
}
