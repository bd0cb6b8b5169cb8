package dev.forkexec.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 12: the job runner (issue 14) against {@code xargs -P N -n 1} and GNU parallel.
 *
 * <p>Every run is a fresh process tree started through {@code bench/c/rusage.c}, which reports the
 * wall time from spawn to reap (so the runner's JVM start and exit are in it), the user + system CPU
 * of the whole tree (wait4's rusage: the tool plus every job it reaped) and the largest resident set
 * in the tree (the runner's JVM for forkexec). The inputs come on stdin from a file (one number per
 * line), the same for every tool; stdout is a pipe this harness reads to the end.
 *
 * <ul>
 *   <li><b>true</b>: {@code true} per input, at -j 2 and -j 8: jobs/s, CPU per job.
 *   <li><b>echo</b>: {@code echo INPUT} per input, output collected: the runner's default (grouped)
 *       output, GNU parallel's default (grouped) and xargs writing straight to the pipe; the harness
 *       checks that every input came back exactly once on a whole line of its own.
 *   <li><b>million</b>: a million {@code true} inputs through the runner at -j 8, for real (no
 *       {@code --dry-run}), when the rate measured above says it takes at most the budget; else a
 *       smaller real run and the extrapolation. Peak RSS of the runner's JVM.
 * </ul>
 *
 * <p>Rows: the runner through its launcher ({@code bin/forkexec}: C1 only, serial GC, CDS) and
 * through {@code java -jar} with the JDK's defaults; xargs; GNU parallel, or a "not installed" row;
 * and the limit, {@code bench/c/jobloop.c} (posix_spawnp + wait, J at a time, nothing else), which
 * says how far any runner could get on this machine.
 */
final class RunnerBench {
    static final Bench.Row RUNNER = new Bench.Row("fe-runner", "forkexec runner (`bin/forkexec`)", "#1b9e77");
    static final Bench.Row RUNNER_JAR = new Bench.Row("fe-runner-jar", "forkexec runner (`java -jar`, JDK defaults)", "#66c2a5");
    static final Bench.Row XARGS = new Bench.Row("xargs", "`xargs -P N -n 1`", "#d95f02");
    static final Bench.Row PARALLEL = new Bench.Row("parallel", "GNU parallel", "#7570b3");
    static final Bench.Row C_LIMIT = new Bench.Row("c-jobloop", "C job loop (limit: `bench/c/jobloop.c`)", "#666666");
    static final List<Bench.Row> ROWS = List.of(RUNNER, RUNNER_JAR, XARGS, PARALLEL, C_LIMIT);
    static final int[] JOBS = {2, 8};
    static final String MILLION = "s12-million";

    private RunnerBench() {}

    static String sc(String kind, int j) {
        return "s12-" + kind + "-j" + j;
    }

    /** One run's figures. */
    record Run(double wallSeconds, double userSeconds, double sysSeconds, double maxRssMiB, int status) {}

    static void phase(Bench b) throws Exception {
        Path dir = Files.createTempDirectory("forkexec-bench-s12-");
        try {
            String parallelVersion = versionOf("parallel", "GNU parallel");
            String xargsVersion = versionOf("xargs", "xargs");
            b.env.put("GNU parallel", parallelVersion != null ? parallelVersion : "not installed");
            b.env.put("xargs", xargsVersion != null ? xargsVersion : "not installed");
            Bench.Config c = b.cfg;
            Path inTrue = inputs(dir, c.runnerJobs());
            Path inEcho = inputs(dir, c.runnerOutJobs());
            Path inWarm = inputs(dir, c.runnerWarmJobs());
            List<Bench.Task> tasks = new ArrayList<>();
            for (String kind : List.of("true", "echo")) {
                int n = kind.equals("true") ? c.runnerJobs() : c.runnerOutJobs();
                Path in = kind.equals("true") ? inTrue : inEcho;
                for (int j : JOBS) {
                    for (Bench.Row row : ROWS) {
                        String version = row == PARALLEL ? parallelVersion : row == XARGS ? xargsVersion : "";
                        if (version == null) {
                            b.series(sc(kind, j), row.key()).error = "not installed";
                            continue;
                        }
                        tasks.add(new Bench.Task(sc(kind, j), row.key(), warm -> {
                            int jobs = warm ? c.runnerWarmJobs() : n;
                            Run r = run(b, dir, row, j, kind, jobs, warm ? inWarm : in);
                            return metrics(r, jobs);
                        }));
                    }
                }
            }
            b.log.println("[bench] scenario 12: load " + ProcSelf.loadAverage());
            b.env.put("load average (scenario 12 start)", ProcSelf.loadAverage());
            // how dear a spawn is on this host today: the ratios against GNU parallel move with it
            b.env.put("C posix_spawn loop at scenario 12 start (µs per /bin/true, 500 spawns)",
                    String.format(Locale.ROOT, "%.0f", Long.parseLong(b.runC(b.c("spawnloop"), "s1", "500")) / 1e3));
            b.roundRobin("scenario 12 (job runner)", tasks, c.runnerRounds());
            million(b, dir);
        } finally {
            Bench.deleteTree(dir);
        }
    }

    /** The first line of {@code PROG --version} if it contains {@code mark}, else null (not installed). */
    static String versionOf(String prog, String mark) {
        try {
            Process p = new ProcessBuilder(prog, "--version").redirectErrorStream(true).redirectInput(Redirect.from(new java.io.File("/dev/null")))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            String first = out.lines().findFirst().orElse("");
            return first.contains(mark) ? first.trim() : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    /** A file of the numbers 1..n, one per line (written once per size). */
    static Path inputs(Path dir, long n) throws IOException {
        Path f = dir.resolve("inputs-" + n);
        if (Files.exists(f)) return f;
        StringBuilder s = new StringBuilder();
        try (var w = Files.newBufferedWriter(f, StandardCharsets.US_ASCII)) {
            for (long i = 1; i <= n; i++) {
                s.setLength(0);
                w.append(s.append(i).append('\n'));
            }
        }
        return f;
    }

    static Map<String, List<Double>> metrics(Run r, long jobs) {
        Map<String, List<Double>> m = new LinkedHashMap<>();
        m.put("wall", List.of(r.wallSeconds));
        m.put("jps", List.of(jobs / r.wallSeconds));
        m.put("cpu", List.of((r.userSeconds + r.sysSeconds) * 1e3 / jobs));
        m.put("rss", List.of(r.maxRssMiB));
        return m;
    }

    /** The argv of one tool running {@code cmd} at -j {@code j}, inputs on stdin. */
    static List<String> argv(Bench b, Bench.Row row, int j, String cmd) {
        String jj = Integer.toString(j);
        if (row == RUNNER) return List.of(b.runnerScript.toString(), "-j", jj, cmd);
        if (row == RUNNER_JAR) {
            return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", b.forkexecJar.toString(),
                    "-j", jj, cmd);
        }
        if (row == XARGS) return List.of("xargs", "-P", jj, "-n", "1", cmd);
        if (row == PARALLEL) return List.of("parallel", "-j", jj, cmd);
        if (row == C_LIMIT) return List.of(b.c("jobloop"), jj, cmd);
        throw new IllegalArgumentException(row.key());
    }

    /** Runs one tool under the meter; checks its exit status and its output. */
    static Run run(Bench b, Path dir, Bench.Row row, int j, String kind, long jobs, Path in) throws Exception {
        Path meter = dir.resolve("meter.out");
        Path err = dir.resolve("stderr.txt");
        Files.deleteIfExists(meter);
        List<String> cmd = new ArrayList<>(List.of(b.c("rusage"), meter.toString()));
        cmd.addAll(argv(b, row, j, kind));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectError(err.toFile());
        pb.environment().put("FORKEXEC_JAR", b.forkexecJar.toString());
        Process p = pb.start();
        long lines = 0;
        BitSet seen = new BitSet();
        String bad = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String l; (l = r.readLine()) != null;) {
                lines++;
                if (bad != null) continue;
                int v;
                try {
                    v = Integer.parseInt(l);
                } catch (NumberFormatException e) {
                    bad = "a broken line '" + (l.length() > 40 ? l.substring(0, 40) + "..." : l) + "'";
                    continue;
                }
                if (v < 1 || v > jobs || seen.get(v)) bad = "an unexpected or repeated line " + v;
                else seen.set(v);
            }
        }
        int code = p.waitFor();
        if (code != 0) throw new IOException("the meter failed (exit " + code + "): " + tail(err));
        String[] f = Files.readString(meter).trim().split("\\s+");
        Run run = new Run(Long.parseLong(f[0]) / 1e9, Long.parseLong(f[1]) / 1e6, Long.parseLong(f[2]) / 1e6,
                Long.parseLong(f[3]) / 1024.0, Integer.parseInt(f[4]));
        String what = String.join(" ", argv(b, row, j, kind));
        if (run.status != 0) throw new IOException(what + " exited with " + run.status + ": " + tail(err));
        if (kind.equals("true") && lines != 0) throw new IOException(what + " printed " + lines + " lines, expected none");
        if (kind.equals("echo")) {
            if (bad != null) throw new IOException(what + ": " + bad);
            if (lines != jobs || seen.cardinality() != jobs) {
                throw new IOException(what + ": " + lines + " lines, " + seen.cardinality() + " distinct inputs, expected " + jobs);
            }
        }
        return run;
    }

    private static String tail(Path err) {
        try {
            String s = Files.readString(err).trim();
            return s.length() > 300 ? "..." + s.substring(s.length() - 300) : s;
        } catch (IOException e) {
            return "(no stderr)";
        }
    }

    /**
     * The million: for real when the -j 8 rate of the runner above says it takes at most the
     * budget, else the fallback size and the extrapolation.
     */
    static void million(Bench b, Path dir) throws Exception {
        Bench.Config c = b.cfg;
        Bench.Series s = b.series(MILLION, RUNNER.key());
        double rate = med(b, sc("true", 8), RUNNER.key(), "jps");
        long n = c.millionJobs();
        if (Double.isNaN(rate) || n / rate > c.millionBudgetSeconds()) n = c.millionFallbackJobs();
        b.log.printf("[bench] scenario 12: %,d inputs through the runner at -j 8 (load %s)%n", n, ProcSelf.loadAverage());
        b.env.put("load average (scenario 12, before the million run)", ProcSelf.loadAverage());
        try {
            Run r = run(b, dir, RUNNER, 8, "true", n, inputs(dir, n));
            metrics(r, n).forEach((k, v) -> s.get(k).addAll(v));
            s.get("jobs").add((double) n);
            if (n < 1_000_000) {
                s.note = String.format(Locale.ROOT, "Not the million: %,d real jobs, because %s; at this run's rate a million "
                        + "would take about %.0f s", n, n == c.millionJobs() ? "this is the reduced run"
                        : String.format(Locale.ROOT, "at the -j 8 rate of the %,d-job runs (%.0f jobs/s) a million would take "
                                + "%.0f s, over the %d s budget", c.runnerJobs(), rate, 1e6 / rate, c.millionBudgetSeconds()),
                        1e6 / (n / r.wallSeconds));
            }
        } catch (Exception e) {
            s.error = String.valueOf(e.getMessage());
            b.log.println("[bench] scenario 12 million failed: " + e);
        }
    }

    // ------------------------------------------------------------ report

    private static Bench.Series s(Bench b, String scenario, String row) {
        Map<String, Bench.Series> m = b.results.get(scenario);
        return m == null ? null : m.get(row);
    }

    static double med(Bench b, String scenario, String row, String metric) {
        Bench.Series x = s(b, scenario, row);
        return x == null ? Double.NaN : x.median(metric);
    }

    private static String f(String fmt, double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, fmt, v);
    }

    private static String ratio(double v) {
        return f("%.2f×", v);
    }

    private static String verdict(boolean ok, double v) {
        return Double.isNaN(v) ? "not measured" : ok ? "**met**" : "**missed**";
    }

    private static String cell(Bench b, String scenario, String row, String metric, String fmt) {
        Bench.Series x = s(b, scenario, row);
        if (x == null) return "n/a";
        if (x.error != null) return x.error.equals("not installed") ? "not installed" : "failed: " + x.error.replace('|', '/');
        return f(fmt, x.median(metric));
    }

    private static String range(Bench b, String scenario, String row) {
        Bench.Series x = s(b, scenario, row);
        if (x == null || x.error != null || x.get("jps").isEmpty()) return "";
        return f("%.0f", Stats.min(x.get("jps"))) + "–" + f("%.0f", Stats.max(x.get("jps")));
    }

    /**
     * The median over rounds of row a's jobs/s divided by row c's in the same round: steadier than
     * the ratio of medians when the machine's load changes between rounds.
     */
    static double paired(Bench b, String scenario, String a, String c) {
        Bench.Series x = s(b, scenario, a);
        Bench.Series y = s(b, scenario, c);
        if (x == null || y == null || x.error != null || y.error != null) return Double.NaN;
        List<Double> xs = x.get("jps");
        List<Double> ys = y.get("jps");
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(xs.size(), ys.size()); i++) r.add(xs.get(i) / ys.get(i));
        return Stats.median(r);
    }

    /** The C job loop's jobs/s over GNU parallel's: how far any runner could get against parallel in that run. */
    static double limitOverParallel(Bench b, String scenario) {
        return med(b, scenario, C_LIMIT.key(), "jps") / med(b, scenario, PARALLEL.key(), "jps");
    }

    /** The rows of the report's targets table. */
    static void targets(Bench b, StringBuilder o) {
        if (!b.results.containsKey(sc("true", 2))) return;
        for (int j : JOBS) {
            String sc = sc("true", j);
            double fe = med(b, sc, RUNNER.key(), "jps");
            double x = fe / med(b, sc, XARGS.key(), "jps");
            o.append("| S12 (-j ").append(j).append("): runner ≥ 0.90× xargs' jobs/s, JVM start included | ")
                    .append(ratio(x)).append(" (paired by round ").append(ratio(paired(b, sc, RUNNER.key(), XARGS.key())))
                    .append("; `java -jar` ").append(ratio(med(b, sc, RUNNER_JAR.key(), "jps")
                            / med(b, sc, XARGS.key(), "jps"))).append(") | ").append(verdict(x >= 0.9, x)).append(" |\n");
            double y = fe / med(b, sc, PARALLEL.key(), "jps");
            o.append("| S12 (-j ").append(j).append("): runner ≥ 5× GNU parallel's jobs/s | ")
                    .append(s(b, sc, PARALLEL.key()) != null && "not installed".equals(s(b, sc, PARALLEL.key()).error)
                            ? "GNU parallel not installed" : ratio(y) + " (the C limit: "
                                    + ratio(limitOverParallel(b, sc)) + ")")
                    .append(" | ").append(verdict(y >= 5, y)).append(" |\n");
            double z = med(b, sc, RUNNER.key(), "cpu") / med(b, sc, XARGS.key(), "cpu");
            o.append("| S12 (-j ").append(j).append("): runner's CPU per job ≤ 1.5× xargs' | ").append(ratio(z))
                    .append(" | ").append(verdict(z <= 1.5, z)).append(" |\n");
        }
        double rss = med(b, MILLION, RUNNER.key(), "rss");
        double n = med(b, MILLION, RUNNER.key(), "jobs");
        o.append("| S12: a million `true` inputs, runner's peak RSS < 256 MiB | ").append(f("%.0f MiB", rss))
                .append(Double.isNaN(n) ? "" : String.format(Locale.ROOT, " over %,.0f real jobs", n)).append(" | ")
                .append(verdict(rss < 256, rss)).append(" |\n");
    }

    static void report(Bench b, StringBuilder o) {
        if (!b.results.containsKey(sc("true", 2))) return;
        Bench.Config c = b.cfg;
        o.append("## 12. The job runner against `xargs` and GNU parallel\n\n")
                .append("Each run is a fresh process tree under `bench/c/rusage.c`: wall time from spawn to reap (the ")
                .append("runner's JVM start and exit included), *CPU per job* = user + system CPU of the whole tree (the ")
                .append("tool and every job it reaped) ÷ jobs, *peak RSS* = the largest process in the tree (the runner's ")
                .append("JVM; for xargs and parallel, whichever process was largest). Inputs on stdin from a file, one number ")
                .append("per line; stdout a pipe read by the harness. Median of ").append(c.runnerRounds())
                .append(" interleaved rounds after a warm-up round of ").append(c.runnerWarmJobs()).append(" jobs per row. ")
                .append("`bin/forkexec` is the launcher in the repository (C1 only, serial GC, CDS); `java -jar` uses the ")
                .append("JDK's defaults. xargs execs the program itself; GNU parallel (").append(b.env.getOrDefault("GNU parallel", "?"))
                .append(") runs each job as it decides (a shell when the command needs one). *C job loop* is the limit: ")
                .append("`bench/c/jobloop.c` reads the same inputs and runs each job with `posix_spawnp` and `wait`, J at a ")
                .append("time, with no joblog, grouping or timeout: no runner can do less per job.\n\n");
        for (String kind : List.of("true", "echo")) {
            int n = kind.equals("true") ? c.runnerJobs() : c.runnerOutJobs();
            o.append("### 12").append(kind.equals("true") ? "a" : "b").append(". ").append(String.format(Locale.ROOT, "%,d", n))
                    .append(kind.equals("true") ? " `true` jobs\n\n"
                            : " `echo INPUT` jobs, output collected (runner and parallel: grouped, their default; xargs: "
                                    + "straight to the pipe; every line checked)\n\n");
            o.append("| implementation | -j | wall s | jobs/s | range over rounds | ÷ xargs | paired ÷ xargs | ÷ parallel | CPU ms per job ")
                    .append("| CPU ÷ xargs | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (int j : JOBS) {
                String sc = sc(kind, j);
                double xj = med(b, sc, XARGS.key(), "jps");
                double pj = med(b, sc, PARALLEL.key(), "jps");
                double xc = med(b, sc, XARGS.key(), "cpu");
                for (Bench.Row row : ROWS) {
                    if (s(b, sc, row.key()) == null) continue;
                    String label = row == PARALLEL && b.env.containsKey("GNU parallel")
                            && !b.env.get("GNU parallel").equals("not installed") ? b.env.get("GNU parallel") : row.label();
                    double jps = med(b, sc, row.key(), "jps");
                    o.append("| ").append(label).append(" | ").append(j).append(" | ")
                            .append(cell(b, sc, row.key(), "wall", "%.2f")).append(" | ")
                            .append(cell(b, sc, row.key(), "jps", "%.0f")).append(" | ").append(range(b, sc, row.key()))
                            .append(" | ").append(ratio(jps / xj)).append(" | ")
                            .append(row == XARGS ? "" : ratio(paired(b, sc, row.key(), XARGS.key()))).append(" | ")
                            .append(ratio(jps / pj)).append(" | ")
                            .append(cell(b, sc, row.key(), "cpu", "%.2f")).append(" | ")
                            .append(ratio(med(b, sc, row.key(), "cpu") / xc)).append(" | ")
                            .append(cell(b, sc, row.key(), "rss", "%.0f")).append(" |\n");
                }
            }
            o.append('\n');
        }
        o.append("Targets (issue 14, on the `true` jobs): runner ≥ 0.90× xargs' jobs/s at both -j, ≥ 5× GNU parallel's, CPU ")
                .append("per job ≤ 1.5× xargs'. ");
        for (int j : JOBS) {
            String sc = sc("true", j);
            double fe = med(b, sc, RUNNER.key(), "jps");
            double x = fe / med(b, sc, XARGS.key(), "jps");
            double y = fe / med(b, sc, PARALLEL.key(), "jps");
            double z = med(b, sc, RUNNER.key(), "cpu") / med(b, sc, XARGS.key(), "cpu");
            o.append("-j ").append(j).append(": ").append(ratio(x)).append(" xargs (paired by round ")
                    .append(ratio(paired(b, sc, RUNNER.key(), XARGS.key()))).append(") ").append(verdict(x >= 0.9, x)).append(", ")
                    .append(ratio(y)).append(" parallel ").append(verdict(y >= 5, y)).append(" (the C limit ")
                    .append(ratio(limitOverParallel(b, sc))).append(")")
                    .append(", CPU ").append(ratio(z)).append(" ")
                    .append(verdict(z <= 1.5, z)).append(j == JOBS[JOBS.length - 1] ? ".\n\n" : "; ");
        }
        o.append("The same ratios for the `echo` jobs: ");
        for (int j : JOBS) {
            String sc = sc("echo", j);
            double fe = med(b, sc, RUNNER.key(), "jps");
            o.append("-j ").append(j).append(" ").append(ratio(fe / med(b, sc, XARGS.key(), "jps"))).append(" xargs, ")
                    .append(ratio(fe / med(b, sc, PARALLEL.key(), "jps"))).append(" parallel, CPU ")
                    .append(ratio(med(b, sc, RUNNER.key(), "cpu") / med(b, sc, XARGS.key(), "cpu")))
                    .append(j == JOBS[JOBS.length - 1] ? " (information).\n\n" : "; ");
        }
        Bench.Series m = s(b, MILLION, RUNNER.key());
        if (m != null) {
            o.append("### 12c. A million `true` inputs through the runner (or as many as fit the time budget), -j 8\n\n");
            if (m.error != null) {
                o.append("Failed: ").append(m.error).append("\n\n");
            } else {
                double n = m.median("jobs");
                o.append(String.format(Locale.ROOT, "%,.0f real jobs (no `--dry-run`): %.1f s, %.0f jobs/s, CPU %.2f ms per job, "
                        + "peak RSS of the runner's JVM **%.0f MiB** (target < 256 MiB: %s; the %,d-job runs above peaked at %.0f MiB).",
                        n, m.median("wall"), m.median("jps"), m.median("cpu"), m.median("rss"),
                        m.median("rss") < 256 ? "met" : "missed", c.runnerJobs(), med(b, sc("true", 8), RUNNER.key(), "rss")));
                if (m.note != null) o.append(" ").append(m.note).append('.');
                o.append("\n\n");
            }
        }
    }
}
