package io.dsrgw.harness.scenario;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's counters as it prints them ({@code name value} lines: on exit of {@code dsr-gateway run}, and
 * from {@code replay}). Counter names are those of contract.md: rx_packets, tx_packets, drop_not_vip, ...
 */
public final class GatewayCounters {
    private static final Pattern LINE = Pattern.compile(
            "(?m)^(?:[^\\n]*[ \\t])?((?:rx|tx)_packets|drop_[a-z_]+|xdp_[a-z_]+)[ \\t]+(\\d+)[ \\t]*$");

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
