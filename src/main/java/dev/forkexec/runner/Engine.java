package dev.forkexec.runner;

import dev.forkexec.ChildFD;
import dev.forkexec.ChildProcess;
import dev.forkexec.ExitStatus;
import dev.forkexec.ProcessProtocol;
import dev.forkexec.ProcessSpec;
import dev.forkexec.ProcessTransport;
import dev.forkexec.Reactor;
import dev.forkexec.ResourceLimit;
import dev.forkexec.SpawnException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The scheduler: runs the jobs on one shared {@link Reactor}, at most {@code -j} at a time, starting
 * the next one from the reactor thread as soon as one ends ({@code processEnded}), so there is no
 * thread per job and no polling. The input thread hands jobs over through a bounded queue (constant
 * memory however many inputs there are); everything else happens on the reactor thread: spawning,
 * collecting output, timeouts ({@link Reactor#callLater}), retries (a failed attempt goes back to the
 * front of the queue), halting, the joblog and the report.
 *
 * <p>A job that cannot start (the program is missing or not executable) is a failed job with the
 * Exitval a shell would give (127 or 126) and a line on stderr; it never stops the run.
 */
final class Engine {
    /** Totals of a finished run, for the summary line and the exit status. */
    record Totals(long jobs, long failed, long killed, long nanos, int exitStatus, long userNanos, long systemNanos,
            long maxRss) {}

    private final Options o;
    private final Reactor reactor;
    private final Sink sink;
    private final Placeholders template;
    private final JobLog joblog;
    private final Report report;
    private final HaltPolicy halt;
    private final Timeouts timeouts;
    private final Progress progress;
    private final OutputMode output;
    /** The jobs' environment; launch() (reactor thread) sets its per-job variables before each spawn. */
    private final Map<String, String> environment;
    private final Map<Integer, ChildFD> fds;
    private final Duration grace;
    private final Cgroups cgroups;
    private final long startNanos = System.nanoTime();
    private static final Duration START_RETRY_DELAY = Duration.ofMillis(100);

    // Shared with the input thread.
    private final BlockingQueue<Job> queue;
    /**
     * Jobs the reactor thread took from {@link #queue} in one batch ({@code drainTo}): taking them one
     * by one woke the blocked input thread for every job (a futex wake-up each way per job).
     */
    private final ArrayDeque<Job> taken = new ArrayDeque<>();
    private static final int TAKE_BATCH = 256;
    private volatile boolean inputDone;
    private volatile String inputError;
    private volatile long totalJobs = -1;
    private volatile boolean stopped;
    private volatile boolean runStarted;
    private final AtomicBoolean starved = new AtomicBoolean();
    /** Spawns waiting for a spawner thread. */
    private final BlockingQueue<Runnable> spawns = new LinkedBlockingQueue<>();
    private static final Runnable STOP_SPAWNER = () -> { };
    /**
     * A clone(CLONE_VM|CLONE_VFORK) holds its spawning thread until the child has exec'd, which is
     * most of a short job's start-up; one spawner per CPU (at most -j) lets those execs overlap, as
     * xargs' forks do. With -j 1 or 2 there are none: the reactor thread spawns itself, since waking
     * a spawner for every job then costs more than the overlap gains (5,000 'true' jobs at -j 2 on 2
     * CPUs: about 8% faster that way; at -j 8 about 6% slower, so spawners stay there).
     */
    private final List<Thread> spawners = new ArrayList<>();
    private final boolean spawnOnLoop;
    /** Live children, for the shutdown hook (any thread). */
    private final Map<ChildProcess, Job> live = new ConcurrentHashMap<>();
    private final CompletableFuture<Totals> result = new CompletableFuture<>();

    // Reactor thread only.
    private final ArrayDeque<Job> retries = new ArrayDeque<>();
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final Set<Job> running = new HashSet<>();
    private int maxSlot;
    private boolean stopStarting;
    private boolean inFill;
    private boolean finished;
    private String runnerError;
    private long started;
    private long ended;
    private long failed;
    private long killed;
    private long userNanos;
    private long systemNanos;
    private long maxRss;
    /** Jobs that could not start, waiting {@link #START_RETRY_DELAY} for their next attempt. */
    private int delayedRetries;
    /** Cgroups of ended jobs not yet removed (their last members are still dying). */
    private int cgroupsToRemove;

    Engine(Options o, Reactor reactor, Sink sink, Placeholders template, JobLog joblog, Report report,
            java.nio.file.Path tmpdir, boolean progressShown, int queueCapacity, Cgroups cgroups) {
        this.o = o;
        this.reactor = reactor;
        this.sink = sink;
        this.template = template;
        this.joblog = joblog;
        this.report = report;
        this.halt = o.halt;
        this.timeouts = new Timeouts(o.timeoutSeconds, o.timeoutOfMedian);
        this.progress = progressShown ? new Progress(sink, o.bar, o.eta, Progress.terminalWidth(), startNanos) : null;
        this.output = OutputMode.create(o, sink, tmpdir, this::printed);
        this.grace = Duration.ofNanos((long) (o.graceSeconds * 1e9));
        this.cgroups = cgroups;
        this.queue = new LinkedBlockingQueue<>(queueCapacity);
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.put("PARALLEL_PID", Long.toString(ProcessHandle.current().pid()));
        this.environment = env;
        this.spawnOnLoop = o.jobs <= 2;
        Map<Integer, ChildFD> m = new LinkedHashMap<>();
        m.put(0, ChildFD.devNull()); // GNU parallel gives an empty pipe: the same end-of-file at once
        if (output.readsOutput()) {
            m.put(1, ChildFD.parentReads());
            m.put(2, ChildFD.parentReads());
        } else {
            m.put(1, ChildFD.inherit(1));
            m.put(2, ChildFD.inherit(2));
        }
        this.fds = m;
    }

    // ------------------------------------------------------------ the input thread's side

    /** Queues a job, waiting for room; false once the run stopped taking jobs. */
    boolean offer(Job job) throws InterruptedException {
        while (!stopped) {
            if (queue.offer(job, 100, TimeUnit.MILLISECONDS)) {
                if (starved.compareAndSet(true, false)) wakeUp();
                return true;
            }
        }
        return false;
    }

    /** No more jobs: {@code total} were queued. */
    void inputEnded(long total) {
        totalJobs = total;
        inputDone = true;
        wakeUp();
    }

    /** Reading the inputs failed: the jobs queued so far finish, then the runner exits with 255. */
    void inputFailed(String message) {
        inputError = message;
        inputDone = true;
        wakeUp();
    }

    private void wakeUp() {
        try {
            reactor.callFromThread(() -> guard(this::fill));
        } catch (IllegalStateException closed) {
            // the run is over
        }
    }

    // ------------------------------------------------------------ the main thread's side

    /** Starts the run; the result completes when every job has ended. */
    CompletableFuture<Totals> start() {
        int n = spawnOnLoop ? 0 : Math.max(1, Math.min(o.jobs, Runtime.getRuntime().availableProcessors()));
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(this::spawnLoop, "forkexec-runner-spawner-" + (i + 1));
            t.setDaemon(true);
            spawners.add(t);
            t.start();
        }
        runStarted = true;
        reactor.callFromThread(() -> guard(() -> {
            if (progress != null) {
                if (inputDone) progress.total(totalJobs);
                progress.update(0, 0, true);
                reactor.callLater(Duration.ofMillis(200), this::tick);
            }
            fill();
        }));
        return result;
    }

    /**
     * The runner is being stopped by a signal: SIGTERM to every running job's process group, up to
     * one grace period for them to go, then SIGKILL. Called from a shutdown hook; safe from any thread.
     */
    int terminateAll() {
        stopped = true;
        List<ChildProcess> children = new ArrayList<>(live.keySet());
        for (ChildProcess c : children) signalGroup(c, 15);
        long deadline = System.nanoTime() + Math.min(grace.toNanos(), 2_000_000_000L);
        for (ChildProcess c : children) {
            while (c.exitStatus().isEmpty() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        for (ChildProcess c : children) {
            Job j = live.get(c);
            java.nio.file.Path cg = j == null ? null : j.cgroup;
            if (cg != null) {
                Cgroups.kill(cg);
            } else {
                signalGroup(c, 9);
            }
        }
        for (ChildProcess c : children) {
            Job j = live.get(c);
            if (j != null && j.cgroup != null) {
                for (int i = 0; i < 100 && !Cgroups.remove(j.cgroup); i++) {
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        break;
                    }
                }
            }
        }
        return children.size();
    }

    // ------------------------------------------------------------ starting jobs

    private void fill() {
        if (!runStarted || finished || inFill) return;
        inFill = true;
        try {
            while (!stopStarting && running.size() + delayedRetries < o.jobs) {
                Job job = retries.pollFirst();
                if (job == null) {
                    boolean allQueued = inputDone;
                    job = nextQueued();
                    if (job == null) {
                        if (allQueued) break;
                        starved.set(true);
                        job = nextQueued();
                        if (job == null) break;
                        starved.set(false);
                    }
                }
                launch(job);
            }
        } finally {
            inFill = false;
        }
        checkDone();
    }

    /** The next job the input thread queued, or null; on the reactor thread. */
    private Job nextQueued() {
        if (taken.isEmpty()) queue.drainTo(taken, TAKE_BATCH);
        return taken.pollFirst();
    }

    private void launch(Job job) {
        if (job.slot == 0) job.slot = takeSlot();
        if (job.tries == 0) started++;
        job.tries++;
        job.resetAttempt();
        String seq = Long.toString(job.seq);
        if (template == null) {
            job.shellLine = String.join(" ", job.args);
            job.argv = List.of("sh", "-c", job.shellLine);
        } else if (o.shell) {
            job.shellLine = template.shellLine(job.args, job.seq, job.slot);
            job.argv = List.of("sh", "-c", job.shellLine);
        } else {
            job.shellLine = null;
            job.argv = template.argv(job.args, job.seq, job.slot);
        }
        output.started(job);
        if (progress != null) progress.started(job.args);
        if (o.verbose) {
            sink.write(2, job.command() + "\n");
            sink.flush();
        }
        job.startMillis = System.currentTimeMillis();
        job.startNanos = System.nanoTime();
        ProcessSpec spec;
        try {
            // The environment map is reused from job to job (the builder copies it): only the two
            // per-job variables change.
            environment.put("PARALLEL_SEQ", seq);
            environment.put("PARALLEL_JOBSLOT", Integer.toString(job.slot));
            ProcessSpec.Builder b = ProcessSpec.command(job.argv).environment(environment).childFDs(fds).processGroup(0);
            if (job.shellLine != null) b.executable("/bin/sh");
            if (o.nice != null) b.niceness(o.nice);
            for (Map.Entry<ResourceLimit, ResourceLimit.Setting> r : o.rlimits.entrySet()) {
                b.rlimit(r.getKey(), r.getValue().soft(), r.getValue().hard());
            }
            if (cgroups != null) b.cgroup(job.cgroup = cgroups.create(job));
            spec = b.build();
        } catch (IllegalArgumentException e) {
            cannotStart(job, e.getMessage(), 126);
            return;
        } catch (java.io.IOException e) {
            cannotStart(job, "cannot create the job's cgroup: " + JobLog.reason(e), 255);
            return;
        }
        job.timeoutNanos = timeouts.enabled() ? (long) (timeouts.seconds() * 1e9) : 0;
        running.add(job);
        if (spawnOnLoop) {
            spawn(job, spec);
        } else {
            spawns.add(() -> spawn(job, spec));
        }
    }

    /**
     * On a spawner thread (the reactor's own with -j 1 or 2): starts the job. {@code spawnProcess}
     * returns once the child has exec'd, which takes as long as loading the program; doing it on a
     * spawner keeps the reactor thread free to collect the output and exits of the other jobs
     * meanwhile (as xargs' fork returns at once).
     */
    private void spawn(Job job, ProcessSpec spec) {
        try {
            reactor.spawnProcess(new JobProtocol(job), spec);
        } catch (SpawnException e) {
            boolean notFound = "exec".equals(e.step()) && e.errno() == 2;
            int exitval = "exec".equals(e.step()) ? (notFound ? 127 : 126) : 255;
            post(() -> {
                running.remove(job);
                cannotStart(job, e.getMessage(), exitval);
            });
        } catch (RuntimeException e) {
            post(() -> {
                running.remove(job);
                if (job.cgroup != null) removeCgroup(job.cgroup, 0);
                fatal("cannot start a job: " + e);
            });
        }
    }

    /** Runs {@code task} on the reactor thread. */
    private void post(Runnable task) {
        try {
            reactor.callFromThread(() -> guard(task));
        } catch (IllegalStateException closed) {
            // the run is over
        }
    }

    /** A spawner: daemon threads taking spawns in order. */
    private void spawnLoop() {
        try {
            for (Runnable r; (r = spawns.take()) != STOP_SPAWNER; ) r.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void cannotStart(Job job, String message, int exitval) {
        if (job.cgroup != null) removeCgroup(job.cgroup, 0);
        job.startError = message;
        job.startErrorExitval = exitval;
        job.runtimeNanos = System.nanoTime() - job.startNanos;
        output.jobError(job, message);
        attemptEnded(job);
    }

    private int takeSlot() {
        Integer s = freeSlots.pollFirst();
        return s != null ? s : ++maxSlot;
    }

    // ------------------------------------------------------------ a job's protocol

    /** Receives one attempt's events, on the reactor thread. */
    private final class JobProtocol implements ProcessProtocol {
        private final Job job;
        private ProcessTransport transport;

        JobProtocol(Job job) {
            this.job = job;
        }

        /**
         * On the spawning thread, before any other callback: what the reactor thread will need. The
         * reactor reads these fields only after the library has registered the child, which happens
         * after this returns, so they are visible there.
         */
        @Override
        public void connectionMade(ProcessTransport t) {
            transport = t;
            ChildProcess p = (ChildProcess) t;
            job.process = p;
            live.put(p, job);
            if (job.timeoutNanos > 0) {
                long left = Math.max(0, job.timeoutNanos - (System.nanoTime() - job.startNanos));
                job.timeoutCall = reactor.callLater(Duration.ofNanos(left), () -> guard(() -> timedOut(job)));
            }
            if (job.abandoned) post(() -> {
                if (job.process == p) terminate(job);
            });
        }

        @Override
        public void childDataReceived(int childFD, ByteBuffer data) {
            if (job.abandoned || finished) return;
            if (childFD == 1) job.stdoutBytes += data.remaining();
            else job.stderrBytes += data.remaining();
            guard(() -> output.data(job, childFD, data));
        }

        @Override
        public void processExited(ExitStatus status) {
            job.runtimeNanos = System.nanoTime() - job.startNanos;
            job.status = status;
            if (job.cgroup != null && (job.timedOut || job.abandoned)) {
                // Being killed anyway: take what is left of it now, escapees included.
                Cgroups.kill(job.cgroup);
            }
            // A descendant may hold the job's pipes open: stop waiting for them one grace period on.
            job.lingerCall = reactor.callLater(grace, () -> transport.loseConnection());
        }

        @Override
        public void processEnded(ExitStatus status) {
            guard(() -> ended(job, status));
        }
    }

    private void ended(Job job, ExitStatus status) {
        cancel(job.timeoutCall);
        cancel(job.lingerCall);
        if (job.status == null) {
            job.status = status;
            job.runtimeNanos = System.nanoTime() - job.startNanos;
        }
        job.usage = status.resourceUsage().orElse(null);
        if (job.usage != null) {
            userNanos += job.usage.userTime().toNanos();
            systemNanos += job.usage.systemTime().toNanos();
            maxRss = Math.max(maxRss, job.usage.maxResidentSetBytes());
        }
        if (job.cgroup != null) {
            // Whatever the job left running (a daemon, a setsid escapee) goes with it.
            cancel(job.killCall);
            if (Cgroups.populated(job.cgroup)) Cgroups.kill(job.cgroup);
            removeCgroup(job.cgroup, 0);
        } else if (!job.timedOut && !job.abandoned) {
            // A killed job's SIGKILL still goes to its group at the end of the grace period, for the
            // descendants that outlived the leader.
            cancel(job.killCall);
        }
        live.remove(job.process);
        running.remove(job);
        job.process = null;
        attemptEnded(job);
    }

    /** Removes an ended job's cgroup, retrying while the kernel still counts a dying member in it. */
    private void removeCgroup(java.nio.file.Path cg, int attempt) {
        if (Cgroups.remove(cg)) {
            if (attempt > 0) {
                cgroupsToRemove--;
                checkDone();
            }
            return;
        }
        if (attempt == 0) cgroupsToRemove++;
        if (attempt >= 500) {
            cgroupsToRemove--;
            sink.message("Warning: cannot remove the cgroup " + cg + ": processes are still in it");
            checkDone();
            return;
        }
        if (attempt % 50 == 49) Cgroups.kill(cg);
        reactor.callLater(Duration.ofMillis(10), () -> guard(() -> removeCgroup(cg, attempt + 1)));
    }

    private static void cancel(Reactor.DelayedCall call) {
        if (call != null) call.cancel();
    }

    // ------------------------------------------------------------ timeouts and killing

    private void armTimeout(Job job) {
        if (!timeouts.enabled()) return;
        long limit = (long) (timeouts.seconds() * 1e9);
        long left = Math.max(0, limit - (System.nanoTime() - job.startNanos));
        Job j = job;
        job.timeoutCall = reactor.callLater(Duration.ofNanos(left), () -> guard(() -> timedOut(j)));
    }

    private void timedOut(Job job) {
        if (job.process == null || job.status != null) return;
        long elapsed = System.nanoTime() - job.startNanos;
        if (timeouts.relative() && elapsed < (long) (timeouts.seconds() * 1e9)) {
            armTimeout(job);
            return;
        }
        job.timedOut = true;
        sink.message("Warning: This job was killed because it timed out after "
                + Report.secondsText(elapsed / 1_000_000) + " s: " + job.command());
        terminate(job);
    }

    /**
     * SIGTERM to the job's process group now; one grace period later SIGKILL to the group (whatever
     * of it is left, even after the leader was reaped), or {@code cgroup.kill} with {@code --cgroup},
     * which also reaches descendants that left the group.
     */
    private void terminate(Job job) {
        if (job.terminating) return;
        job.terminating = true;
        ChildProcess p = job.process;
        java.nio.file.Path cg = job.cgroup;
        signalGroup(p, 15);
        job.killCall = reactor.callLater(grace, () -> {
            if (cg != null) {
                if (job.process == p) Cgroups.kill(cg);
            } else {
                signalGroup(p, 9);
            }
        });
    }

    private static void signalGroup(ChildProcess p, int signal) {
        try {
            p.signalProcessGroup(signal);
        } catch (IllegalStateException gone) {
            // ProcessExitedAlreadyException: no member of the group is left
        }
    }

    // ------------------------------------------------------------ a job ended

    private void attemptEnded(Job job) {
        if (job.abandoned) {
            killed++;
            output.abandoned(job);
            freeSlots.addLast(job.slot);
            checkDone();
            return;
        }
        boolean jobFailed = job.failed();
        if (jobFailed && !stopStarting && (o.retries == 0 || job.tries < o.retries)) {
            output.retrying(job);
            if (job.startError == null) {
                retries.addFirst(job);
                fill();
                return;
            }
            // A job that could not start would fail again at once: retry it a little later, keeping
            // its slot, so that --retries 0 with a missing program does not spin the reactor.
            delayedRetries++;
            reactor.callLater(START_RETRY_DELAY, () -> guard(() -> {
                delayedRetries--;
                if (stopStarting) {
                    finalEnd(job, true);
                } else {
                    retries.addFirst(job);
                }
                fill();
            }));
            return;
        }
        finalEnd(job, jobFailed);
    }

    /** The job's last attempt ended: count it, print it (now or in its turn), and apply --halt. */
    private void finalEnd(Job job, boolean jobFailed) {
        ended++;
        if (jobFailed) failed++;
        else if (timeouts.relative()) succeededFor(job);
        freeSlots.addLast(job.slot);
        output.finished(job);
        HaltPolicy.Decision d = halt.jobEnded(jobFailed, job.haltStatus(), job.command(), failed, ended,
                totalJobs >= 0 ? totalJobs : ended + running.size() + taken.size() + queue.size());
        if (d.message() != null) sink.message(d.message());
        if (d.halt() == HaltPolicy.When.SOON && !stopStarting) {
            stopStarting = true;
            if (!running.isEmpty()) {
                sink.message("Starting no more jobs. Waiting for " + running.size() + " jobs to finish.");
            }
        } else if (d.halt() == HaltPolicy.When.NOW) {
            abandonAll();
        }
        if (progress != null) progress.update(ended, running.size(), false);
        fill();
    }

    private void succeededFor(Job job) {
        double before = timeouts.seconds();
        timeouts.succeeded(job.runtimeNanos / 1e9);
        if (timeouts.seconds() < before) {
            for (Job r : running) {
                cancel(r.timeoutCall);
                armTimeout(r);
            }
        }
    }

    /** {@code --halt now} (or a fatal error): kill every running job; their output and records are dropped. */
    private void abandonAll() {
        stopStarting = true;
        stopped = true;
        retries.clear();
        for (Job r : new ArrayList<>(running)) {
            if (r.abandoned) continue;
            r.abandoned = true;
            cancel(r.timeoutCall);
            // A job still being spawned is terminated as soon as it exists (see connectionMade).
            if (r.process != null) terminate(r);
        }
    }

    private void printed(Job job) {
        if (joblog != null) joblog.write(job);
        if (report != null) report.write(job);
    }

    private void checkDone() {
        if (finished || inFill || !running.isEmpty() || cgroupsToRemove > 0 || delayedRetries > 0) return;
        if (!stopStarting) {
            if (!retries.isEmpty() || !inputDone || !taken.isEmpty() || !queue.isEmpty()) return;
            if (inputError != null && runnerError == null) runnerError = inputError;
        }
        finished = true;
        stopped = true;
        for (int i = 0; i < spawners.size(); i++) spawns.add(STOP_SPAWNER);
        try {
            output.close();
            if (progress != null) progress.finish(ended);
        } catch (UncheckedIOException e) {
            if (runnerError == null) runnerError = e.getMessage();
        }
        if (runnerError != null) {
            try {
                sink.message("Error: " + runnerError);
            } catch (UncheckedIOException ignored) {
                // stderr is gone too; the exit status still says it
            }
        }
        int status = runnerError != null ? 255 : halt.exitStatus(failed, started);
        result.complete(new Totals(ended, failed, killed, System.nanoTime() - startNanos, status, userNanos, systemNanos,
                maxRss));
    }

    private void tick() {
        if (finished) return;
        guard(() -> progress.update(ended, running.size(), false));
        try {
            reactor.callLater(Duration.ofMillis(200), this::tick);
        } catch (IllegalStateException closed) {
            // the run is over
        }
    }

    /** Runs reactor-thread work; an output or record that cannot be written stops the run (exit 255). */
    private void guard(Runnable r) {
        try {
            r.run();
        } catch (UncheckedIOException e) {
            fatal(e.getMessage());
        } catch (RuntimeException e) {
            fatal("internal error: " + e);
        }
    }

    private void fatal(String message) {
        if (runnerError == null) runnerError = message;
        inFill = false;
        abandonAll();
        checkDone();
    }
}
