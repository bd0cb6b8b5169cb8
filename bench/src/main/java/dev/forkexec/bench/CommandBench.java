package dev.forkexec.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenarios 8-10: forkexec's conveniences against what they replace, in the same run as the rest.
 *
 * <ul>
 *   <li>7. {@code Processes.start(pb)} + {@code waitFor} of {@code /bin/true} against {@code pb.start()} +
 *       {@code waitFor}: the same user code, three pipes each (target: at least 1.8x faster);
 *   <li>8. {@code Command.of("/bin/true").run()} against {@code Subprocess} spawn + wait (no fds), and
 *       against {@code Subprocess} doing Command's work by hand (its fd map, both pipes read to EOF)
 *       (target: within 1.1x);
 *   <li>9. 1,000 {@code Command.start()}s of {@code cat} at once, each echoing 64 KiB, against
 *       {@code pb.start()} with a thread pool (a writer and a reader thread per child, stdout collected
 *       with {@code readAllBytes()}), each in a fresh JVM (target: faster, at most 2 library threads,
 *       less peak RSS).
 * </ul>
 */
final class CommandBench {
    static final Bench.Row FE_PROCESSES = new Bench.Row("fe-processes", "forkexec Processes.start(pb)", "#1b9e77");
    static final Bench.Row PB_START = new Bench.Row("pb-start", "pb.start()", "#d95f02");
    static final Bench.Row PB_START_VFORK = new Bench.Row("pb-start-vfork", "pb.start() (VFORK)", "#fc8d62");
    static final Bench.Row FE_COMMAND = new Bench.Row("fe-command", "forkexec Command.run()", "#1b9e77");
    static final Bench.Row FE_SUB = new Bench.Row("fe-subprocess", "forkexec Subprocess, no fds", "#66c2a5");
    static final Bench.Row FE_SUB_CMDFDS = new Bench.Row("fe-subprocess-cmdfds", "forkexec Subprocess, Command's fds", "#66c2a5");
    static final Bench.Row FE_COMMAND_START = new Bench.Row("fe-command", "forkexec Command.start()", "#1b9e77");
    static final Bench.Row FE_REACTOR = new Bench.Row("fe-reactor", "forkexec Reactor (protocol by hand)", "#0f6b50");
    static final Bench.Row PB_POOL = new Bench.Row("pb-start", "pb.start() + thread pool", "#d95f02");
    static final Bench.Row FE_PROCESSES_POOL = new Bench.Row("fe-processes", "Processes.start(pb) + thread pool", "#66c2a5");
    static final int FAN_CHILDREN = 1000;
    static final int FAN_BYTES = 64 * 1024;
    static final int FAN_WARM = 100;

    private CommandBench() {}

    /** Scenarios 8 and 9, interleaved in the harness's small-heap worker JVMs. */
    static void spawnPhase(Bench b, Bench.WorkerJvm small, Bench.WorkerJvm vfork) {
        List<Bench.Task> tasks = new ArrayList<>();
        if (b.only.contains("s8")) {
            tasks.add(b.spawnTask("s8", FE_PROCESSES.key(), small, "s1", FE_PROCESSES.key()));
            tasks.add(b.spawnTask("s8", PB_START.key(), small, "s1", PB_START.key()));
            tasks.add(b.spawnTask("s8", PB_START_VFORK.key(), vfork, "s1", PB_START.key()));
        }
        if (b.only.contains("s9")) {
            tasks.add(b.spawnTask("s9", FE_COMMAND.key(), small, "s1", FE_COMMAND.key()));
            tasks.add(b.spawnTask("s9", FE_SUB.key(), small, "s1", FE_SUB.key()));
            tasks.add(b.spawnTask("s9", FE_SUB_CMDFDS.key(), small, "s1", FE_SUB_CMDFDS.key()));
        }
        b.roundRobin("scenarios 8-9", tasks, b.cfg.rounds());
    }

    /** Scenario 10: a fresh JVM per run and implementation, rounds interleaved. */
    static void fanoutPhase(Bench b) {
        List<Bench.Task> tasks = new ArrayList<>();
        for (Bench.Row row : List.of(FE_COMMAND_START, FE_REACTOR, PB_POOL, FE_PROCESSES_POOL)) {
            tasks.add(new Bench.Task("s10", row.key(), warm -> warm ? new LinkedHashMap<>() : fanoutJvm(b, row)));
        }
        b.roundRobin("scenario 10", tasks, b.cfg.fanRounds());
    }

    private static Map<String, List<Double>> fanoutJvm(Bench b, Bench.Row row) throws Exception {
        return b.runFanoutJvm(b.smallHeap(), row.key(), b.series("s10", row.key()), row.key(), "" + FAN_CHILDREN,
                "" + FAN_CHILDREN, "" + FAN_BYTES, "" + FAN_WARM);
    }

    // ------------------------------------------------------------ report

    private static double med(Bench b, String scenario, String row, String metric) {
        Map<String, Bench.Series> m = b.results.get(scenario);
        Bench.Series s = m == null ? null : m.get(row);
        return s == null ? Double.NaN : s.median(metric);
    }

    private static String cell(Bench b, String scenario, String row, String metric, String fmt) {
        Map<String, Bench.Series> m = b.results.get(scenario);
        Bench.Series s = m == null ? null : m.get(row);
        if (s == null) return "n/a";
        if (s.error != null) return "failed: " + s.error.replace('|', '/');
        double v = s.median(metric);
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, fmt, v);
    }

    private static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, "%.2f×", v);
    }

    private static String verdict(boolean ok, double v) {
        return Double.isNaN(v) ? "not measured" : ok ? "**met**" : "**missed**";
    }

    /** The tables of scenarios 8-10 (those that ran), with their targets. */
    static void report(Bench b, StringBuilder o) {
        if (b.results.containsKey("s8")) {
            o.append("## 8. `Processes.start(pb)` vs `pb.start()`, + `waitFor`, `/bin/true` (µs per spawn)\n\n")
                    .append("The same user code (`new ProcessBuilder(\"/bin/true\")`, three pipes, nothing read) started ")
                    .append("by forkexec's drop-in or by the JDK (default launch mechanism, and VFORK in its own JVM).\n\n")
                    .append("| implementation | µs | ÷ Processes |\n|---|---|---|\n");
            double fe = med(b, "s8", FE_PROCESSES.key(), "us");
            for (Bench.Row r : List.of(FE_PROCESSES, PB_START, PB_START_VFORK)) {
                o.append("| ").append(r.label()).append(" | ").append(cell(b, "s8", r.key(), "us", "%.0f")).append(" | ")
                        .append(ratio(med(b, "s8", r.key(), "us") / fe)).append(" |\n");
            }
            double x = med(b, "s8", PB_START.key(), "us") / fe;
            o.append("\nTarget: Processes at least 1.8× faster than `pb.start()`: ").append(ratio(x)).append(", ")
                    .append(verdict(x >= 1.8, x)).append(".\n\n");
        }
        if (b.results.containsKey("s9")) {
            o.append("## 9. `Command.of(\"/bin/true\").run()` vs `Subprocess` (µs per command)\n\n")
                    .append("`Command` captures stdout and stderr through the shared reactor (stdin /dev/null, its own ")
                    .append("process group). *Subprocess, no fds*: `start` + `waitFor` of a child with no fds at all; ")
                    .append("*Command's fds*: the same fd map as `Command`, both pipes read to EOF on the calling thread.\n\n")
                    .append("| implementation | µs | ÷ Subprocess (no fds) |\n|---|---|---|\n");
            double sub = med(b, "s9", FE_SUB.key(), "us");
            for (Bench.Row r : List.of(FE_COMMAND, FE_SUB, FE_SUB_CMDFDS)) {
                o.append("| ").append(r.label()).append(" | ").append(cell(b, "s9", r.key(), "us", "%.0f")).append(" | ")
                        .append(ratio(med(b, "s9", r.key(), "us") / sub)).append(" |\n");
            }
            double cmd = med(b, "s9", FE_COMMAND.key(), "us");
            double x = cmd / sub;
            double y = cmd / med(b, "s9", FE_SUB_CMDFDS.key(), "us");
            o.append("\nTarget: `Command.run()` within 1.1× of `Subprocess` spawn + wait: ").append(ratio(x)).append(", ")
                    .append(verdict(x <= 1.1, x)).append(" (against Subprocess doing the same work: ").append(ratio(y))
                    .append(").\n\n");
        }
        if (b.results.containsKey("s10")) {
            o.append("## 10. ").append(FAN_CHILDREN).append(" `cat`s at once, ").append(FAN_BYTES / 1024)
                    .append(" KiB echoed each\n\n")
                    .append("Each run in a fresh JVM (`-Xmx1g`), after a warm-up of ").append(FAN_WARM).append(" children. ")
                    .append("Every row checks each echo. *Command.start()*: one thread starts every command (`input(data)`, ")
                    .append("stdout captured) and the futures check the results; *Reactor*: the same by hand with a ")
                    .append("`ProcessProtocol` that only counts the bytes (no capture: a floor); *pb.start()* and ")
                    .append("*Processes.start(pb)*: a cached pool, per child a writer thread and a reader thread that ")
                    .append("collects stdout with `readAllBytes()`. Library threads: those at the peak that are neither ")
                    .append("the JVM's nor the harness's.\n\n")
                    .append("| implementation | wall s | ÷ Command | CPU s | peak threads | library threads | peak RSS MiB |\n")
                    .append("|---|---|---|---|---|---|---|\n");
            double fe = med(b, "s10", FE_COMMAND_START.key(), "wall");
            for (Bench.Row r : List.of(FE_COMMAND_START, FE_REACTOR, PB_POOL, FE_PROCESSES_POOL)) {
                Bench.Series s = b.results.get("s10").get(r.key());
                o.append("| ").append(r.label()).append(" | ").append(cell(b, "s10", r.key(), "wall", "%.3f")).append(" | ")
                        .append(ratio(med(b, "s10", r.key(), "wall") / fe)).append(" | ")
                        .append(cell(b, "s10", r.key(), "cpu", "%.2f")).append(" | ")
                        .append(cell(b, "s10", r.key(), "threads", "%.0f")).append(" | ")
                        .append(cell(b, "s10", r.key(), "lib", "%.0f"))
                        .append(s != null && s.note != null && !s.note.equals("-") ? " (" + s.note + ")" : "").append(" | ")
                        .append(cell(b, "s10", r.key(), "rss", "%.0f")).append(" |\n");
            }
            double pbWall = med(b, "s10", PB_POOL.key(), "wall");
            double lib = med(b, "s10", FE_COMMAND_START.key(), "lib");
            double rss = med(b, "s10", FE_COMMAND_START.key(), "rss");
            double pbRss = med(b, "s10", PB_POOL.key(), "rss");
            o.append("\nTargets: faster than ProcessBuilder (").append(ratio(pbWall / fe)).append(", ")
                    .append(verdict(fe < pbWall, fe)).append("); at most 2 library threads (")
                    .append(Double.isNaN(lib) ? "n/a" : String.format(Locale.ROOT, "%.0f", lib)).append(", ")
                    .append(verdict(lib <= 2, lib)).append("); less peak RSS (")
                    .append(Double.isNaN(rss) ? "n/a" : String.format(Locale.ROOT, "%.0f vs %.0f MiB", rss, pbRss)).append(", ")
                    .append(verdict(rss < pbRss, rss)).append(").\n\n");
        }
    }
}
