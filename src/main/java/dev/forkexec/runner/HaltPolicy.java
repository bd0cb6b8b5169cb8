package dev.forkexec.runner;

/**
 * {@code --halt}: when to stop starting jobs ({@code soon}) or kill the running ones ({@code now}),
 * after how many failed, succeeded or finished jobs (a count, or a percentage of all jobs), and what
 * the runner's exit status is then. The forms and the arithmetic are GNU parallel's
 * ({@code parse_halt}, {@code should_we_halt}, {@code halt}): {@code 0}=never, {@code 1}=soon,fail=1,
 * {@code 2}=now,fail=1, {@code -1}=soon,success=1, {@code -2}=now,success=1, {@code N%}=soon,fail=N%,
 * and the long form {@code when,what=value}.
 *
 * <p>Not thread-safe: the engine calls it from the reactor thread only.
 */
final class HaltPolicy {
    /** What to do once the limit is reached. */
    enum When {
        /** Never halt (the default). */
        NEVER,
        /** Start no more jobs; let the running ones finish. */
        SOON,
        /** Kill the running jobs and exit. */
        NOW
    }

    /** Which jobs count toward the limit. */
    enum What {
        /** Failed jobs (a non-zero exit, a signal, a timeout, a job that could not start). */
        FAIL,
        /** Succeeded jobs. */
        SUCCESS,
        /** Every finished job. */
        DONE
    }

    /** What one finished job means for the run: the message to print (or null) and whether to halt. */
    record Decision(String message, When halt) {}

    private final boolean given;
    private final When when;
    private final What what;
    private final long count;     // 0 when a percentage was given
    private final double fraction; // 0 when a count was given

    private double limit;          // count, or fraction x total jobs once known
    private Integer haltExit;      // set when the limit was reached (GNU's halt_exitstatus)

    private HaltPolicy(boolean given, When when, What what, long count, double fraction) {
        this.given = given;
        this.when = when;
        this.what = what;
        this.count = count;
        this.fraction = fraction;
        this.limit = count;
    }

    /** No {@code --halt}: every job runs, the exit status is the number of failed jobs. */
    static HaltPolicy none() {
        return new HaltPolicy(false, When.NEVER, null, 0, 0);
    }

    /** Parses a {@code --halt} value, with GNU parallel's error messages. */
    static HaltPolicy parse(String spec) throws RunnerException {
        String s;
        switch (spec) {
            case "0": s = "never"; break;
            case "1": s = "soon,fail=1"; break;
            case "2": s = "now,fail=1"; break;
            case "-1": s = "soon,success=1"; break;
            case "-2": s = "now,success=1"; break;
            default: s = spec.matches("\\d+%") ? "soon,fail=" + spec : spec;
        }
        String[] parts = s.split("[,=]", -1);
        When when;
        switch (parts[0]) {
            case "never": when = When.NEVER; break;
            case "soon": when = When.SOON; break;
            case "now": when = When.NOW; break;
            default: throw new RunnerException("--halt must have 'never', 'soon', or 'now': " + spec);
        }
        if (when == When.NEVER) return new HaltPolicy(true, When.NEVER, null, 0, 0);
        What what;
        String kind = parts.length > 1 ? parts[1] : "";
        switch (kind) {
            case "fail": what = What.FAIL; break;
            case "success": what = What.SUCCESS; break;
            case "done": what = What.DONE; break;
            default: throw new RunnerException("--halt " + parts[0] + " must be followed by ,success or ,fail: " + spec);
        }
        String value = parts.length > 2 ? parts[2] : "";
        String formError = "--halt " + parts[0] + "," + kind + " must be followed by ,number or ,percent%: " + spec;
        if (parts.length > 3) throw new RunnerException(formError);
        if (value.matches("\\d{1,9}%")) {
            int pct = Integer.parseInt(value.substring(0, value.length() - 1));
            if (pct < 1 || pct > 100) throw new RunnerException("--halt percentage must be 1% to 100%: " + spec);
            return new HaltPolicy(true, when, what, 0, pct / 100.0);
        }
        if (value.matches("\\d{1,18}")) {
            long n = Long.parseLong(value);
            if (n < 1) throw new RunnerException("--halt count must be 1 or more: " + spec);
            return new HaltPolicy(true, when, what, n, 0);
        }
        throw new RunnerException(formError);
    }

    /** Whether the decision needs the total number of jobs (a percentage) before the first job ends. */
    boolean needsTotal() {
        return fraction > 0;
    }

    /** Whether a failing (resp. succeeding, finishing) job is announced: a policy of that kind is active. */
    private boolean announces(What w) {
        return when != When.NEVER && what == w;
    }

    /**
     * A job ended for good (no retry left). The totals include this job. {@code statusForHalt} is the
     * status GNU parallel would exit with for this job alone (its exit code, or 128 + signal).
     */
    Decision jobEnded(boolean failed, int statusForHalt, String command, long totalFailed, long totalCompleted,
            long totalJobs) {
        String message = null;
        long reached = -1;
        if (failed) {
            if (announces(What.FAIL)) {
                message = "This job failed: " + command;
                reached = totalFailed;
            }
        } else if (announces(What.SUCCESS)) {
            message = "This job succeeded: " + command;
            reached = totalCompleted - totalFailed;
        }
        if (announces(What.DONE)) {
            message = "This job finished: " + command;
            reached = totalCompleted;
        }
        if (reached < 0) return new Decision(message, null);
        if (fraction > 0 && limit == 0) limit = totalJobs * fraction;
        if (reached < limit) return new Decision(message, null);
        if (haltExit == null) {
            if (what == What.SUCCESS) {
                haltExit = 0;
            } else {
                haltExit = fraction > 0 ? ceilPercent(totalFailed, totalJobs) : (int) Math.min(totalFailed, 101);
                if (limit == 1) haltExit = statusForHalt;
            }
        }
        return new Decision(message, when);
    }

    /** The runner's exit status at the end: GNU parallel's {@code halt()}. */
    int exitStatus(long totalFailed, long totalStarted) {
        if (given && when != When.NEVER) {
            if (haltExit != null) return haltExit;
            if (fraction > 0) return ceilPercent(totalFailed, Math.max(totalStarted, 1));
            return (int) Math.min(totalFailed, 101);
        }
        return (int) Math.min(totalFailed, 101);
    }

    private static int ceilPercent(long part, long whole) {
        if (whole <= 0) return 0;
        return (int) Math.min(255, Math.ceil(part * 100.0 / whole));
    }
}
