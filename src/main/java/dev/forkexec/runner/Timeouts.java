package dev.forkexec.runner;

import java.util.Arrays;

/**
 * {@code --timeout}: a fixed number of seconds, or a percentage of the median runtime of the jobs
 * that succeeded so far ({@code --timeout 200%}). As in GNU parallel, a percentage allows 1,000,000
 * seconds until the first job succeeds, and the median is a remedian (Rousseeuw and Bassett 1990)
 * over three levels of 999 values, so it takes constant memory however many jobs run. Unlike GNU
 * parallel (which polls once a second with whole-second clocks), the limit is kept to the
 * millisecond by a timer per job.
 *
 * <p>Not thread-safe: reactor thread only.
 */
final class Timeouts {
    private static final int BASE = 999;
    private static final double UNTIL_FIRST_SUCCESS = 1_000_000;

    private final double fixedSeconds;
    private final double fraction;
    private final double[][] levels = new double[3][];
    private final int[] sizes = new int[3];
    private long count;
    private double median = Double.NaN;

    Timeouts(double fixedSeconds, double fractionOfMedian) {
        this.fixedSeconds = fixedSeconds;
        this.fraction = fractionOfMedian;
        for (int i = 0; i < 3; i++) levels[i] = new double[BASE];
    }

    /** Whether jobs have a time limit at all. */
    boolean enabled() {
        return fixedSeconds > 0 || fraction > 0;
    }

    /** Whether the limit follows the median runtime (and so changes as jobs succeed). */
    boolean relative() {
        return fraction > 0;
    }

    /** The current limit in seconds (0 when there is none). */
    double seconds() {
        if (fixedSeconds > 0) return fixedSeconds;
        if (fraction <= 0) return 0;
        return Double.isNaN(median) ? UNTIL_FIRST_SUCCESS : fraction * median;
    }

    /** A job succeeded after this many seconds. */
    void succeeded(double runtimeSeconds) {
        if (fraction <= 0) return;
        long i = count++;
        put(0, (int) (i % BASE), runtimeSeconds);
        put(1, (int) (i / BASE % BASE), medianOf(0));
        put(2, (int) (i / BASE / BASE % BASE), medianOf(1));
        median = medianOf(2);
    }

    /** The current median estimate, or NaN before the first success. */
    double median() {
        return median;
    }

    private void put(int level, int index, double value) {
        levels[level][index] = value;
        sizes[level] = Math.max(sizes[level], index + 1);
    }

    /** Perl's {@code (sort @a)[$#a/2]} on a level's filled part (numeric order here, not Perl's string order). */
    private double medianOf(int level) {
        int n = sizes[level];
        double[] copy = Arrays.copyOf(levels[level], n);
        Arrays.sort(copy);
        return copy[(n - 1) / 2];
    }
}
