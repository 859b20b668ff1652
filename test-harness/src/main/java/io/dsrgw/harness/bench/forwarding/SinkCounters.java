package io.dsrgw.harness.bench.forwarding;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The counters of {@code bench_sink.c}'s per-CPU array, summed over CPUs, as read from
 * {@code bpftool -j map dump id N} (the "formatted" part, which bpftool prints when the map has BTF).
 * Indexes as in bench_sink.c: 0 all frames, 1 IPIP carrying UDP, 2 plain UDP, 3 other.
 */
public final class SinkCounters {
    public static final int ALL = 0;
    public static final int IPIP_UDP = 1;
    public static final int PLAIN_UDP = 2;
    public static final int OTHER = 3;
    public static final int COUNT = 4;
    private static final Pattern ENTRY = Pattern.compile(
            "\"formatted\"\\s*:\\s*\\{\\s*\"key\"\\s*:\\s*(\\d+)\\s*,\\s*\"values\"\\s*:\\s*\\[([^\\]]*)\\]");
    private static final Pattern VALUE = Pattern.compile("\"value\"\\s*:\\s*(\\d+)");

    private SinkCounters() {
    }

    /** Sums per key over CPUs; throws when a key 0..3 is missing (not the sink's map, or no BTF). */
    public static long[] parseBpftoolDump(String json) {
        long[] sums = new long[COUNT];
        boolean[] seen = new boolean[COUNT];
        Matcher m = ENTRY.matcher(json);
        while (m.find()) {
            int key = Integer.parseInt(m.group(1));
            if (key < 0 || key >= COUNT) {
                continue;
            }
            seen[key] = true;
            Matcher v = VALUE.matcher(m.group(2));
            while (v.find()) {
                sums[key] += Long.parseLong(v.group(1));
            }
        }
        for (int k = 0; k < COUNT; k++) {
            if (!seen[k]) {
                throw new IllegalArgumentException("bpftool map dump: no formatted entry for key " + k
                        + " (expected: bench_sink's 4-entry per-CPU array with BTF): " + abbreviate(json));
            }
        }
        return sums;
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() <= 300 ? t : t.substring(0, 300) + "...";
    }
}
