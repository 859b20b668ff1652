package io.dsrgw.harness.bench.floods;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The ICMP messages a namespace's kernel sent itself, from {@code /proc/net/snmp} (its "Icmp:" header and value
 * lines): with {@code ingress.kind = tun} the kernel, not the gateway, answers packets larger than the TUN MTU
 * (fragmentation needed, limited by {@code net.ipv4.icmp_msgs_per_sec} and {@code icmp_ratelimit}) and UDP to
 * closed ports of the gateway host (port unreachable). Pure.
 */
final class KernelIcmp {
    private KernelIcmp() {
    }

    /** The "Icmp:" counters whose name starts with "Out" (OutMsgs, OutDestUnreachs, OutEchoReps, ...). */
    static Map<String, Long> parse(String snmp) {
        String header = null;
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : snmp.split("\n")) {
            if (!line.startsWith("Icmp: ")) {
                continue;
            }
            if (header == null) {
                header = line;
                continue;
            }
            String[] names = header.substring(6).trim().split("\\s+");
            String[] values = line.substring(6).trim().split("\\s+");
            if (names.length != values.length) {
                throw new IllegalArgumentException("/proc/net/snmp: " + names.length + " Icmp names but "
                        + values.length + " values (expected: as many)");
            }
            for (int i = 0; i < names.length; i++) {
                if (names[i].startsWith("Out")) {
                    out.put(names[i], Long.parseLong(values[i]));
                }
            }
            return out;
        }
        throw new IllegalArgumentException("/proc/net/snmp: no Icmp lines (expected: a header and a value line)");
    }

    static Map<String, Long> minus(Map<String, Long> later, Map<String, Long> earlier) {
        Map<String, Long> d = new LinkedHashMap<>();
        later.forEach((k, v) -> d.put(k, v - earlier.getOrDefault(k, 0L)));
        return d;
    }

    /** "OutDestUnreachs 1000, OutTimeExcds 3" without OutMsgs and zeros; "-" when nothing was sent. */
    static String describe(Map<String, Long> delta) {
        String s = delta.entrySet().stream().filter(e -> e.getValue() != 0 && !e.getKey().equals("OutMsgs")
                        && !e.getKey().equals("OutRateLimitGlobal") && !e.getKey().equals("OutRateLimitHost"))
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        long limited = delta.getOrDefault("OutRateLimitGlobal", 0L) + delta.getOrDefault("OutRateLimitHost", 0L);
        if (limited != 0) {
            s = (s.isEmpty() ? "" : s + ", ") + String.format(Locale.ROOT, "rate-limited %d", limited);
        }
        return s.isEmpty() ? "-" : s;
    }
}
