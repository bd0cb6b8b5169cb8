package dev.forkexec.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code make bench}, pseudo-terminals: forkexec (Reactor and Subprocess) against JetBrains' pty4j,
 * in one run.
 *
 * <p>Scenarios: spawn and reap {@code /bin/true} on a new 80x24 terminal, reading the terminal to
 * its end (per spawn); 64 MiB from a child through a raw terminal to the parent, and 64 MiB from the
 * parent through a raw terminal to a child (MiB/s); and how many threads the JVM has while 100
 * {@code cat}s run on terminals.
 *
 * <p>Each implementation runs in a worker JVM of its own (the same flags for all), kept alive for
 * the whole run and sent one command per measurement, so the rounds interleave the implementations,
 * starting at a rotating position; round 0 is a warm-up and is dropped; each figure is the median
 * over the other rounds. Separate JVMs also keep one library's threads, garbage and JIT work out of
 * another's figures.
 *
 * <pre>
 *   java -cp bench/target/forkexec-bench.jar dev.forkexec.bench.TerminalBench [--quick] [--out DIR]
 * </pre>
 */
public final class TerminalBench {
    private record Config(int rounds, int spawns, long bytes, int terminals) {}

    private static final String[] IDS = {"fe-reactor", "fe-subprocess", "pty4j"};
    private static final String[] NAMES = {"forkexec Reactor", "forkexec Subprocess", "pty4j 0.13.12"};
    private static final List<String> WORKER_FLAGS = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
            "-XX:-UsePerfData");

    private final Config cfg;
    private final PrintStream log = System.err;
    /** scenario -> implementation index -> one value per measured round. */
    private final Map<String, List<List<Double>>> results = new LinkedHashMap<>();

    private TerminalBench(Config cfg) {
        this.cfg = cfg;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick": quick = true; break;
                case "--out": out = Path.of(args[++i]); break;
                case "--worker": worker(args[++i]); return;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        TerminalBench b = new TerminalBench(quick ? new Config(3, 50, 16L << 20, 100) : new Config(8, 200, 64L << 20, 100));
        String load = ProcSelf.loadAverage();
        String md = b.run(load);
        System.out.println(md);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("terminals.md"), md);
            b.log.println("[terminal bench] wrote " + out.resolve("terminals.md"));
        }
    }

    // ------------------------------------------------------------ the worker side

    /** A worker JVM: one driver; reads commands on stdin, answers {@code RESULT <number>} or {@code ERROR <text>}. */
    private static void worker(String id) throws Exception {
        TerminalDriver driver;
        switch (id) {
            case "fe-reactor": driver = new ForkexecReactorTerminalDriver(); break;
            case "fe-subprocess": driver = new ForkexecSubprocessTerminalDriver(); break;
            case "pty4j": driver = new Pty4jTerminalDriver(); break;
            default: throw new IllegalArgumentException("unknown implementation " + id);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (driver) {
            for (String line; (line = in.readLine()) != null;) {
                String[] cmd = line.split(" ");
                double value;
                try {
                    switch (cmd[0]) {
                        case "spawn": {
                            int n = Integer.parseInt(cmd[1]);
                            long total = 0;
                            for (int i = 0; i < n; i++) total += driver.spawnTrue();
                            value = total / 1e3 / n; // µs per spawn
                            break;
                        }
                        case "read": {
                            long bytes = Long.parseLong(cmd[1]);
                            value = bytes / 1048576.0 / (driver.read(bytes) / 1e9); // MiB/s
                            break;
                        }
                        case "write": {
                            long bytes = Long.parseLong(cmd[1]);
                            value = bytes / 1048576.0 / (driver.write(bytes) / 1e9);
                            break;
                        }
                        case "threads": {
                            long base = ProcSelf.status("Threads");
                            long with = driver.threadsWith(Integer.parseInt(cmd[1]));
                            value = with < 0 ? -1 : with - base; // threads added
                            break;
                        }
                        case "quit":
                            return;
                        default:
                            throw new IllegalArgumentException("unknown command " + line);
                    }
                    System.out.println("RESULT " + value);
                } catch (Exception e) {
                    System.out.println("ERROR " + e);
                }
                System.out.flush();
            }
        }
    }

    // ------------------------------------------------------------ the orchestrator

    /** One worker JVM, spoken to line by line. */
    private static final class Worker implements AutoCloseable {
        private final Process process;
        private final BufferedReader out;
        private final PrintStream in;

        Worker(String id) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(WORKER_FLAGS);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TerminalBench.class.getName(), "--worker", id));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        /** Sends a command; its value, or an exception with the worker's error. */
        double call(String command) throws IOException {
            in.println(command);
            for (String line; (line = out.readLine()) != null;) {
                if (line.startsWith("RESULT ")) return Double.parseDouble(line.substring(7));
                if (line.startsWith("ERROR ")) throw new IOException(command + ": " + line.substring(6));
            }
            throw new IOException(command + ": the worker ended");
        }

        @Override
        public void close() throws InterruptedException {
            in.println("quit");
            in.close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

    private String run(String loadAtStart) throws Exception {
        for (String s : new String[] {"spawn", "read", "write"}) {
            List<List<Double>> perDriver = new ArrayList<>();
            for (int i = 0; i < IDS.length; i++) perDriver.add(new ArrayList<>());
            results.put(s, perDriver);
        }
        long t0 = System.nanoTime();
        List<Worker> workers = new ArrayList<>();
        try {
            for (String id : IDS) workers.add(new Worker(id));
            for (int round = 0; round <= cfg.rounds; round++) {
                for (int k = 0; k < IDS.length; k++) {
                    int d = (k + round) % IDS.length;
                    Worker w = workers.get(d);
                    double spawn = w.call("spawn " + cfg.spawns);
                    double read = w.call("read " + cfg.bytes);
                    double write = w.call("write " + cfg.bytes);
                    log.printf("[terminal bench] round %d %-20s spawn %8.0f us  read %7.1f MiB/s  write %7.1f MiB/s%n",
                            round, NAMES[d], spawn, read, write);
                    if (round == 0) continue; // warm-up
                    results.get("spawn").get(d).add(spawn);
                    results.get("read").get(d).add(read);
                    results.get("write").get(d).add(write);
                }
            }
            long[] threads = new long[IDS.length];
            for (int d = 0; d < IDS.length; d++) threads[d] = (long) workers.get(d).call("threads " + cfg.terminals);
            return report(loadAtStart, (System.nanoTime() - t0) / 1e9, threads);
        } finally {
            for (Worker w : workers) w.close();
        }
    }

    private double median(String scenario, int d) {
        return Stats.median(results.get(scenario).get(d));
    }

    private String report(String loadAtStart, double seconds, long[] threads) {
        StringBuilder md = new StringBuilder();
        md.append("# Pseudo-terminals: forkexec vs pty4j\n\n");
        md.append("Written by `make bench` (`dev.forkexec.bench.TerminalBench`): one worker JVM per implementation (")
                .append(String.join(" ", WORKER_FLAGS)).append("), ").append(cfg.rounds)
                .append(" measured rounds after a warm-up round, the implementations interleaved in every round; medians.\n\n");
        md.append("| scenario | ").append(String.join(" | ", NAMES)).append(" | forkexec Reactor vs pty4j |\n");
        md.append("|---|---|---|---|---|\n");
        row(md, "spawn + exit of `/bin/true` on an 80x24 terminal, µs per child (lower is better)", "spawn", "%.0f", true);
        row(md, (cfg.bytes >> 20) + " MiB child → parent through a raw terminal, MiB/s (higher is better)", "read", "%.1f", false);
        row(md, (cfg.bytes >> 20) + " MiB parent → child through a raw terminal, MiB/s (higher is better)", "write", "%.1f", false);
        md.append("| threads added while ").append(cfg.terminals).append(" `cat`s run on terminals | ");
        for (long t : threads) md.append(t < 0 ? "n/a (blocking: a reader each)" : Long.toString(t)).append(" | ");
        md.append(threads[0]).append(" vs ").append(threads[2]).append(" |\n\n");
        md.append("The last column is a same-run ratio, above 1 where forkexec is better: pty4j's time ÷ forkexec's for"
                + " spawns, forkexec's MiB/s ÷ pty4j's for throughput. The Reactor's one thread serves every terminal;"
                + " pty4j parks a reaper thread per child (and a caller needs a reader thread per child besides), forks"
                + " the JVM, and sets the window size from the parent after the fork.\n\n");
        md.append("Every round (").append(cfg.spawns).append(" spawns each; µs per spawn, then read and write MiB/s):\n\n");
        md.append("| round | ").append(String.join(" | ", NAMES)).append(" |\n|---|---|---|---|\n");
        for (int r = 0; r < cfg.rounds; r++) {
            md.append("| ").append(r + 1).append(" | ");
            for (int d = 0; d < NAMES.length; d++) {
                md.append(String.format("%.0f µs, %.0f / %.0f MiB/s", results.get("spawn").get(d).get(r),
                        results.get("read").get(d).get(r), results.get("write").get(d).get(r))).append(" | ");
            }
            md.append("\n");
        }
        md.append("\nMachine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, kernel ")
                .append(System.getProperty("os.version")).append(", ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append("; load average at start ").append(loadAtStart)
                .append(", at end ").append(ProcSelf.loadAverage()).append(String.format("; %.0f s.%n", seconds));
        return md.toString();
    }

    private void row(StringBuilder md, String label, String scenario, String fmt, boolean time) {
        md.append("| ").append(label).append(" | ");
        for (int d = 0; d < NAMES.length; d++) md.append(String.format(fmt, median(scenario, d))).append(" | ");
        double ratio = time ? median(scenario, 2) / median(scenario, 0) : median(scenario, 0) / median(scenario, 2);
        md.append(String.format("%.2f×", ratio)).append(" |\n");
    }
}
