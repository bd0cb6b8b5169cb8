package dev.forkexec.bench;

import java.util.Arrays;
import java.util.List;

/** Order statistics over samples. */
final class Stats {
    private Stats() {}

    static double median(List<Double> xs) {
        return quantile(xs, 0.5);
    }

    /** Linear-interpolated quantile (q in [0,1]); NaN for no samples. */
    static double quantile(List<Double> xs, double q) {
        if (xs.isEmpty()) return Double.NaN;
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        double pos = q * (a.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, a.length - 1);
        return a[lo] + (a[hi] - a[lo]) * (pos - lo);
    }

    static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
