package dev.forkexec.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 11: what the spawn options of API v2 cost, and that the default path did not pay for them.
 *
 * <p>Rows, all {@code Subprocess.start} + {@code waitFor} of {@code /bin/true} in small-heap worker
 * JVMs, interleaved round-robin: <em>no options</em> (no fds, nothing else: the default path) in the
 * harness's current worker; the same in a second current worker (an A/A pair: how far two JVMs of
 * the same build differ here); the same with the {@code --baseline-jar} build (the library before the
 * options existed) in its own worker; then each option alone and all of them together (see
 * {@link ForkexecOptionsDriver} for the values), and all of them inside a cgroup v2 directory when
 * one is writable here.
 *
 * <p>Target (issue 11): the default path no slower than before, same-run ratio within 3%. The
 * options' own cost is information.
 */
final class OptionsBench {
    static final String SC = "s11";
    static final Bench.Row NONE = new Bench.Row("none", "no options (current)", "#1b9e77");
    static final Bench.Row NONE_AA = new Bench.Row("none-aa", "no options (current, a second JVM: A/A)", "#1b9e77");
    static final Bench.Row NONE_BEFORE = new Bench.Row("none-before", "no options (--baseline-jar build)", "#999999");
    /** Option rows: key (after fe-options:), label. */
    static final List<Bench.Row> OPTIONS = List.of(
            new Bench.Row("pgroup", "processGroup(0)", ""),
            new Bench.Row("rlimit", "rlimit(NOFILE, soft, soft), soft = this JVM's", ""),
            new Bench.Row("umask", "umask(022)", ""),
            new Bench.Row("nice", "niceness(this JVM's)", ""),
            new Bench.Row("pdeathsig", "parentDeathSignal(SIGTERM)", ""),
            new Bench.Row("nonewprivs", "noNewPrivileges(true)", ""),
            new Bench.Row("redirects", "0 devNull(), 1 writeTo(tmp file), 2 sameAs(1)", ""),
            new Bench.Row("all", "all of the above", ""));
    static final Bench.Row ALL_CGROUP = new Bench.Row("all-cgroup", "all of the above + cgroup(DIR)", "");

    private OptionsBench() {}

    static Bench.Task task(Bench b, String row, Bench.WorkerJvm w, String impl) {
        Bench.Config c = b.cfg;
        return new Bench.Task(SC, row, warm -> Bench.one("us", Long.parseLong(w.call("s1 " + impl + " "
                + (warm ? c.warmBatch() + " " + c.warmBudgetMillis() : c.optBatch() + " " + c.budgetMillis()))) / 1e3));
    }

    static void phase(Bench b, Bench.WorkerJvm small, Bench.WorkerJvm before) throws Exception {
        Path cgroup = makeCgroup(b);
        b.env.put("load average (scenario 11 start)", ProcSelf.loadAverage());
        try (Bench.WorkerJvm aa = b.new WorkerJvm("small-aa", b.smallHeap())) {
            List<Bench.Task> tasks = new ArrayList<>();
            tasks.add(task(b, NONE.key(), small, "fe-subprocess"));
            tasks.add(task(b, NONE_AA.key(), aa, "fe-subprocess"));
            if (before != null) {
                tasks.add(task(b, NONE_BEFORE.key(), before, "fe-subprocess"));
            } else {
                b.series(SC, NONE_BEFORE.key()).error = "not run: no --baseline-jar given";
            }
            for (Bench.Row r : OPTIONS) tasks.add(task(b, r.key(), small, "fe-options:" + r.key()));
            if (cgroup != null) tasks.add(task(b, ALL_CGROUP.key(), small, "fe-options:all-cgroup=" + cgroup));
            b.roundRobin("scenario 11 (spawn options)", tasks, b.cfg.optRounds());
        } finally {
            if (cgroup != null) removeCgroup(b, cgroup);
        }
    }

    /**
     * A fresh directory in the first writable cgroup v2 hierarchy (/sys/fs/cgroup when it is v2,
     * else /sys/fs/cgroup/unified), or null with a note saying why there is no cgroup row.
     */
    static Path makeCgroup(Bench b) {
        for (String root : List.of("/sys/fs/cgroup", "/sys/fs/cgroup/unified")) {
            Path r = Path.of(root);
            if (!Files.isRegularFile(r.resolve("cgroup.controllers")) || !Files.isRegularFile(r.resolve("cgroup.procs"))) continue;
            Path d = r.resolve("forkexec-bench-" + ProcessHandle.current().pid());
            try {
                Files.createDirectory(d);
                b.env.put("scenario 11 cgroup", d.toString());
                return d;
            } catch (IOException e) {
                // not writable here; try the next
            }
        }
        b.notes.add("Scenario 11: no writable cgroup v2 directory (tried /sys/fs/cgroup and /sys/fs/cgroup/unified), "
                + "so no cgroup row.");
        return null;
    }

    /** rmdir, retrying while the kernel still counts a dying member. */
    static void removeCgroup(Bench b, Path d) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            try {
                Files.deleteIfExists(d);
                return;
            } catch (IOException e) {
                Thread.sleep(10);
            }
        }
        b.log.println("[bench] could not remove " + d);
    }

    // ------------------------------------------------------------ report

    private static Bench.Series s(Bench b, String row) {
        Map<String, Bench.Series> m = b.results.get(SC);
        return m == null ? null : m.get(row);
    }

    static double med(Bench b, String row) {
        Bench.Series x = s(b, row);
        return x == null ? Double.NaN : x.median("us");
    }

    /** Median over rounds of row a's value divided by row b's in the same round. */
    static double pairedRatio(Bench b, String a, String c) {
        Bench.Series x = s(b, a);
        Bench.Series y = s(b, c);
        if (x == null || y == null || x.error != null || y.error != null) return Double.NaN;
        List<Double> xs = x.get("us");
        List<Double> ys = y.get("us");
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(xs.size(), ys.size()); i++) r.add(xs.get(i) / ys.get(i));
        return Stats.median(r);
    }

    static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, "%.3f×", v);
    }

    private static String cell(Bench b, String row, String fmt) {
        Bench.Series x = s(b, row);
        if (x == null) return "n/a";
        if (x.error != null) return x.error.replace('|', '/');
        return String.format(Locale.ROOT, fmt, x.median("us"));
    }

    private static String range(Bench b, String row) {
        Bench.Series x = s(b, row);
        if (x == null || x.error != null || x.get("us").isEmpty()) return "";
        return String.format(Locale.ROOT, "%.0f–%.0f", Stats.min(x.get("us")), Stats.max(x.get("us")));
    }

    /** The default path against the build before the options; NaN when that did not run. */
    static double defaultPathRatio(Bench b) {
        return med(b, NONE.key()) / med(b, NONE_BEFORE.key());
    }

    /** One line for the report's targets table. */
    static void target(Bench b, StringBuilder o) {
        if (!b.results.containsKey(SC)) return;
        double x = defaultPathRatio(b);
        o.append("| S11: default spawn path (no options) ≤ 1.03× the build before the options, same run | ")
                .append(ratio(x)).append(" (paired by round ").append(ratio(pairedRatio(b, NONE.key(), NONE_BEFORE.key())))
                .append("; A/A two current JVMs ").append(ratio(med(b, NONE.key()) / med(b, NONE_AA.key()))).append(") | ")
                .append(Double.isNaN(x) ? "not measured" : x <= 1.03 ? "**met**" : "**missed**").append(" |\n");
    }

    static void report(Bench b, StringBuilder o) {
        if (!b.results.containsKey(SC)) return;
        Bench.Config c = b.cfg;
        o.append("## 11. Spawn options: `Subprocess` start + `waitFor` of `/bin/true` (µs per spawn)\n\n")
                .append(c.optRounds()).append(" rounds × ").append(c.optBatch()).append(" spawns per row, after a warm-up round of ")
                .append(c.warmBatch()).append(", every row in a rotating order each round. *No options*: no fds, no other ")
                .append("setting: the default path. *A/A*: the same in a second JVM of the same build, for the spread between ")
                .append("two JVMs. *--baseline-jar build*: the same with the library from before the options (its own JVM, ")
                .append("that jar first on its class path). The options use values the child has anyway (a new process group, ")
                .append("NOFILE soft and hard = this JVM's soft limit, umask 022, this JVM's niceness, SIGTERM on parent death); ")
                .append("*redirects* opens `/dev/null` and truncates a temporary file per spawn. `parentDeathSignal` makes ")
                .append("the spawn run on the library's long-lived spawner thread (the kernel ties the signal to the thread ")
                .append("that forked), so its row includes two thread hand-offs.\n\n");
        o.append("| spawn | µs | range over rounds | ÷ no options | paired by round |\n|---|---:|---:|---:|---:|\n");
        double none = med(b, NONE.key());
        List<Bench.Row> rows = new ArrayList<>(List.of(NONE, NONE_AA, NONE_BEFORE));
        rows.addAll(OPTIONS);
        if (s(b, ALL_CGROUP.key()) != null) rows.add(ALL_CGROUP);
        for (Bench.Row r : rows) {
            if (s(b, r.key()) == null) continue;
            String label = r == ALL_CGROUP ? "all of the above + cgroup(" + b.env.getOrDefault("scenario 11 cgroup", "?") + ")"
                    : r.label();
            o.append("| ").append(label).append(" | ").append(cell(b, r.key(), "%.0f")).append(" | ").append(range(b, r.key()))
                    .append(" | ").append(ratio(med(b, r.key()) / none)).append(" | ")
                    .append(r == NONE ? "" : ratio(pairedRatio(b, r.key(), NONE.key()))).append(" |\n");
        }
        double x = defaultPathRatio(b);
        o.append("\nTarget: the default path (no options) no slower than before the options existed, same run, within 3%: ")
                .append(ratio(x)).append(" of the --baseline-jar build (paired by round: ")
                .append(ratio(pairedRatio(b, NONE.key(), NONE_BEFORE.key()))).append("), ")
                .append(Double.isNaN(x) ? "not measured (give --baseline-jar)" : x <= 1.03 ? "**met**" : "**missed**")
                .append(". For scale, two JVMs of the same build differed by ")
                .append(ratio(med(b, NONE.key()) / med(b, NONE_AA.key()))).append(" in this run. ")
                .append("The options' own cost (÷ no options) is information, not a target.\n\n");
    }
}
