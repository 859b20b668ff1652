package io.dsrgw.agent.plan;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Kernel mode's source filter, a chain of the agent's {@link NftTable}: tunnel packets (IP protocol / IPv6 upper
 * layer 4 = IPv4-in-IP, 41 = IPv6-in-IP, 47 = GRE) are accepted only from a configured gateway; all others are
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

    private TunnelFilter() {
    }

    /** The sets, counters and chain of the filter for these gateways. */
    public static NftTable table(List<InetAddress> gateways) {
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
        }
        return new NftTable(sets, List.of(COUNTER_DROP4, COUNTER_DROP6),
                List.of(new NftTable.NftChain(CHAIN, "filter", HOOK, PRIORITY, "accept", rules)));
    }
}
