package io.dsrgw.harness.scenario;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's counters as it prints them ({@code name value} lines: on exit of {@code dsr-gateway run}, and
 * from {@code replay}): every name starting with {@code rx_}, {@code tx_}, {@code drop_} or {@code fwd_} (the 14 of
 * the README's table; the flow table's {@code flow_*} gauges are not counters of packets).
 */
public final class GatewayCounters {
    private static final Pattern LINE = Pattern.compile(
            "(?m)^(?:[^\\n]*[ \\t])?((?:rx|tx|drop|fwd|xdp)_[a-z0-9_]+)[ \\t]+(\\d+)[ \\t]*$");

    private GatewayCounters() {
    }

    /** Every counter line in {@code output}; a later line for the same name wins (the final values). */
    public static Map<String, Long> parse(String output) {
        Map<String, Long> out = new LinkedHashMap<>();
        Matcher m = LINE.matcher(output);
        while (m.find()) {
            out.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return out;
    }
}
