package io.dsrgw.harness.bench.floods;

import java.util.Arrays;

/**
 * Percentiles of request latencies by the nearest-rank method (the smallest value such that at least p % of the
 * values are at most it): p50 of {1, 2, 3, 4} is 2, p99 of 100 values is the 99th smallest. Pure.
 */
public final class Latencies {
    private final double[] sorted;

    /** @param values latencies in any unit, any order; copied */
    public Latencies(double[] values) {
        this.sorted = values.clone();
        Arrays.sort(sorted);
    }

    public int count() {
        return sorted.length;
    }

    /**
     * The nearest-rank {@code p}-th percentile, NaN without values.
     *
     * @param p 0 (exclusive) .. 100
     */
    public double percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile: " + p + " (expected: 0 < p <= 100)");
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    /** The largest value, NaN without values. */
    public double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }
}
