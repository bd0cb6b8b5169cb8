package dev.forkexec.runner;

import dev.forkexec.Reactor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The job runner's entry point: {@code java -cp forkexec.jar dev.forkexec.runner.Main [options]
 * command [args...] [::: inputs...]}. Exit status: 0 when every job succeeded, 1-100 the number of
 * failed jobs, 101 for more, 255 for an error of the runner itself (bad input: one line on stderr
 * naming the problem); {@code --halt} changes it as in GNU parallel. A one-line summary goes to
 * stderr at the end: jobs, failed, wall time, jobs per second, the jobs' total user and system CPU
 * and the largest resident set of any job (see {@link Report} on what that figure counts).
 */
public final class Main {
    /** Jobs queued ahead of the running ones; the input is read no further ahead than this. */
    static final int QUEUE_CAPACITY = 1024;

    private Main() {}

    /** Runs the runner and exits with its status. */
    public static void main(String[] args) {
        Sink sink = Sink.standard();
        int status = run(args, sink);
        try {
            sink.flush();
        } catch (UncheckedIOException e) {
            status = 255;
        }
        System.exit(status);
    }

    /** Runs the runner; returns its exit status. */
    static int run(String[] args, Sink sink) {
        try {
            Options o = Options.parse(args, Runtime.getRuntime().availableProcessors());
            if (o.help) {
                sink.write(1, Options.usage());
                sink.flush();
                return 0;
            }
            if (o.version) {
                String v = Main.class.getPackage().getImplementationVersion();
                sink.write(1, "forkexec job runner " + (v != null ? v : "(development build)") + "\n");
                sink.flush();
                return 0;
            }
            return runJobs(o, sink);
        } catch (RunnerException e) {
            return fail(sink, e.getMessage());
        } catch (LinkageError e) {
            return fail(sink, "the forkexec native library cannot be loaded: " + e.getMessage());
        } catch (UncheckedIOException e) {
            return fail(sink, e.getMessage());
        }
    }

    /** Reports a runner error on stderr, if stderr still works, and returns 255. */
    private static int fail(Sink sink, String message) {
        try {
            sink.message("Error: " + message);
        } catch (UncheckedIOException stderrGone) {
            // nothing left to tell it on; the status says it
        }
        return 255;
    }

    private static int runJobs(Options o, Sink sink) throws RunnerException {
        Placeholders template = o.command.isEmpty() ? null : Placeholders.compile(o.command);
        boolean resuming = o.resume || o.resumeFailed;
        Resume resume = resuming && o.joblog != null && !o.joblog.equals("-")
                ? Resume.read(Path.of(o.joblog), o.resumeFailed) : Resume.none();
        Path tmpdir = tmpdir(o);
        InputSource input = InputSource.open(o, InputSource.RecordReader.stdin());
        Feeder feeder = new Feeder(input, o.shard, resume, resuming ? o.results : null);
        if (o.dryRun) return dryRun(o, template, feeder, sink);
        o.jobs = capByOpenFiles(o.jobs, sink);
        boolean progressShown = (o.bar || o.eta) && Progress.stderrIsTerminal();
        boolean needsTotal = progressShown || o.halt.needsTotal();
        JobLog joblog = null;
        Report report = null;
        try {
            if (o.joblog != null) joblog = JobLog.open(o.joblog, o.joblogAppend, resuming, sink);
            if (o.report != null) report = Report.open(o.report);
            Cgroups cgroups = o.cgroup != null ? Cgroups.open(o.cgroup) : null;
            Engine.Totals t;
            try (Reactor reactor = Reactor.create()) {
                Engine engine = new Engine(o, reactor, sink, template, joblog, report, tmpdir, progressShown,
                        needsTotal ? Integer.MAX_VALUE : QUEUE_CAPACITY, cgroups);
                if (needsTotal) feeder.feed(engine);
                AtomicBoolean over = new AtomicBoolean();
                Thread hook = new Thread(() -> {
                    if (over.get()) return;
                    int n = engine.terminateAll();
                    if (n > 0) System.err.println("forkexec: stopped by a signal; terminated " + n + " running jobs");
                }, "forkexec-runner-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                var done = engine.start();
                if (!needsTotal) {
                    Thread reader = new Thread(() -> feeder.feed(engine), "forkexec-runner-input");
                    reader.setDaemon(true);
                    reader.start();
                }
                t = done.join();
                over.set(true);
            }
            summary(sink, t);
            return t.exitStatus();
        } finally {
            if (joblog != null) joblog.close();
            if (report != null) report.close();
        }
    }

    /** {@code --dry-run}: every command line on stdout, in sequence order; nothing runs. */
    private static int dryRun(Options o, Placeholders template, Feeder feeder, Sink sink) throws RunnerException {
        long n = 0;
        try {
            for (Job j; (j = feeder.next()) != null; n++) {
                int slot = (int) (n % o.jobs) + 1;
                String cmd;
                if (template == null) cmd = String.join(" ", j.args);
                else if (o.shell) cmd = template.shellLine(j.args, j.seq, slot);
                else cmd = ShellQuote.join(template.argv(j.args, j.seq, slot));
                sink.write(1, (o.tag ? String.join(" ", j.args) + "\t" : "") + cmd + "\n");
            }
            sink.flush();
        } catch (IOException e) {
            throw new RunnerException("Cannot read input: " + e.getMessage(), e);
        }
        sink.message(n + " jobs (dry run: nothing ran)");
        return 0;
    }

    private static void summary(Sink sink, Engine.Totals t) {
        double seconds = t.nanos() / 1e9;
        StringBuilder b = new StringBuilder();
        b.append(t.jobs()).append(t.jobs() == 1 ? " job, " : " jobs, ").append(t.failed()).append(" failed");
        if (t.killed() > 0) b.append(", ").append(t.killed()).append(" killed");
        b.append(String.format(Locale.ROOT, ", %.3f s, %.1f jobs/s, CPU %.3f s user + %.3f s system, max RSS %.1f MiB",
                seconds, seconds > 0 ? t.jobs() / seconds : 0.0, t.userNanos() / 1e9, t.systemNanos() / 1e9,
                t.maxRss() / 1048576.0));
        sink.message(b.toString());
    }

    private static Path tmpdir(Options o) throws RunnerException {
        Path d = o.tmpdir != null ? o.tmpdir : Path.of(System.getProperty("java.io.tmpdir"));
        if (!Files.isDirectory(d) || !Files.isWritable(d)) {
            throw new RunnerException("The temporary directory " + d + " is not a writable directory (--tmpdir DIR)");
        }
        return d;
    }

    /**
     * Each running job holds about four descriptors (its output pipes, its pidfd, briefly its stdin);
     * GNU parallel likewise lowers -j when file handles are short, with a warning.
     */
    private static int capByOpenFiles(int jobs, Sink sink) {
        long soft = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    if (f[0].matches("\\d+")) soft = Long.parseLong(f[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return jobs;
        }
        if (soft < 0) return jobs;
        long cap = Math.max(1, (soft - 64) / 4);
        if (jobs > cap) {
            sink.message("Warning: Only enough file handles to run " + cap + " jobs in parallel (-j " + jobs
                    + " asked; raise ulimit -n for more)");
            return (int) cap;
        }
        return jobs;
    }
}
