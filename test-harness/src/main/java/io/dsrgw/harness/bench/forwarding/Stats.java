package io.dsrgw.harness.bench.forwarding;

import java.util.Arrays;

/**
 * Median and range of a few measurements (one per round), and per-round ratios between two configurations.
 * NaN marks a round without a value (a configuration that was not measured); it is left out of every summary.
 * Pure.
 */
public final class Stats {
    private Stats() {
    }

    /** Median, minimum and maximum of the values that are not NaN; {@code count} of them (0: all NaN). */
    public record Summary(double median, double min, double max, int count) {
        /** True when at least one value went into the summary. */
        public boolean measured() {
            return count > 0;
        }
    }

    /** The summary of {@code values}, NaN left out; with no value left, NaN median/min/max and count 0. */
    public static Summary summarize(double[] values) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return new Summary(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Summary(median, v[0], v[n - 1], n);
    }

    /**
     * Round by round {@code numerator[i] / denominator[i]}: the ratio of two configurations measured in the same
     * round, so that drift of the machine between rounds cancels out. NaN where either is NaN or the denominator
     * is 0. The arrays must have the same length (one entry per round).
     */
    public static double[] ratios(double[] numerator, double[] denominator) {
        if (numerator.length != denominator.length) {
            throw new IllegalArgumentException("ratios of " + numerator.length + " and " + denominator.length
                    + " rounds (expected: the same number)");
        }
        double[] r = new double[numerator.length];
        for (int i = 0; i < r.length; i++) {
            double a = numerator[i];
            double b = denominator[i];
            r[i] = Double.isNaN(a) || Double.isNaN(b) || b == 0 ? Double.NaN : a / b;
        }
        return r;
    }
}
