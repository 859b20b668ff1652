package io.dsrgw.gateway.dataplane;

import java.time.Duration;
import java.util.Objects;

/**
 * Idle timeouts of the flow table, per timeout class ({@link FlowTable#CLASS_TCP_SYN} ...).
 *
 * <p>Config keys proposed for conf (not there yet; see the issue-5 report), under
 * {@code dsrgw.gateway.flow-table}: {@code tcp-syn-timeout}, {@code tcp-established-timeout},
 * {@code tcp-closing-timeout}, {@code udp-timeout}, {@code other-timeout}.
 *
 * @param tcpSyn         TCP flow that has only sent SYNs (handshake in progress or a SYN flood)
 * @param tcpEstablished TCP flow after its first non-SYN ACK
 * @param tcpClosing     TCP flow after the client's FIN or RST (late segments and retransmissions still reach
 *                       the same backend)
 * @param udp            UDP flow
 * @param other          fragment 3-tuples and any other protocol
 */
public record FlowTimeouts(Duration tcpSyn, Duration tcpEstablished, Duration tcpClosing, Duration udp,
                           Duration other) {
    /**
     * Defaults: SYN 10 s (covers SYN retransmissions at 1, 3 s), established 300 s (Linux IPVS uses 900 s; DSR
     * sees only client packets, and keepalives are 2 h by default, so an idle flow re-hashes to the same
     * backend anyway unless the backend set changed), closing 10 s, UDP 30 s, other 30 s.
     */
    public static final FlowTimeouts DEFAULT = new FlowTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(300),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30));

    public FlowTimeouts {
        check("tcp-syn-timeout", tcpSyn);
        check("tcp-established-timeout", tcpEstablished);
        check("tcp-closing-timeout", tcpClosing);
        check("udp-timeout", udp);
        check("other-timeout", other);
    }

    private static void check(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("flow-table." + key + ": " + d + " (expected: > 0)");
        }
    }
}
