package dev.forkexec.runner;

import dev.forkexec.ChildProcess;
import dev.forkexec.ExitStatus;
import dev.forkexec.Reactor;
import dev.forkexec.ResourceUsage;
import java.nio.file.Path;
import java.util.List;

/**
 * One job: its sequence number and inputs, and what its current (or last) attempt did. Created by
 * the input thread, then owned by the reactor thread.
 */
final class Job {
    /** The global sequence number ({@code {#}}, the joblog's Seq), 1-based over all inputs. */
    final long seq;
    /** The inputs: one per source, or one per column with {@code --colsep}. */
    final String[] args;

    /** The slot ({@code {%}}), kept across retries; 0 until the first start. */
    int slot;
    /** Attempts started so far. */
    int tries;
    /** The argv of the current attempt. */
    List<String> argv;
    /** The {@code sh -c} line of the current attempt, or null when exec'd directly. */
    String shellLine;

    /** Start of the current attempt: wall clock (ms since the epoch) and monotonic (ns). */
    long startMillis;
    long startNanos;
    /** Runtime of the current attempt (ns), from start to the child being reaped. */
    long runtimeNanos;

    ExitStatus status;
    boolean timedOut;
    /** Why the attempt could not start (a spawn failure), or null. */
    String startError;
    /** The Exitval a shell would report for that failure: 127 not found, 126 not runnable. */
    int startErrorExitval;

    long stdoutBytes;
    long stderrBytes;
    /** What the attempt used (from the wait that reaped it), or null when unknown. */
    ResourceUsage usage;
    /** The attempt's cgroup with {@code --cgroup}, else null. */
    Path cgroup;

    /** The running child of the current attempt (null when not running); set on the spawning thread. */
    volatile ChildProcess process;
    /** The attempt's time limit when it started (ns), 0 for none. */
    long timeoutNanos;
    /** Timers of the current attempt: timeout, then SIGKILL; closing pipes a descendant holds. */
    Reactor.DelayedCall timeoutCall;
    Reactor.DelayedCall killCall;
    Reactor.DelayedCall lingerCall;
    /** Set when {@code --halt now} killed this attempt: its output and record are dropped. */
    volatile boolean abandoned;
    /** SIGTERM was sent (by a timeout or a halt); reactor thread only. */
    boolean terminating;

    /** The output mode's state for this job. */
    Object outputState;

    Job(long seq, String[] args) {
        this.seq = seq;
        this.args = args;
    }

    /** Forgets the previous attempt's outcome before a retry. */
    void resetAttempt() {
        status = null;
        timedOut = false;
        startError = null;
        startErrorExitval = 0;
        stdoutBytes = 0;
        stderrBytes = 0;
        usage = null;
        cgroup = null;
        process = null;
        timeoutNanos = 0;
        terminating = false;
        timeoutCall = null;
        killCall = null;
        lingerCall = null;
    }

    /** The command line as the joblog, {@code --dry-run} and messages show it. */
    String command() {
        return shellLine != null ? shellLine : ShellQuote.join(argv);
    }

    /**
     * GNU parallel's Exitval: the exit code; 0 when a signal ended the job; -1 for a timed-out job
     * unless it exited non-zero by itself; 127/126 for a job that could not start.
     */
    int exitval() {
        if (startError != null) return startErrorExitval;
        if (status == null) return 0;
        if (!status.isKnown()) return 255;
        int code = status.signal() != 0 ? 0 : status.exitCode();
        if (timedOut && code == 0) return -1;
        return code;
    }

    /** The signal that ended the job, or 0. */
    int signal() {
        return status == null || !status.isKnown() ? 0 : status.signal();
    }

    /** A non-zero Exitval or a signal. */
    boolean failed() {
        return exitval() != 0 || signal() != 0;
    }

    /** The status the runner exits with when this job alone triggers {@code --halt ...=1}: a shell's. */
    int haltStatus() {
        int signal = signal();
        int code = exitval();
        if (code > 0) return code;
        if (signal != 0) return 128 + signal;
        return code < 0 ? 128 + 15 : 0;
    }

    /** Seconds of runtime, truncated to milliseconds. */
    long runtimeMillis() {
        return runtimeNanos / 1_000_000;
    }
}
