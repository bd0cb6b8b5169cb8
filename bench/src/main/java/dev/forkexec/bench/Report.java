package dev.forkexec.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns {@link Bench}'s series into the Markdown report and the SVG chart. */
final class Report {
    private final Bench b;

    Report(Bench b) {
        this.b = b;
    }

    // ------------------------------------------------------------ lookups

    private Bench.Series s(String scenario, String row) {
        Map<String, Bench.Series> m = b.results.get(scenario);
        return m == null ? null : m.get(row);
    }

    private double med(String scenario, String row, String metric) {
        Bench.Series x = s(scenario, row);
        return x == null ? Double.NaN : x.median(metric);
    }

    private static String f(String fmt, double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, fmt, v);
    }

    private static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, "%.2f×", v);
    }

    private static String yes(boolean ok, double v) {
        return Double.isNaN(v) ? "not measured" : ok ? "**met**" : "**missed**";
    }

    private String cell(String scenario, String row, String metric, String fmt) {
        Bench.Series x = s(scenario, row);
        if (x == null) return "n/a";
        if (x.error != null) return "failed: " + x.error.replace('|', '/');
        return f(fmt, x.median(metric));
    }

    // ------------------------------------------------------------ markdown

    String markdown() {
        StringBuilder o = new StringBuilder();
        o.append("# forkexec benchmark results\n\n");
        o.append("Written by `make bench` (`bench/src/main/java/dev/forkexec/bench/`); do not edit by hand. ")
                .append("Each figure is the median over interleaved rounds (every implementation runs one batch per round, ")
                .append("in a rotating order; a warm-up round is dropped). `÷ forkexec` is the row's figure divided by ")
                .append("forkexec Reactor's: for times, above 1 means slower than forkexec; for GB/s, below 1 means slower.\n\n");
        o.append("## Machine\n\n| | |\n|---|---|\n");
        b.env.forEach((k, v) -> o.append("| ").append(k).append(" | ").append(v.replace('|', '/')).append(" |\n"));
        o.append("| rounds | ").append(b.cfg.rounds()).append(" × ").append(b.cfg.spawnBatch())
                .append(" spawns (S1–S3), ").append(b.cfg.rounds()).append(" × ").append(b.cfg.latencyBatch())
                .append(" children (S4), ").append(b.cfg.streamRounds()).append(" × ").append(b.cfg.streamBytes() >> 20)
                .append(" MiB each way (S5), ").append(b.cfg.fanRounds()).append(" × ").append(b.cfg.fanChildren())
                .append(" children (S6) |\n\n");
        o.append("Load averages include this benchmark's own processes (scenario 6 keeps up to hundreds of `cat`s ")
                .append("runnable), so the end figure is high even on an otherwise idle machine.\n\n");
        for (String n : b.notes) o.append("> ").append(n).append("\n\n");

        targets(o);
        coldTable(o);
        spawnTable(o, "s1", "## 1. Spawn and reap `/bin/true`, sequentially (µs per spawn, lower is better)\n\n"
                + "forkexec and C: the child has no fds at all; ProcessBuilder: stdin/stdout/stderr on /dev/null "
                + "(it cannot close them); NuProcess always makes three pipes. *forkexec Reactor*: the measuring thread "
                + "calls `spawnProcess` and blocks on `onExit()`; *chained*: each `processEnded` spawns the next child "
                + "on the reactor thread (no thread hand-off per child); *Subprocess*: `start` + `waitFor` on the "
                + "measuring thread. NuProcess's figure is dominated by its dead-pool poll (250 ms by default) for "
                + "children whose pipes close before they can be reaped.\n\n");
        spawnTable(o, "s2", "## 2. The same with three pipes, stdout and stderr read to EOF (µs per spawn)\n\n");
        heapTable(o);
        latencyTable(o);
        streamTable(o);
        fanoutTable(o, "s6-bounded", "### 6a. At most " + b.cfg.fanConcurrency() + " alive at once\n\n");
        fanoutTable(o, "s6-all", "### 6b. All " + b.cfg.fanChildren() + " at once\n\n");
        CommandBench.report(b, o);
        OptionsBench.report(b, o);
        RunnerBench.report(b, o);
        beforeAfterTable(o);
        o.append("![spawn cost, scenarios 1–3](spawn.svg)\n");
        return o.toString();
    }

    private void targets(StringBuilder o) {
        String fe = Bench.FE_REACTOR.key();
        String sub = Bench.FE_SUB.key();
        o.append("## Targets\n\n| target | measured | verdict |\n|---|---|---|\n");
        double cold = med("s7", sub, "ms") / med("s7", "pb", "ms");
        o.append("| S7: cold start, forkexec Subprocess ≤ 1.15× ProcessBuilder (median wall time of fresh JVMs) | ")
                .append("Subprocess ").append(ratio(cold)).append(", first start ")
                .append(ratio(med("s7", Bench.COLD_FIRST.key(), "ms") / med("s7", "pb", "ms"))).append(", Reactor ")
                .append(ratio(med("s7", fe, "ms") / med("s7", "pb", "ms"))).append(" | ").append(yes(cold <= 1.15, cold))
                .append(" |\n");
        String chain = Bench.FE_CHAIN.key();
        double c1 = med("s1", "c", "us");
        double r1 = c1 / med("s1", fe, "us");
        o.append("| S1: forkexec ≥ 0.90× the C loop's spawn rate | Reactor ").append(ratio(r1)).append(", Reactor chained ")
                .append(ratio(c1 / med("s1", chain, "us"))).append(", Subprocess ").append(ratio(c1 / med("s1", sub, "us")))
                .append(" | ").append(yes(r1 >= 0.9, r1)).append(" |\n");
        double pb1 = med("s1", "pb", "us");
        double p1 = pb1 / med("s1", fe, "us");
        o.append("| S1: forkexec ≥ 2.0× ProcessBuilder (default) | Reactor ").append(ratio(p1)).append(", Reactor chained ")
                .append(ratio(pb1 / med("s1", chain, "us"))).append(", Subprocess ").append(ratio(pb1 / med("s1", sub, "us")))
                .append(" | ").append(yes(p1 >= 2.0, p1)).append(" |\n");
        double h = med("s3", fe, "us") / med("s1", fe, "us");
        o.append("| S3: forkexec with 8 GiB heap within 10% of small heap | Reactor ").append(ratio(h)).append(", Subprocess ")
                .append(ratio(med("s3", sub, "us") / med("s1", sub, "us"))).append(" | ").append(yes(h <= 1.10, h)).append(" |\n");
        double l = med("s4", fe, "us");
        Bench.Series ls = s("s4", fe);
        o.append("| S4: exit → processEnded median ≤ 100 µs | Reactor ").append(f("%.0f µs", l)).append(" (p99 ")
                .append(ls == null ? "n/a" : f("%.0f µs", Stats.quantile(ls.get("us"), 0.99))).append("); C limit ")
                .append(f("%.0f µs", med("s4", "c", "us"))).append(" | ").append(yes(l <= 100, l)).append(" |\n");
        for (String dir : List.of("read", "write")) {
            String sc = "s5-" + dir;
            double t = med(sc, fe, "gbps") / med(sc, "c", "gbps");
            o.append("| S5: ").append(dir).append(" ≥ 0.90× the C loop | Reactor ").append(ratio(t)).append(", Subprocess ")
                    .append(ratio(med(sc, sub, "gbps") / med(sc, "c", "gbps"))).append(" | ").append(yes(t >= 0.9, t)).append(" |\n");
        }
        for (String sc : List.of("s6-bounded", "s6-all")) {
            String what = sc.equals("s6-all") ? "all at once" : "≤ " + b.cfg.fanConcurrency() + " at once";
            double lib = med(sc, fe, "lib");
            o.append("| S6 (").append(what).append("): ≤ 2 threads of the library's own | ").append(f("%.0f", lib))
                    .append(" (").append(s(sc, fe) == null || s(sc, fe).note == null ? "?" : s(sc, fe).note).append(") | ")
                    .append(yes(lib <= 2, lib)).append(" |\n");
            double nu = med(sc, "nuprocess", "wall") / med(sc, fe, "wall");
            o.append("| S6 (").append(what).append("): ≥ 1.5× NuProcess | ").append(ratio(nu)).append(" | ")
                    .append(yes(nu >= 1.5, nu)).append(" |\n");
        }
        OptionsBench.target(b, o);
        RunnerBench.targets(b, o);
        o.append('\n');
    }

    /**
     * --baseline-jar: forkexec's rows of scenarios 1, 2 and 4 with the current build and with the
     * baseline build, from the same rounds. "Paired" is the median over rounds of the two builds'
     * ratio within one round (scenarios 1 and 2; scenario 4 has one value per child, not per round).
     */
    private void beforeAfterTable(StringBuilder o) {
        if (b.baselineJar == null) return;
        List<String[]> lines = new ArrayList<>();
        for (String sc : List.of("s1", "s2", "s4")) {
            for (Bench.Row row : Bench.BEFORE_ROWS) {
                Bench.Series now = s(sc, row.key());
                Bench.Series then = s(sc, Bench.before(row.key()));
                if (now == null || then == null) continue;
                double r = now.median("us") / then.median("us");
                String paired = "";
                if (!sc.equals("s4") && now.error == null && then.error == null) {
                    List<Double> q = new ArrayList<>();
                    List<Double> a = now.get("us");
                    List<Double> c = then.get("us");
                    for (int i = 0; i < Math.min(a.size(), c.size()); i++) q.add(a.get(i) / c.get(i));
                    paired = String.format(Locale.ROOT, "%.3f×", Stats.median(q));
                }
                lines.add(new String[] {sc.equals("s1") ? "1. `/bin/true`, no fds" : sc.equals("s2") ? "2. three pipes"
                        : "4. exit latency (median)", row.label(), cell(sc, row.key(), "us", "%.0f"),
                        cell(sc, Bench.before(row.key()), "us", "%.0f"), Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, "%.3f×", r),
                        paired});
            }
        }
        if (lines.isEmpty()) return;
        o.append("## Before / after: the current build against `--baseline-jar`, same run (µs, lower is better)\n\n")
                .append("Before: `").append(b.baselineJar).append("`, in its own small-heap worker JVM with that jar first on ")
                .append("its class path (its `Subprocess` class checked to come from it), driven by the same drivers in the same ")
                .append("rounds as the current build's rows. After ÷ before above 1 means the current build is slower.\n\n")
                .append("| scenario | implementation | after µs | before µs | after ÷ before | paired by round |\n|---|---|---:|---:|---:|---:|\n");
        for (String[] l : lines) o.append("| ").append(String.join(" | ", l)).append(" |\n");
        o.append('\n');
    }

    private void coldTable(StringBuilder o) {
        if (b.results.get("s7") == null) return;
        o.append("## 7. Cold start: a fresh JVM that runs `/bin/true` once (ms, exec to exit, lower is better)\n\n")
                .append("`java -cp <bench jar> <Main>` with the JDK's defaults (CDS on), the same class path for every row. ")
                .append("forkexec loads its library from the per-user cache (filled in the warm-up round); ")
                .append("*first start* empties the cache before every run, so it also reads, checks (SHA-256) and stores ")
                .append("the library. *Reactor*: `Reactor.create()`, one `spawnProcess`, `onExit().get()`, `close()`.\n\n");
        o.append("| JVM | ms | range over rounds | ÷ ProcessBuilder | above the empty JVM |\n|---|---:|---:|---:|---:|\n");
        double pb = med("s7", Bench.PB.key(), "ms");
        double empty = med("s7", Bench.COLD_EMPTY.key(), "ms");
        for (Bench.Row row : Bench.COLD_ROWS) {
            Bench.Series x = s("s7", row.key());
            if (x == null) continue;
            String label = row == Bench.PB ? "ProcessBuilder" : row == Bench.FE_SUB ? "forkexec Subprocess"
                    : row == Bench.FE_REACTOR ? "forkexec Reactor" : row.label();
            o.append("| ").append(label).append(" | ").append(cell("s7", row.key(), "ms", "%.0f")).append(" | ")
                    .append(x.error != null ? "" : f("%.0f", Stats.min(x.get("ms"))) + "–" + f("%.0f", Stats.max(x.get("ms"))))
                    .append(" | ").append(ratio(x.median("ms") / pb)).append(" | ")
                    .append(f("%.0f ms", x.median("ms") - empty)).append(" |\n");
        }
        o.append('\n');
    }

    private void spawnTable(StringBuilder o, String sc, String title) {
        if (b.results.get(sc) == null) return;
        o.append(title);
        o.append("| implementation | µs per spawn | range over rounds | ÷ forkexec |\n|---|---:|---:|---:|\n");
        double ref = med(sc, Bench.FE_REACTOR.key(), "us");
        for (Bench.Row row : Bench.ROWS) {
            Bench.Series x = s(sc, row.key());
            if (x == null) continue;
            o.append("| ").append(row.label()).append(" | ").append(cell(sc, row.key(), "us", "%.0f")).append(" | ")
                    .append(x.error != null ? "" : f("%.0f", Stats.min(x.get("us"))) + "–" + f("%.0f", Stats.max(x.get("us"))))
                    .append(" | ").append(ratio(x.median("us") / ref)).append(" |\n");
        }
        o.append('\n');
    }

    private void heapTable(StringBuilder o) {
        if (b.results.get("s3") == null) return;
        o.append("## 3. Scenario 1 in a JVM with an 8 GiB touched heap (`-Xms8g -Xmx8g -XX:+AlwaysPreTouch`)\n\n");
        o.append("Small heap: `-Xmx1g`, same rounds. The VFORK rows come from a second pair of JVMs (its own phase).\n\n");
        o.append("| implementation | small heap µs | 8 GiB heap µs | 8 GiB ÷ small | ÷ forkexec (8 GiB) |\n|---|---:|---:|---:|---:|\n");
        double ref = med("s3", Bench.FE_REACTOR.key(), "us");
        for (Bench.Row row : Bench.ROWS) {
            Bench.Series big = s("s3", row.key());
            if (big == null) continue;
            String smallSc = row == Bench.PB_VFORK ? "s3-small" : "s1";
            double sm = med(smallSc, row.key(), "us");
            double bg = big.median("us");
            o.append("| ").append(row.label()).append(" | ").append(cell(smallSc, row.key(), "us", "%.0f")).append(" | ")
                    .append(cell("s3", row.key(), "us", "%.0f")).append(" | ").append(ratio(bg / sm)).append(" | ")
                    .append(ratio(bg / ref)).append(" |\n");
        }
        o.append("| C posix_spawn loop (limit) | n/a | n/a | n/a | no JVM heap |\n\n");
    }

    private void latencyTable(StringBuilder o) {
        if (b.results.get("s4") == null) return;
        o.append("## 4. Exit latency: the child's last CLOCK_MONOTONIC stamp → the API reports the end (µs)\n\n");
        o.append("forkexec Reactor: `processEnded`; Subprocess and ProcessBuilder: `waitFor()` returning after stdout hit EOF; "
                + "NuProcess: `onExit`; C: `waitpid` returning. The child is `bench/c/stamp.c`; the figure includes the "
                + "kernel's teardown of the exiting child.\n\n");
        o.append("| implementation | median µs | p99 µs | samples | median ÷ forkexec |\n|---|---:|---:|---:|---:|\n");
        double ref = med("s4", Bench.FE_REACTOR.key(), "us");
        for (Bench.Row row : Bench.ROWS) {
            Bench.Series x = s("s4", row.key());
            if (x == null) continue;
            List<Double> v = x.get("us");
            o.append("| ").append(row.label()).append(" | ").append(cell("s4", row.key(), "us", "%.0f")).append(" | ")
                    .append(x.error != null ? "" : f("%.0f", Stats.quantile(v, 0.99))).append(" | ").append(v.size())
                    .append(" | ").append(ratio(x.median("us") / ref)).append(" |\n");
        }
        o.append('\n');
    }

    private void streamTable(StringBuilder o) {
        if (b.results.get("s5-read") == null) return;
        long mib = b.cfg.streamBytes() >> 20;
        o.append("## 5. Throughput through one pipe (GB/s = 10⁹ bytes/s, higher is better)\n\n");
        o.append("Read: the child is `head -c ").append(mib).append("M /dev/zero`, the parent reads its stdout. ")
                .append("Write: the parent writes ").append(mib).append(" MiB to the stdin of `bench/c/sink.c` ")
                .append("(reads to EOF, like `cat > /dev/null`). 64 KiB buffers; time from spawn to the end.\n\n");
        o.append("| implementation | read GB/s | ÷ forkexec | write GB/s | ÷ forkexec |\n|---|---:|---:|---:|---:|\n");
        double rr = med("s5-read", Bench.FE_REACTOR.key(), "gbps");
        double rw = med("s5-write", Bench.FE_REACTOR.key(), "gbps");
        for (Bench.Row row : Bench.ROWS) {
            if (s("s5-read", row.key()) == null) continue;
            o.append("| ").append(row.label().replace(" posix_spawn loop", " read/write loop")).append(" | ")
                    .append(cell("s5-read", row.key(), "gbps", "%.2f")).append(" | ")
                    .append(ratio(med("s5-read", row.key(), "gbps") / rr)).append(" | ")
                    .append(cell("s5-write", row.key(), "gbps", "%.2f")).append(" | ")
                    .append(ratio(med("s5-write", row.key(), "gbps") / rw)).append(" |\n");
        }
        o.append('\n');
    }

    private void fanoutTable(StringBuilder o, String sc, String title) {
        if (b.results.get(sc) == null) return;
        if (sc.equals("s6-bounded")) {
            o.append("## 6. Concurrency: ").append(b.cfg.fanChildren()).append(" `cat` children, each sent ")
                    .append(b.cfg.fanBytes() >> 20).append(" MiB on stdin and read back\n\n")
                    .append("Each run is a fresh JVM (`-Xmx1g`) that warms up with ").append(b.cfg.fanWarm())
                    .append(" children first; then VmHWM is reset (`/proc/self/clear_refs`) and a sampler reads ")
                    .append("`/proc/self/status` every millisecond. *Library threads* are the threads at the peak that are ")
                    .append("neither the JVM's own (GC, JIT, ...) nor the harness's — for ProcessBuilder that includes the ")
                    .append("reader/writer threads (`pb-io`) its blocking streams need. *Parent CPU* is the user+system CPU ")
                    .append("time of the parent process during the run (the `cat`s excluded): on a shared 2-core machine it is ")
                    .append("steadier than wall time. The C limit uses two threads as the JVM libraries do (a spawning thread ")
                    .append("and an epoll thread). forkexec Subprocess is not run here: a blocking API needs a thread per pipe ")
                    .append("for this, which is what the Reactor is for.\n\n");
        }
        o.append(title);
        o.append("| implementation | wall s | children/s | parent CPU s | peak JVM threads | library threads at peak | peak RSS MiB | wall ÷ forkexec |\n")
                .append("|---|---:|---:|---:|---:|---|---:|---:|\n");
        double ref = med(sc, Bench.FE_REACTOR.key(), "wall");
        for (Bench.Row row : Bench.ROWS) {
            Bench.Series x = s(sc, row.key());
            if (x == null) continue;
            double wall = x.median("wall");
            String label = row == Bench.C ? "C: spawning thread + epoll thread (limit)" : row.label();
            o.append("| ").append(label).append(" | ").append(cell(sc, row.key(), "wall", "%.2f")).append(" | ")
                    .append(f("%.0f", b.cfg.fanChildren() / wall)).append(" | ").append(cell(sc, row.key(), "cpu", "%.2f"))
                    .append(" | ").append(cell(sc, row.key(), "threads", "%.0f"))
                    .append(" | ").append(cell(sc, row.key(), "lib", "%.0f"))
                    .append(x.note != null && !x.note.equals("-") ? " (" + x.note.replace(";", ", ") + ")" : "")
                    .append(" | ").append(cell(sc, row.key(), "rss", "%.0f")).append(" | ").append(ratio(wall / ref)).append(" |\n");
        }
        o.append('\n');
    }

    // ------------------------------------------------------------ SVG

    /** A grouped bar chart of scenarios 1–3 (µs per spawn), written by hand. */
    String svg() {
        String[][] groups = {{"s1", "1. /bin/true, no pipes"}, {"s2", "2. three pipes"}, {"s3", "3. /bin/true, 8 GiB heap"}};
        List<Bench.Row> rows = new ArrayList<>();
        double max = 0;
        for (Bench.Row row : Bench.ROWS) {
            boolean any = false;
            for (String[] g : groups) {
                double v = med(g[0], row.key(), "us");
                if (!Double.isNaN(v)) {
                    any = true;
                    max = Math.max(max, v);
                }
            }
            if (any) rows.add(row);
        }
        if (max <= 0) max = 1;
        // A far outlier (NuProcess's 250 ms dead-pool poll) would flatten every other bar: the axis
        // stops at 4x the median bar, and taller bars are drawn broken, labelled with their value.
        List<Double> all = new ArrayList<>();
        for (Bench.Row row : rows) {
            for (String[] g : groups) {
                double v = med(g[0], row.key(), "us");
                if (!Double.isNaN(v)) all.add(v);
            }
        }
        double cap = Math.min(max, 4 * Stats.median(all));
        double step = niceStep(cap / 5);
        double top = Math.ceil(cap * 1.08 / step) * step;

        int w = 960, h = 470, left = 70, right = 20, plotTop = 60, plotBottom = 360;
        int plotW = w - left - right;
        int plotH = plotBottom - plotTop;
        StringBuilder o = new StringBuilder();
        o.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n", w, h, w, h));
        o.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h));
        o.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"26\" font-size=\"16\" font-weight=\"bold\">Spawn + reap, µs per child "
                + "(median of interleaved rounds; lower is better)</text>\n", left));
        o.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"44\" fill=\"#555\">%s · %s · %s</text>\n", left,
                esc(b.env.getOrDefault("CPU", "?")), "nproc " + esc(b.env.getOrDefault("nproc", "?")),
                esc(b.env.getOrDefault("date", "?"))));
        for (double y = 0; y <= top + 1e-9; y += step) {
            double py = plotBottom - y / top * plotH;
            o.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n", left, w - right, py, py));
            o.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>\n", left - 6, py + 4,
                    fmtTick(y)));
        }
        o.append(String.format(Locale.ROOT, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\" fill=\"#555\">µs per spawn</text>\n",
                (plotTop + plotBottom) / 2));
        double groupW = plotW / (double) groups.length;
        double barW = Math.min(34, (groupW - 30) / Math.max(1, rows.size()));
        for (int gi = 0; gi < groups.length; gi++) {
            double gx = left + gi * groupW + (groupW - barW * rows.size()) / 2;
            for (int ri = 0; ri < rows.size(); ri++) {
                Bench.Row row = rows.get(ri);
                double v = med(groups[gi][0], row.key(), "us");
                double x = gx + ri * barW;
                if (Double.isNaN(v)) {
                    o.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"9\" fill=\"#999\">n/a</text>\n",
                            x + barW / 2, plotBottom - 4));
                    continue;
                }
                boolean broken = v > top;
                double bh = Math.min(v, top) / top * plotH;
                o.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %.0f µs</title></rect>\n",
                        x + 1, plotBottom - bh, barW - 2, bh, row.color(), esc(row.label()), v));
                if (broken) { // a white zigzag across the bar: the axis does not reach its top
                    double zy = plotBottom - bh + 18;
                    o.append(String.format(Locale.ROOT, "<polyline points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"#ffffff\" stroke-width=\"3\"/>\n",
                            x, zy + 4, x + barW / 3, zy - 4, x + 2 * barW / 3, zy + 4, x + barW, zy - 4));
                }
                o.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\"%s>%.0f</text>\n",
                        x + barW / 2, plotBottom - bh - 4, broken ? " font-weight=\"bold\"" : "", v));
            }
            o.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>\n",
                    left + gi * groupW + groupW / 2, plotBottom + 20, esc(groups[gi][1])));
        }
        o.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", left, w - right, plotBottom, plotBottom));
        int lx = left, ly = plotBottom + 52;
        for (int ri = 0; ri < rows.size(); ri++) {
            Bench.Row row = rows.get(ri);
            int col = ri % 3, line = ri / 3;
            int x = lx + col * 290, y = ly + line * 22;
            o.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>\n", x, y - 11, row.color()));
            o.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>\n", x + 20, y, esc(row.label())));
        }
        o.append("</svg>\n");
        return o.toString();
    }

    private static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double n = raw / mag;
        return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
    }

    private static String fmtTick(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
