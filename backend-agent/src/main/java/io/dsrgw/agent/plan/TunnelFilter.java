package io.dsrgw.agent.plan;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Kernel mode's source filter, a chain of the agent's {@link NftTable}: tunnel packets (IP protocol / IPv6 upper
 * layer 4 = IPv4-in-IP, 41 = IPv6-in-IP, 47 = GRE, and with gue UDP to gue-port) are accepted only from a
 * configured gateway; all others are
 * dropped and counted in a named counter per family, which {@code dsr-agent status} prints. Userspace mode checks
 * the source per packet itself; the kernel's tunnel drivers accept any source ({@code remote any}), so without
 * this chain anyone could inject packets "from" any client address to the VIPs.
 *
 * <pre>
 * chain tunnel_filter { type filter hook input priority 0; policy accept;
 *   meta nfproto ipv4 meta l4proto { 4, 41, 47 } ip saddr @gateways4 accept
 *   meta nfproto ipv4 meta l4proto { 4, 41, 47 } counter name tunnel_drop_ipv4 drop
 *   meta nfproto ipv6 meta l4proto { 4, 41, 47 } ip6 saddr @gateways6 accept
 *   meta nfproto ipv6 meta l4proto { 4, 41, 47 } counter name tunnel_drop_ipv6 drop }
 * </pre>
 * {@code meta l4proto} rather than {@code ip6 nexthdr}: nexthdr is only the FIRST next header, so a packet with
 * an extension header in front of the tunnel payload (which ip6_tunnel still decapsulates) would slip past a
 * nexthdr match; l4proto walks the extension headers. IPv4 packets reach the input hook reassembled; for IPv6
 * the first fragment carries the upper-layer header and is dropped, so the datagram never reassembles.
 * A family without gateways gets only the drop rule: nobody may send tunnel packets of that family.
 */
public final class TunnelFilter {
    /** Name of the chain in {@link NftTable}. */
    public static final String CHAIN = "tunnel_filter";
    /** Packets addressed to this host. */
    public static final String HOOK = "input";
    /** nft's "filter" priority. */
    public static final int PRIORITY = 0;
    /** Set of the IPv4 gateways. */
    public static final String SET_GATEWAYS4 = "gateways4";
    /** Set of the IPv6 gateways. */
    public static final String SET_GATEWAYS6 = "gateways6";
    /** Counter of dropped IPv4 tunnel packets (not from a gateway). */
    public static final String COUNTER_DROP4 = "tunnel_drop_ipv4";
    /** Counter of dropped IPv6 tunnel packets (not from a gateway). */
    public static final String COUNTER_DROP6 = "tunnel_drop_ipv6";
    /** 4 (RFC 2003), 41 (RFC 4213 / RFC 2473), 47 (RFC 2784). */
    static final String PROTOCOLS = "{ 4, 41, 47 }";

    /** Issue 14: the chain dropping decapsulated packets whose inner destination is not a VIP. */
    public static final String INNER_CHAIN = "tunnel_inner";
    /** Before routing (local delivery AND forwarding) and before DNAT (-100): nothing can make it look like a VIP. */
    public static final String INNER_HOOK = "prerouting";
    /** nft's "mangle" priority, before conntrack's NAT. */
    public static final int INNER_PRIORITY = -150;
    /** The VIPs, as the inner filter's sets (not the MSS clamp's vips4/vips6: the two tables merge). */
    public static final String SET_INNER_VIPS4 = "inner_vips4";
    public static final String SET_INNER_VIPS6 = "inner_vips6";
    /** Counter of dropped decapsulated IPv4 packets not to a VIP. */
    public static final String COUNTER_INNER_DROP4 = "tunnel_inner_drop_ipv4";
    /** Counter of dropped decapsulated IPv6 packets not to a VIP. */
    public static final String COUNTER_INNER_DROP6 = "tunnel_inner_drop_ipv6";
    /**
     * The kernel's fallback tunnel devices, which decapsulate what no configured device matches (a packet from a
     * gateway to another local address): filtered like the agent's own devices.
     */
    public static final List<String> FALLBACK_DEVICES = List.of("tunl0", "sit0", "gre0", "ip6tnl0", "ip6gre0");

    private TunnelFilter() {
    }

    /**
     * The inner-destination filter of kernel mode (issue 14): on the agent's tunnel devices and the kernel's
     * fallback tunnel devices, a decapsulated packet whose destination is not a configured VIP is dropped and
     * counted per family, before it is delivered locally or routed on; userspace mode checks the same per packet.
     * <pre>
     * chain tunnel_inner { type filter hook prerouting priority -150; policy accept;
     *   iifname { "dsripip", "tunl0", ... } meta nfproto ipv4 ip daddr != @inner_vips4 counter name
     *     tunnel_inner_drop_ipv4 drop
     *   iifname { ... } meta nfproto ipv6 ip6 daddr != @inner_vips6 counter name tunnel_inner_drop_ipv6 drop }
     * </pre>
     * A family without VIPs drops every decapsulated packet of that family.
     *
     * @param devices names of the agent's tunnel devices (the fallback devices are added)
     */
    public static NftTable innerTable(List<InetAddress> vips, List<String> devices) {
        java.util.TreeSet<String> names = new java.util.TreeSet<>(devices);
        names.addAll(FALLBACK_DEVICES);
        String iif = "iifname { " + String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList()) + " }";
        List<NftTable.NftSet> sets = new ArrayList<>();
        List<NftTable.NftRule> rules = new ArrayList<>();
        for (int family : new int[] {4, 6}) {
            List<String> members = vips.stream()
                    .filter(v -> family == 4 ? v instanceof Inet4Address : v instanceof Inet6Address)
                    .map(Addresses::literal).toList();
            String counter = family == 4 ? COUNTER_INNER_DROP4 : COUNTER_INNER_DROP6;
            String match = iif + " meta nfproto ipv" + family;
            if (!members.isEmpty()) {
                String set = family == 4 ? SET_INNER_VIPS4 : SET_INNER_VIPS6;
                sets.add(new NftTable.NftSet(set, family == 4 ? "ipv4_addr" : "ipv6_addr", members));
                match += " " + (family == 4 ? "ip" : "ip6") + " daddr != @" + set;
            }
            rules.add(new NftTable.NftRule(match + " counter name " + counter + " drop",
                    "dsrgw tunnel-inner ipv" + family + " drop not a vip"));
        }
        return new NftTable(sets, List.of(COUNTER_INNER_DROP4, COUNTER_INNER_DROP6),
                List.of(new NftTable.NftChain(INNER_CHAIN, "filter", INNER_HOOK, INNER_PRIORITY, "accept", rules)));
    }

    /** The sets, counters and chain of the filter for these gateways (no GUE). */
    public static NftTable table(List<InetAddress> gateways) {
        return table(gateways, 0);
    }

    /**
     * The sets, counters and chain of the filter for these gateways; with {@code guePort} > 0 (kernel-mode gue)
     * also UDP to that port, per family, accepted from the gateways and otherwise dropped into the same counters:
     * <pre>
     *   meta nfproto ipv4 udp dport 6080 ip saddr @gateways4 accept
     *   meta nfproto ipv4 udp dport 6080 counter name tunnel_drop_ipv4 drop
     * </pre>
     * The kernel's fou socket hands the inner packet to the ipip/sit/ip6tnl handler only after this input hook,
     * so the outer UDP packet is the one place to filter its source; the decapsulated packet then passes
     * {@link #innerTable} on the tunnel device like any other. IPv4 reaches the hook reassembled; an IPv6 first
     * fragment carries the UDP header and is dropped, so a datagram from elsewhere never reassembles.
     *
     * @param guePort gue-port, or 0 for none
     */
    public static NftTable table(List<InetAddress> gateways, int guePort) {
        List<NftTable.NftSet> sets = new ArrayList<>();
        List<NftTable.NftRule> rules = new ArrayList<>();
        for (int family : new int[] {4, 6}) {
            List<String> members = gateways.stream()
                    .filter(g -> family == 4 ? g instanceof Inet4Address : g instanceof Inet6Address)
                    .map(Addresses::literal).toList();
            String nfproto = "meta nfproto ipv" + family + " meta l4proto " + PROTOCOLS;
            if (!members.isEmpty()) {
                String set = family == 4 ? SET_GATEWAYS4 : SET_GATEWAYS6;
                sets.add(new NftTable.NftSet(set, family == 4 ? "ipv4_addr" : "ipv6_addr", members));
                rules.add(new NftTable.NftRule(nfproto + " " + (family == 4 ? "ip" : "ip6") + " saddr @" + set
                        + " accept", "dsrgw tunnel-filter ipv" + family + " accept gateways"));
            }
            rules.add(new NftTable.NftRule(nfproto + " counter name " + (family == 4 ? COUNTER_DROP4 : COUNTER_DROP6)
                    + " drop", "dsrgw tunnel-filter ipv" + family + " drop others"));
            if (guePort > 0) {
                String udp = "meta nfproto ipv" + family + " udp dport " + guePort;
                if (!members.isEmpty()) {
                    rules.add(new NftTable.NftRule(udp + " " + (family == 4 ? "ip" : "ip6") + " saddr @"
                            + (family == 4 ? SET_GATEWAYS4 : SET_GATEWAYS6) + " accept",
                            "dsrgw tunnel-filter ipv" + family + " gue " + guePort + " accept gateways"));
                }
                rules.add(new NftTable.NftRule(udp + " counter name " + (family == 4 ? COUNTER_DROP4 : COUNTER_DROP6)
                        + " drop", "dsrgw tunnel-filter ipv" + family + " gue " + guePort + " drop others"));
            }
        }
        return new NftTable(sets, List.of(COUNTER_DROP4, COUNTER_DROP6),
                List.of(new NftTable.NftChain(CHAIN, "filter", HOOK, PRIORITY, "accept", rules)));
    }
}
