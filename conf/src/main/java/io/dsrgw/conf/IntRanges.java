package io.dsrgw.conf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of integers made of closed ranges, e.g. the HTTP status codes a health check accepts
 * ({@code expected-status = [200, "300-399"]}). Ranges are kept sorted and merged (adjacent or overlapping ranges
 * become one), so two sets with the same members are equal however they were written. {@link #contains} does not
 * allocate.
 */
public final class IntRanges {

    /** HTTP statuses 200..399 (2xx and 3xx): the default of {@code expected-status}. */
    public static final IntRanges HTTP_2XX_3XX = IntRanges.of(200, 399);
    /** HTTP status 200 only. */
    public static final IntRanges HTTP_200 = IntRanges.of(200, 200);

    private final int[] lows;
    private final int[] highs;

    private IntRanges(int[] lows, int[] highs) {
        this.lows = lows;
        this.highs = highs;
    }

    /** @return the set {@code low..high} */
    public static IntRanges of(int low, int high) {
        return ofRanges(List.of(new int[] {low, high}));
    }

    /**
     * @param ranges closed ranges {low, high} with low <= high, in any order, possibly overlapping
     * @return their union
     * @throws IllegalArgumentException when empty or a range has low > high
     */
    public static IntRanges ofRanges(List<int[]> ranges) {
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("no ranges");
        }
        List<int[]> sorted = new ArrayList<>();
        for (int[] r : ranges) {
            if (r.length != 2 || r[0] > r[1]) {
                throw new IllegalArgumentException("bad range " + Arrays.toString(r) + " (expected: {low, high})");
            }
            sorted.add(r.clone());
        }
        sorted.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<int[]> merged = new ArrayList<>();
        for (int[] r : sorted) {
            int[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && (long) r[0] <= (long) last[1] + 1) {
                last[1] = Math.max(last[1], r[1]);
            } else {
                merged.add(r);
            }
        }
        int[] lows = new int[merged.size()];
        int[] highs = new int[merged.size()];
        for (int i = 0; i < lows.length; i++) {
            lows[i] = merged.get(i)[0];
            highs[i] = merged.get(i)[1];
        }
        return new IntRanges(lows, highs);
    }

    /** @return true when {@code n} is in one of the ranges */
    public boolean contains(int n) {
        for (int i = 0; i < lows.length; i++) {
            if (n < lows[i]) {
                return false;
            }
            if (n <= highs[i]) {
                return true;
            }
        }
        return false;
    }

    /** @return the number of (merged) ranges */
    public int rangeCount() {
        return lows.length;
    }

    /** @return the low end of range {@code i} (ranges are sorted) */
    public int low(int i) {
        return lows[i];
    }

    /** @return the high end of range {@code i} */
    public int high(int i) {
        return highs[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IntRanges r && Arrays.equals(lows, r.lows) && Arrays.equals(highs, r.highs);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(lows) + Arrays.hashCode(highs);
    }

    /** @return e.g. "[200, 300-399]" */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < lows.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(lows[i]);
            if (highs[i] != lows[i]) {
                sb.append('-').append(highs[i]);
            }
        }
        return sb.append(']').toString();
    }
}
