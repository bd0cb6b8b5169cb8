package dev.forkexec.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * {@code make bench}: forkexec against ProcessBuilder, NuProcess and C, in one run.
 *
 * <p>This JVM only orchestrates; it measures nothing itself. Each configuration runs in its own
 * worker JVM ({@link Worker}: small heap, small heap with {@code launchMechanism=VFORK}, 8 GiB
 * touched heap, ...), kept alive for a phase and sent one command per batch, so the rounds
 * interleave every implementation and configuration: round r runs batch r of each, starting at a
 * rotating position. Round 0 is a warm-up and is dropped. Each figure is the median over the
 * remaining rounds (scenario 4: median and p99 over all samples). The C limits are separate
 * programs run in the same rotation. Scenario 6 starts a fresh JVM per run ({@link FanoutMain}) so
 * peak RSS and threads belong to that run alone.
 *
 * <pre>
 *   java -jar bench/target/forkexec-bench.jar [--quick] [--out DIR] [--cdir DIR] [--only s1,s2,...]
 *                                             [--baseline-jar JAR] [--runner SCRIPT]
 * </pre>
 *
 * <p>{@code --baseline-jar JAR}: another build of forkexec (an earlier commit's jar) gets its own
 * small-heap worker JVM, with JAR ahead of the bench jar on its class path, so its classes and its
 * bundled library are the ones loaded (checked: the worker reports where {@code Subprocess} came
 * from). Its Reactor, chained Reactor and Subprocess rows then run in scenarios 1, 2 and 4 beside the
 * current ones, in the same rounds, and scenario 11 compares the default spawn path of both; the
 * report gets a before/after table of same-run ratios. The drivers used there call only the API of
 * the first release, so an older jar works. {@code --runner SCRIPT}: the job runner's launcher for
 * scenario 12 (default {@code bin/forkexec}); it runs the forkexec jar this harness was built against
 * ({@code FORKEXEC_JAR}).
 */
public final class Bench {
    /** A worker answers every command within this, or it is killed and its rows fail. */
    static final long CALL_TIMEOUT_MINUTES = 10;

    /**
     * Sizes of one run. Scenario 11: {@code optRounds} rounds of {@code optBatch} spawns per row (more
     * than scenario 1: its target is a 3% difference). Scenario 12: {@code runnerRounds} rounds of
     * {@code runnerJobs} {@code true} jobs and {@code runnerOutJobs} {@code echo} jobs per tool and -j
     * (the warm-up round runs {@code runnerWarmJobs}), then one run of {@code millionJobs} inputs, or
     * {@code millionFallbackJobs} when the measured rate says the million would take longer than
     * {@code millionBudgetSeconds}.
     */
    record Config(boolean quick, int rounds, int spawnBatch, int latencyBatch, int warmBatch, long streamBytes,
                  int streamRounds, int fanChildren, int fanConcurrency, int fanRounds, int fanWarm, int fanBytes,
                  int bigHeapGiB, int budgetMillis, int warmBudgetMillis, int coldRounds,
                  int optRounds, int optBatch, int runnerRounds, int runnerJobs, int runnerOutJobs, int runnerWarmJobs,
                  long millionJobs, long millionFallbackJobs, int millionBudgetSeconds) {
        /**
         * The warm-up round is long (2,000 children per JVM task, at most 8 s): the JIT needs
         * thousands of calls before the library's Java paths are compiled (forkexec's exit latency
         * falls from ~155 to ~120 µs over its first 1,500 children here).
         */
        static Config fullRun() {
            return new Config(false, 10, 200, 100, 2000, 4L << 30, 5, 1000, 64, 5, 200, 1 << 20, 8, 3000, 8000, 10,
                    15, 400, 3, 5000, 2000, 100, 1_000_000, 200_000, 180);
        }

        static Config quickRun() {
            return new Config(true, 3, 50, 40, 200, 256L << 20, 2, 200, 64, 1, 40, 1 << 20, 8, 1000, 1500, 5,
                    5, 100, 1, 1000, 400, 50, 10_000, 10_000, 180);
        }
    }

    /** One implementation/configuration: a row of the tables. */
    record Row(String key, String label, String color) {}

    static final Row FE_REACTOR = new Row("fe-reactor", "forkexec Reactor", "#1b9e77");
    static final Row FE_CHAIN = new Row("fe-reactor-chain", "forkexec Reactor, chained", "#0f6b50");
    static final Row FE_SUB = new Row("fe-subprocess", "forkexec Subprocess", "#66c2a5");
    static final Row PB = new Row("pb", "ProcessBuilder (default)", "#d95f02");
    static final Row PB_VFORK = new Row("pb-vfork", "ProcessBuilder (VFORK)", "#fc8d62");
    static final Row NU = new Row("nuprocess", "NuProcess 2.0.6", "#7570b3");
    static final Row C = new Row("c", "C posix_spawn loop (limit)", "#666666");
    static final Row C_PINNED = new Row("c-pinned", "C loop, both ends on CPU 0 (taskset)", "#aaaaaa");
    static final List<Row> ROWS = List.of(FE_REACTOR, FE_CHAIN, FE_SUB, PB, PB_VFORK, NU, C, C_PINNED);

    /** Scenario 7's rows: fresh JVMs that each run /bin/true once (or nothing). */
    static final Row COLD_EMPTY = new Row("empty", "empty JVM (no spawn)", "#999999");
    static final Row COLD_FIRST = new Row("fe-subprocess-first", "forkexec Subprocess, first start (empty cache)", "#a6d8c6");
    static final List<Row> COLD_ROWS = List.of(FE_SUB, COLD_FIRST, FE_REACTOR, PB, COLD_EMPTY);

    /** The values of one row in one scenario: metric name -> one value per round (or per sample). */
    static final class Series {
        final Map<String, List<Double>> metrics = new LinkedHashMap<>();
        String error;
        String note;

        List<Double> get(String metric) {
            return metrics.computeIfAbsent(metric, k -> new ArrayList<>());
        }

        double median(String metric) {
            return error != null ? Double.NaN : Stats.median(get(metric));
        }
    }

    interface Body {
        Map<String, List<Double>> run(boolean warmup) throws Exception;
    }

    record Task(String scenario, String row, Body body) {}

    final Config cfg;
    final Path cdir;
    final Path jar;
    final PrintStream log = System.err;
    /** scenario -> row key -> series. */
    final Map<String, Map<String, Series>> results = new LinkedHashMap<>();
    final Map<String, String> env = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();
    final Set<String> only;
    /** Another build of forkexec to compare with (--baseline-jar), or null. */
    final Path baselineJar;
    /** The job runner's launcher for scenario 12 (--runner). */
    final Path runnerScript;
    /** The forkexec jar on this harness's own class path: the one "current" means. */
    final Path forkexecJar;

    Bench(Config cfg, Path cdir, Set<String> only, Path baselineJar, Path runnerScript) throws IOException {
        this.cfg = cfg;
        this.cdir = cdir.toAbsolutePath();
        this.only = only;
        this.baselineJar = baselineJar == null ? null : baselineJar.toAbsolutePath();
        this.runnerScript = runnerScript.toAbsolutePath();
        this.forkexecJar = Path.of(dev.forkexec.Subprocess.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .toAbsolutePath();
        if (this.baselineJar != null && !Files.isRegularFile(this.baselineJar)) {
            throw new IOException("--baseline-jar " + this.baselineJar + ": no such file");
        }
        this.jar = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toAbsolutePath();
        for (String prog : List.of("spawnloop", "pipeloop", "fanout", "stamp", "sink", "rusage", "jobloop")) {
            if (!Files.isExecutable(this.cdir.resolve(prog))) {
                throw new IOException("missing C program " + this.cdir.resolve(prog) + " (build with: mvn -f bench/pom.xml package)");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path out = null;
        Path cdir = Path.of("bench/target/c");
        Set<String> only = new TreeSet<>(List.of("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12"));
        Path baselineJar = null;
        Path runner = Path.of("bin/forkexec");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick": quick = true; break;
                case "--out": out = Path.of(args[++i]); break;
                case "--cdir": cdir = Path.of(args[++i]); break;
                case "--only": only = new TreeSet<>(Arrays.asList(args[++i].split(","))); break;
                case "--baseline-jar": baselineJar = Path.of(args[++i]); break;
                case "--runner": runner = Path.of(args[++i]); break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Bench b = new Bench(quick ? Config.quickRun() : Config.fullRun(), cdir, only, baselineJar, runner);
        long t0 = System.nanoTime();
        b.collectEnvironment();
        b.runAll();
        b.env.put("load average (end)", ProcSelf.loadAverage());
        b.env.put("benchmark wall time", String.format("%.0f s", (System.nanoTime() - t0) / 1e9));
        Report report = new Report(b);
        String md = report.markdown();
        System.out.println(md);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("results.md"), md);
            Files.writeString(out.resolve("spawn.svg"), report.svg());
            b.log.println("[bench] wrote " + out.resolve("results.md") + " and " + out.resolve("spawn.svg"));
        }
    }

    // ------------------------------------------------------------ environment

    void collectEnvironment() {
        env.put("date", java.time.ZonedDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z")));
        env.put("mode", cfg.quick ? "quick (reduced: `make bench-quick`)" : "full (`make bench`)");
        env.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
        env.put("CPU", firstField("/proc/cpuinfo", "model name"));
        env.put("memory", firstField("/proc/meminfo", "MemTotal"));
        env.put("kernel", read("/proc/sys/kernel/osrelease"));
        env.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        env.put("glibc", command("getconf", "GNU_LIBC_VERSION"));
        env.put("transparent hugepages", read("/sys/kernel/mm/transparent_hugepage/enabled"));
        env.put("load average (start)", ProcSelf.loadAverage());
        env.put("forkexec jar (current)", forkexecJar.toString());
        if (baselineJar != null) env.put("forkexec jar (before: --baseline-jar)", baselineJar.toString());
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String firstField(String file, String field) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(field)) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException e) {
            // fall through
        }
        return "?";
    }

    private static String command(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return s;
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }

    // ------------------------------------------------------------ worker JVMs

    /** A measuring JVM, spoken to line by line. */
    final class WorkerJvm implements AutoCloseable {
        final String name;
        final List<String> jvmArgs;
        private final Process process;
        private final java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        private final PrintStream out;

        WorkerJvm(String name, List<String> jvmArgs) throws IOException, InterruptedException {
            this(name, jvmArgs, jar.toString());
        }

        /**
         * A worker with its own class path: {@code baselineJar + ":" + jar} puts another build of
         * forkexec first (the bench jar's manifest Class-Path, which names the current one, is searched
         * right after the bench jar, so after the baseline).
         */
        WorkerJvm(String name, List<String> jvmArgs, String classPath) throws IOException, InterruptedException {
            this.name = name;
            this.jvmArgs = jvmArgs;
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmArgs);
            cmd.addAll(List.of("-cp", classPath, Worker.class.getName()));
            log.println("[bench] starting worker " + name + ": " + String.join(" ", jvmArgs));
            process = new ProcessBuilder(cmd).redirectError(Redirect.INHERIT).start();
            BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Thread reader = new Thread(() -> {
                try {
                    for (String l; (l = in.readLine()) != null;) lines.add(l);
                } catch (IOException e) {
                    // the worker is gone; call() notices
                }
                lines.add("err worker " + name + " ended");
            }, "bench-worker-" + name);
            reader.setDaemon(true);
            reader.start();
            out = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            call(null); // "ok ready" once the JVM is up (and, with AlwaysPreTouch, its heap touched)
        }

        /** Sends one command and waits for its answer line, at most {@link #CALL_TIMEOUT_MINUTES}. */
        String call(String command) throws IOException, InterruptedException {
            if (command != null) out.println(command);
            String line = lines.poll(CALL_TIMEOUT_MINUTES, TimeUnit.MINUTES);
            if (line == null) {
                process.destroyForcibly();
                throw new IOException("worker " + name + " did not answer '" + command + "' within " + CALL_TIMEOUT_MINUTES + " min");
            }
            if (line.startsWith("err ")) throw new IOException(line.substring(4));
            if (!line.startsWith("ok")) throw new IOException("worker " + name + " said: " + line);
            return line.length() > 3 ? line.substring(3) : "";
        }

        @Override
        public void close() {
            out.println("quit");
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    List<String> smallHeap() {
        return List.of("-Xms256m", "-Xmx1g");
    }

    List<String> bigHeap() {
        int g = cfg.bigHeapGiB;
        return List.of("-Xms" + g + "g", "-Xmx" + g + "g", "-XX:+AlwaysPreTouch");
    }

    static List<String> vfork(List<String> args) {
        List<String> a = new ArrayList<>(args);
        a.add("-Djdk.lang.Process.launchMechanism=VFORK");
        return a;
    }

    // ------------------------------------------------------------ running

    String c(String prog) {
        return cdir.resolve(prog).toString();
    }

    /** Runs a C limit program; its stdout, trimmed. */
    String runC(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectError(Redirect.INHERIT).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        int code = p.waitFor();
        if (code != 0) throw new IOException(argv[0] + " exited with " + code);
        return s;
    }

    static Map<String, List<Double>> one(String metric, double v) {
        Map<String, List<Double>> m = new LinkedHashMap<>();
        m.put(metric, List.of(v));
        return m;
    }

    Series series(String scenario, String row) {
        return results.computeIfAbsent(scenario, k -> new LinkedHashMap<>()).computeIfAbsent(row, k -> new Series());
    }

    /**
     * Round 0 warms up; rounds 1..rounds are recorded. In round r the tasks run starting at position
     * r, so no implementation is always first (or always right after a given other one). A task that
     * fails is recorded with its error and not run again.
     */
    void roundRobin(String phase, List<Task> tasks, int rounds) {
        int n = tasks.size();
        for (Task t : tasks) series(t.scenario, t.row); // fix the rows' order
        for (int r = 0; r <= rounds; r++) {
            log.printf("[bench] %s: %s%n", phase, r == 0 ? "warm-up round" : "round " + r + "/" + rounds);
            for (int k = 0; k < n; k++) {
                Task t = tasks.get((k + r) % n);
                Series s = series(t.scenario, t.row);
                if (s.error != null) continue;
                try {
                    Map<String, List<Double>> v = t.body.run(r == 0);
                    if (r > 0) v.forEach((metric, values) -> s.get(metric).addAll(values));
                } catch (Exception e) {
                    s.error = String.valueOf(e.getMessage());
                    log.println("[bench] " + t.scenario + " " + t.row + " failed: " + e);
                }
            }
        }
    }

    /** A worker task: µs per spawn from an s1/s2 batch. */
    Task spawnTask(String scenario, String row, WorkerJvm w, String cmd, String impl) {
        return new Task(scenario, row, warm -> one("us", Long.parseLong(w.call(cmd + " " + impl + " "
                + (warm ? cfg.warmBatch + " " + cfg.warmBudgetMillis : cfg.spawnBatch + " " + cfg.budgetMillis))) / 1e3));
    }

    void runAll() throws Exception {
        if (only.contains("s7")) coldStartPhase(); // first, before any worker JVM exists
        boolean wantsBaseline = baselineJar != null
                && (only.contains("s1") || only.contains("s2") || only.contains("s4") || only.contains("s11"));
        boolean wantsWorkers = only.stream().anyMatch(List.of("s1", "s2", "s3", "s4", "s5", "s8", "s9", "s11")::contains);
        if (wantsWorkers) workerPhases(wantsBaseline);
        if (only.contains("s6")) fanoutPhase();
        if (only.contains("s10")) CommandBench.fanoutPhase(this);
        if (only.contains("s12")) RunnerBench.phase(this);
    }

    /** The scenarios that run in long-lived worker JVMs. */
    private void workerPhases(boolean wantsBaseline) throws Exception {
        try (WorkerJvm small = new WorkerJvm("small", smallHeap());
             WorkerJvm vfork = new WorkerJvm("small-vfork", vfork(smallHeap()));
             WorkerJvm before = wantsBaseline ? baselineWorker() : null) {
            env.put("forkexec spawn mechanism", small.call("info").replaceAll(".*forkexec=", ""));
            if (only.contains("s1") || only.contains("s3")) spawnPhase(small, vfork, before);
            if (only.contains("s3")) vforkBigHeapPhase(vfork);
            if (only.contains("s2")) pipesPhase(small, vfork, before);
            if (only.contains("s4")) latencyPhase(small, before);
            if (only.contains("s5")) streamPhase(small);
            if (only.contains("s8") || only.contains("s9")) CommandBench.spawnPhase(this, small, vfork);
            if (only.contains("s11")) OptionsBench.phase(this, small, before);
        }
    }

    /** Row key of a forkexec row run with the --baseline-jar build. */
    static String before(String key) {
        return key + "@before";
    }

    /** The forkexec rows that also run with the --baseline-jar build in scenarios 1 and 2. */
    static final List<Row> BEFORE_ROWS = List.of(FE_REACTOR, FE_CHAIN, FE_SUB);

    /** The --baseline-jar worker; fails unless its forkexec classes really come from that jar. */
    WorkerJvm baselineWorker() throws IOException, InterruptedException {
        WorkerJvm w = new WorkerJvm("before", smallHeap(), baselineJar + java.io.File.pathSeparator + jar);
        String info = w.call("info");
        String loaded = info.replaceAll(".*forkexecJar=(\\S+).*", "$1");
        if (!Path.of(loaded).toAbsolutePath().equals(baselineJar)) {
            w.close();
            throw new IOException("the baseline worker loaded forkexec from " + loaded + ", not " + baselineJar);
        }
        env.put("forkexec spawn mechanism (before)", info.replaceAll(".*forkexec=", ""));
        return w;
    }

    /** Whether an extra JVM with a touched big heap fits beside everything else running now. */
    boolean bigHeapFits() {
        long availKiB = ProcSelf.parseKiB(firstField("/proc/meminfo", "MemAvailable"));
        boolean fits = availKiB > ((long) cfg.bigHeapGiB + 2) << 20;
        if (!fits) {
            notes.add("Scenario 3 skipped: MemAvailable was " + availKiB / 1024 + " MiB, too little for a "
                    + cfg.bigHeapGiB + " GiB touched heap plus headroom.");
        }
        return fits;
    }

    /** Scenarios 1 and 3 together: the 8 GiB JVM's rounds interleave with the small ones. */
    void spawnPhase(WorkerJvm small, WorkerJvm vfork, WorkerJvm before) throws Exception {
        List<Task> tasks = new ArrayList<>();
        tasks.add(spawnTask("s1", FE_REACTOR.key, small, "s1", "fe-reactor"));
        tasks.add(spawnTask("s1", FE_CHAIN.key, small, "s1", "fe-reactor-chain"));
        tasks.add(spawnTask("s1", FE_SUB.key, small, "s1", "fe-subprocess"));
        tasks.add(spawnTask("s1", PB.key, small, "s1", "pb"));
        tasks.add(spawnTask("s1", PB_VFORK.key, vfork, "s1", "pb"));
        tasks.add(spawnTask("s1", NU.key, small, "s1", "nuprocess"));
        tasks.add(new Task("s1", C.key, warm -> one("us", Long.parseLong(runC(c("spawnloop"), "s1", "" + cfg.spawnBatch)) / 1e3)));
        if (before != null && only.contains("s1")) {
            for (Row row : BEFORE_ROWS) tasks.add(spawnTask("s1", before(row.key), before, "s1", row.key));
        }
        WorkerJvm big = null;
        if (only.contains("s3") && bigHeapFits()) {
            big = new WorkerJvm("big", bigHeap());
            env.put("big-heap JVM RSS after start", big.call("info").replaceAll(".*rssKiB=(\\d+).*", "$1") + " KiB");
            for (Row row : List.of(FE_REACTOR, FE_SUB, PB, NU)) {
                tasks.add(spawnTask("s3", row.key, big, "s1", row.key));
            }
        }
        try {
            roundRobin("scenario 1" + (big != null ? " + 3 (8 GiB heap, default mechanism)" : ""), tasks, cfg.rounds);
        } finally {
            if (big != null) big.close();
        }
    }

    /** Scenario 3 for VFORK: its own big JVM, interleaved with the small VFORK JVM again. */
    void vforkBigHeapPhase(WorkerJvm vfork) throws Exception {
        if (!bigHeapFits()) return;
        try (WorkerJvm bigVfork = new WorkerJvm("big-vfork", vfork(bigHeap()))) {
            List<Task> tasks = List.of(
                    spawnTask("s3-small", PB_VFORK.key, vfork, "s1", "pb"),
                    spawnTask("s3", PB_VFORK.key, bigVfork, "s1", "pb"));
            roundRobin("scenario 3 (8 GiB heap, VFORK)", tasks, cfg.rounds);
        }
    }

    void pipesPhase(WorkerJvm small, WorkerJvm vfork, WorkerJvm before) {
        List<Task> tasks = new ArrayList<>();
        tasks.add(spawnTask("s2", FE_REACTOR.key, small, "s2", "fe-reactor"));
        tasks.add(spawnTask("s2", FE_CHAIN.key, small, "s2", "fe-reactor-chain"));
        tasks.add(spawnTask("s2", FE_SUB.key, small, "s2", "fe-subprocess"));
        tasks.add(spawnTask("s2", PB.key, small, "s2", "pb"));
        tasks.add(spawnTask("s2", PB_VFORK.key, vfork, "s2", "pb"));
        tasks.add(spawnTask("s2", NU.key, small, "s2", "nuprocess"));
        tasks.add(new Task("s2", C.key, warm -> one("us", Long.parseLong(runC(c("spawnloop"), "s2", "" + cfg.spawnBatch)) / 1e3)));
        if (before != null) {
            for (Row row : BEFORE_ROWS) tasks.add(spawnTask("s2", before(row.key), before, "s2", row.key));
        }
        roundRobin("scenario 2", tasks, cfg.rounds);
    }

    static Map<String, List<Double>> samplesUs(String csv) {
        List<Double> v = new ArrayList<>();
        for (String s : csv.trim().split("[,\\s]+")) v.add(Long.parseLong(s) / 1e3);
        Map<String, List<Double>> m = new LinkedHashMap<>();
        m.put("us", v);
        return m;
    }

    void latencyPhase(WorkerJvm small, WorkerJvm before) {
        String stamp = c("stamp");
        int n = cfg.latencyBatch;
        List<Task> tasks = new ArrayList<>();
        for (Row row : List.of(FE_REACTOR, FE_SUB, PB, NU)) {
            tasks.add(new Task("s4", row.key, warm -> samplesUs(small.call("s4 " + row.key + " "
                    + (warm ? cfg.warmBatch + " " + cfg.warmBudgetMillis : n + " " + cfg.budgetMillis) + " " + stamp))));
        }
        if (before != null) {
            for (Row row : List.of(FE_REACTOR, FE_SUB)) {
                tasks.add(new Task("s4", before(row.key), warm -> samplesUs(before.call("s4 " + row.key + " "
                        + (warm ? cfg.warmBatch + " " + cfg.warmBudgetMillis : n + " " + cfg.budgetMillis) + " " + stamp))));
            }
        }
        tasks.add(new Task("s4", C.key, warm -> samplesUs(runC(c("spawnloop"), "s4", "" + n, stamp))));
        roundRobin("scenario 4", tasks, cfg.rounds);
    }

    void streamPhase(WorkerJvm small) {
        String sink = c("sink");
        List<Task> tasks = new ArrayList<>();
        for (String dir : List.of("read", "write")) {
            String scenario = dir.equals("read") ? "s5-read" : "s5-write";
            for (Row row : List.of(FE_REACTOR, FE_SUB, PB, NU)) {
                tasks.add(new Task(scenario, row.key, warm -> {
                    long bytes = warm ? Math.min(cfg.streamBytes, 256L << 20) : cfg.streamBytes;
                    String cmd = dir.equals("read") ? "s5r " + row.key + " " + bytes : "s5w " + row.key + " " + bytes + " " + sink;
                    return one("gbps", bytes / (double) Long.parseLong(small.call(cmd)));
                }));
            }
            for (Row row : List.of(C, C_PINNED)) {
                tasks.add(new Task(scenario, row.key, warm -> {
                    long bytes = warm ? Math.min(cfg.streamBytes, 256L << 20) : cfg.streamBytes;
                    List<String> argv = new ArrayList<>(row == C_PINNED ? List.of("taskset", "-c", "0") : List.of());
                    argv.addAll(dir.equals("read") ? List.of(c("pipeloop"), "read", "" + bytes)
                            : List.of(c("pipeloop"), "write", "" + bytes, sink));
                    return one("gbps", bytes / (double) Long.parseLong(runC(argv.toArray(new String[0]))));
                }));
            }
        }
        roundRobin("scenario 5", tasks, cfg.streamRounds);
    }

    /**
     * Scenario 7, cold start: the wall time of a fresh JVM ({@code java -cp <bench jar> Main}, JDK defaults,
     * so CDS on) that runs /bin/true once, from exec to exit. Same class path for every row; each row has
     * its own main class. The forkexec rows load the library from a cache directory of this run
     * ($XDG_CACHE_HOME), filled in the warm-up round; "first start" empties its own before every run, so
     * it pays for reading, checking and storing the library.
     */
    void coldStartPhase() throws IOException {
        Path cacheHome = Files.createTempDirectory("forkexec-bench-cache-");
        Path firstCache = Files.createTempDirectory("forkexec-bench-first-");
        try {
            List<Task> tasks = new ArrayList<>();
            tasks.add(coldTask(FE_SUB, ColdSubprocessMain.class, cacheHome, false));
            tasks.add(coldTask(COLD_FIRST, ColdSubprocessMain.class, firstCache, true));
            tasks.add(coldTask(FE_REACTOR, ColdReactorMain.class, cacheHome, false));
            tasks.add(coldTask(PB, ColdProcessBuilderMain.class, cacheHome, false));
            tasks.add(coldTask(COLD_EMPTY, ColdEmptyMain.class, cacheHome, false));
            roundRobin("scenario 7 (cold start)", tasks, cfg.coldRounds);
        } finally {
            deleteTree(cacheHome);
            deleteTree(firstCache);
        }
    }

    Task coldTask(Row row, Class<?> main, Path cacheHome, boolean emptyFirst) {
        return new Task("s7", row.key, warm -> {
            if (emptyFirst) {
                deleteTree(cacheHome);
                Files.createDirectories(cacheHome);
            }
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", jar.toString(), main.getName()).redirectErrorStream(true);
            pb.environment().put("XDG_CACHE_HOME", cacheHome.toString());
            long t0 = System.nanoTime();
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            long ns = System.nanoTime() - t0;
            if (code != 0 || !out.isEmpty()) throw new IOException(main.getSimpleName() + " exited " + code + ": " + out);
            return one("ms", ns / 1e6);
        });
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true);
                Files.delete(p);
            }
        }
    }

    /** One fresh JVM per run; the C limit runs its own fan-out. */
    void fanoutPhase() {
        List<Task> tasks = new ArrayList<>();
        int[] modes = {cfg.fanConcurrency, cfg.fanChildren};
        for (int conc : modes) {
            String scenario = conc == cfg.fanChildren ? "s6-all" : "s6-bounded";
            for (Row row : List.of(FE_REACTOR, PB, PB_VFORK, NU)) {
                tasks.add(new Task(scenario, row.key, warm -> fanoutJvm(row, conc)));
            }
            tasks.add(new Task(scenario, C.key, warm -> {
                String[] f = runC(c("fanout"), "" + cfg.fanChildren, "" + conc, "" + cfg.fanBytes).split("\\s+");
                Map<String, List<Double>> m = new LinkedHashMap<>();
                m.put("wall", List.of(Long.parseLong(f[0]) / 1e9));
                m.put("threads", List.of(Double.parseDouble(f[1])));
                m.put("lib", List.of(Double.parseDouble(f[1])));
                m.put("rss", List.of(Long.parseLong(f[2]) / 1024.0));
                m.put("cpu", List.of(Long.parseLong(f[3]) / 1e9));
                return m;
            }));
        }
        // Fresh JVMs and C runs need no warm-up round: each JVM warms itself up before measuring.
        roundRobinNoWarmup("scenario 6", tasks, cfg.fanRounds);
    }

    void roundRobinNoWarmup(String phase, List<Task> tasks, int rounds) {
        List<Task> recorded = new ArrayList<>();
        for (Task t : tasks) {
            recorded.add(new Task(t.scenario, t.row, warm -> warm ? new LinkedHashMap<>() : t.body.run(false)));
        }
        roundRobin(phase, recorded, rounds);
    }

    Map<String, List<Double>> fanoutJvm(Row row, int conc) throws Exception {
        return runFanoutJvm(row == PB_VFORK ? vfork(smallHeap()) : smallHeap(), row.key,
                series(conc == cfg.fanChildren ? "s6-all" : "s6-bounded", row.key), row == PB_VFORK ? "pb" : row.key,
                "" + cfg.fanChildren, "" + conc, "" + cfg.fanBytes, "" + cfg.fanWarm);
    }

    /**
     * Runs {@link FanoutMain} with {@code mainArgs} in a fresh JVM with {@code jvmFlags} and returns its
     * figures (wall s, threads, library threads, peak RSS MiB, CPU s); its library threads' names go
     * into {@code series}' note. Scenarios 6 and 10.
     */
    Map<String, List<Double>> runFanoutJvm(List<String> jvmFlags, String rowKey, Series series, String... mainArgs)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", jar.toString(), FanoutMain.class.getName()));
        cmd.addAll(List.of(mainArgs));
        Process p = new ProcessBuilder(cmd).redirectError(Redirect.INHERIT).start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        String last = outText.lines().filter(l -> l.startsWith("ok ")).reduce((a, b) -> b).orElse(null);
        if (code != 0 || last == null) throw new IOException("fan-out JVM for " + rowKey + " failed (exit " + code + ")");
        String[] f = last.split("\\s+");
        Map<String, List<Double>> m = new LinkedHashMap<>();
        m.put("wall", List.of(Long.parseLong(f[1]) / 1e9));
        m.put("threads", List.of(Double.parseDouble(f[2])));
        m.put("lib", List.of(Double.parseDouble(f[3])));
        m.put("rss", List.of(Long.parseLong(f[4]) / 1024.0));
        m.put("cpu", List.of(Long.parseLong(f[6]) / 1e9));
        series.note = f[7];
        return m;
    }
}
