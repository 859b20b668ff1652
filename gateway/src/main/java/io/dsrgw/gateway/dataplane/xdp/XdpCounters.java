package io.dsrgw.gateway.dataplane.xdp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One reading of the XDP program's per-CPU counters, summed over CPUs: counter name (the contract's metric suffix,
 * e.g. {@code rx}, {@code tx}, {@code redirect}, {@code pass_icmp}) to value, in contract index order.
 */
public record XdpCounters(Map<String, Long> values) {
    public XdpCounters {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * The value of counter {@code name}.
     *
     * @throws IllegalArgumentException for a name the contract does not have (the message lists them)
     */
    public long value(String name) {
        Long v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("XDP counter '" + name + "' (expected: one of " + values.keySet()
                    + ")");
        }
        return v;
    }

    /** Per counter, this reading minus {@code earlier} (what happened in between). */
    public XdpCounters minus(XdpCounters earlier) {
        Map<String, Long> d = new LinkedHashMap<>();
        values.forEach((k, v) -> d.put(k, v - earlier.values.getOrDefault(k, 0L)));
        return new XdpCounters(d);
    }
}
