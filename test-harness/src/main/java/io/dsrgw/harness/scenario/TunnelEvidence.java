package io.dsrgw.harness.scenario;

import java.util.Map;

/**
 * Exact packet counts (nftables) for one {@link TunnelCombination}'s VIP over one measurement window of a
 * {@link TunnelMatrixScenario}: the path client -> router -> gateway -> (tunnel) -> backend, and the replies'
 * path backend -> router -> client that must not touch the gateway.
 *
 * @param clientToVip          packets the client sent to the VIP (as its postrouting hook sees them: before IP
 *                             fragmentation, and TCP segments possibly merged by GSO)
 * @param clientFromVip        packets the client received from the VIP (gateway echo replies included)
 * @param gatewayInToVip       packets arriving on the gateway's veth addressed to the VIP
 * @param gatewayInFragments   of those, IPv4 fragments / IPv6 packets with a fragment header
 * @param gatewayInFromVip     packets arriving on the gateway's veth from the VIP (DSR: 0)
 * @param gatewayOutFromVip    packets the gateway sent from the VIP (its own ICMP: echo replies, too-big)
 * @param gatewayOut           tunnel packets leaving the gateway's veth by outer header: "out4_p4", "out4_p41",
 *                             "out4_p47", "out6_p4", "out6_p41", "out6_p47"; "out4_gre_key_csum" (GRE with exactly
 *                             the C and K flags), "out6_gre_key" (IPv6 GRE with exactly K)
 * @param backendIn            per backend name, the tunnel packets from the gateway arriving there, same keys
 * @param routerBridgeFromVip  packets from the VIP arriving at the router on the backend bridge (the replies)
 * @param routerToClientFromVip packets from the VIP the router sent to the client
 * @param routerToGatewayFromVip packets from the VIP the router sent towards the gateway (DSR: 0)
 * @param synAcks              SYN-ACKs the client received from the VIP
 * @param synAcksMssOver       of those, SYN-ACKs advertising an MSS above {@link TunnelCombination#maxMssBytes()}
 *                             (the backend's MSS clamp must make this 0)
 * @param tooBigFromVip        ICMP frag-needed / ICMPv6 packet-too-big messages the client received from the VIP
 * @param tooBigFromVipExact   of those, the ones announcing exactly {@link TunnelCombination#innerMtuBytes()}
 * @param routerTooBigToVip    ICMP frag-needed / ICMPv6 packet-too-big the router sent towards the gateway,
 *                             addressed to the VIP (about replies too big for the router's client link)
 */
public record TunnelEvidence(long clientToVip, long clientFromVip, long gatewayInToVip, long gatewayInFragments,
                             long gatewayInFromVip, long gatewayOutFromVip, Map<String, Long> gatewayOut,
                             Map<String, Map<String, Long>> backendIn, long routerBridgeFromVip,
                             long routerToClientFromVip, long routerToGatewayFromVip, long synAcks,
                             long synAcksMssOver, long tooBigFromVip, long tooBigFromVipExact,
                             long routerTooBigToVip) {
    /** The plain outer-header counter keys; p17 = UDP to the gue-port (GUE). */
    public static final java.util.List<String> OUTER_KEYS = java.util.List.of(
            "out4_p4", "out4_p41", "out4_p47", "out4_p17", "out6_p4", "out6_p41", "out6_p47", "out6_p17");

    /** The counter key of a combination's outer header ("out4_p47"). */
    public static String outerKey(TunnelCombination c) {
        return "out" + c.outerFamily() + "_p" + c.outerProtocol();
    }

    /** Tunnel packets the gateway sent with {@code key}'s outer header. */
    public long gatewayOut(String key) {
        return gatewayOut.getOrDefault(key, 0L);
    }

    /** Tunnel packets with the plain outer header {@code key}, summed over the backends. */
    public long backendInTotal(String key) {
        return backendIn.values().stream().mapToLong(m -> m.getOrDefault(key, 0L)).sum();
    }

    /** Tunnel packets with any of the six plain outer headers, summed over the backends. */
    public long backendInAll() {
        return OUTER_KEYS.stream().mapToLong(this::backendInTotal).sum();
    }

    /** Tunnel packets the gateway sent with any of the six plain outer headers. */
    public long gatewayOutAll() {
        return OUTER_KEYS.stream().mapToLong(this::gatewayOut).sum();
    }

    /** A few lines for test output. */
    public String summary() {
        return String.format("""
                client  : sent %d packets to the VIP, received %d from the VIP
                gateway : in %d to the VIP (%d fragments), %d from the VIP; out %d from the VIP, tunnel %s
                backends: tunnel in %s
                router  : %d from the VIP on the backend bridge, %d to the client, %d towards the gateway
                SYN-ACKs: %d from the VIP, %d of them with an MSS too big for the tunnel
                too-big : %d from the VIP to the client (%d with the exact inner MTU), %d from the router to the VIP""",
                clientToVip, clientFromVip, gatewayInToVip, gatewayInFragments, gatewayInFromVip, gatewayOutFromVip,
                nonZero(gatewayOut), backendIn.entrySet().stream().map(e -> e.getKey() + "=" + nonZero(e.getValue()))
                        .toList(), routerBridgeFromVip, routerToClientFromVip, routerToGatewayFromVip, synAcks,
                synAcksMssOver, tooBigFromVip, tooBigFromVipExact, routerTooBigToVip);
    }

    private static Map<String, Long> nonZero(Map<String, Long> m) {
        Map<String, Long> out = new java.util.TreeMap<>();
        m.forEach((k, v) -> {
            if (v != 0) {
                out.put(k, v);
            }
        });
        return out;
    }
}
