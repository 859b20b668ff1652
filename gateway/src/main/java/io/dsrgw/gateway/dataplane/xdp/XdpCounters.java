package io.dsrgw.gateway.dataplane.xdp;

import java.util.Map;

/**
 * One reading of the XDP program's per-CPU counters, summed over CPUs: counter name (the contract's metric suffix,
 * e.g. {@code rx}, {@code tx}, {@code redirect}, {@code pass_icmp}) to value, in contract index order.
 */
public record XdpCounters(Map<String, Long> values) {
    public XdpCounters {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }
}
