package io.dsrgw.harness.netns;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A snapshot of one interface's kernel counters (from {@code ip -s -j link show dev X}).
 * Packet counts include everything the interface saw (ARP, neighbour discovery), so callers that need
 * exact per-flow counts use {@link NftCounters} instead.
 */
public record LinkCounters(String device, long rxPackets, long rxBytes, long rxDropped,
                           long txPackets, long txBytes, long txDropped) {

    // "stats64":{"rx":{"bytes":1,"packets":2,"errors":0,"dropped":0,...},"tx":{"bytes":3,"packets":4,...}}
    private static final Pattern DIRECTION = Pattern.compile("\"(rx|tx)\"\\s*:\\s*\\{([^}]*)}");

    /** Counter deltas: this minus an earlier snapshot of the same device. */
    public LinkCounters minus(LinkCounters earlier) {
        return new LinkCounters(device, rxPackets - earlier.rxPackets, rxBytes - earlier.rxBytes,
                rxDropped - earlier.rxDropped, txPackets - earlier.txPackets, txBytes - earlier.txBytes,
                txDropped - earlier.txDropped);
    }

    /** Parses the JSON of {@code ip -s -j link show dev X} (one interface). */
    public static LinkCounters parseIpJson(String device, String json) {
        long[] rx = null;
        long[] tx = null;
        int stats = json.indexOf("\"stats64\"");
        Matcher m = DIRECTION.matcher(json);
        int from = stats >= 0 ? stats : 0;
        while (m.find(from)) {
            long[] v = {field(m.group(2), "packets"), field(m.group(2), "bytes"), field(m.group(2), "dropped")};
            if (m.group(1).equals("rx") && rx == null) {
                rx = v;
            } else if (m.group(1).equals("tx") && tx == null) {
                tx = v;
            }
            from = m.end();
            if (rx != null && tx != null) {
                break;
            }
        }
        if (rx == null || tx == null) {
            throw new IllegalArgumentException("no rx/tx statistics for " + device + " in `ip -s -j link` output: "
                    + Commands.abbreviate(json) + " (expected: \"stats64\":{\"rx\":{...},\"tx\":{...}})");
        }
        return new LinkCounters(device, rx[0], rx[1], rx[2], tx[0], tx[1], tx[2]);
    }

    private static long field(String body, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\\d+)").matcher(body);
        if (!m.find()) {
            throw new IllegalArgumentException("statistics without \"" + name + "\": {" + body + "}");
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public String toString() {
        return device + ": rx " + rxPackets + " pkts/" + rxBytes + " B (dropped " + rxDropped + "), tx " + txPackets
                + " pkts/" + txBytes + " B (dropped " + txDropped + ")";
    }
}
