package io.dsrgw.agent.plan;

import io.dsrgw.encap.tunnel.TunnelKind;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Lowers the TCP MSS that backends advertise in SYN-ACKs sent from a VIP, so that the client's segments
 * still fit the tunnel after the gateway encapsulates them. Needed because replies never pass the gateway
 * (it cannot clamp the SYN-ACK) and because the gateway's too-big messages are often filtered on the way
 * to the client: without a clamp, an upload larger than the tunnel MTU stalls.
 *
 * <p>Per inner family, the MSS is the smallest over the configured kinds that can carry that family:
 * <pre>
 *   IPv4 inner: tunnel-mtu - max overhead(ipip 20, gre 24, gue 28, ip6tnl 40, ip6gre 44, gue6 48) - 40 (IPv4 20 + TCP 20)
 *   IPv6 inner: tunnel-mtu - max overhead(sit 20, gre 24, gue 28, ip6tnl 40, ip6gre 44, gue6 48) - 60 (IPv6 40 + TCP 20)
 * </pre>
 * GRE kinds count {@link #GRE_OPTIONS_BYTES} more when {@code gre-keys} is non-empty: the agent cannot
 * know whether the gateway also sends the RFC 2784 checksum, so it assumes key + checksum (worst case).
 * With {@code gre-keys} empty, keyed packets are dropped anyway; a gateway sending unkeyed GRE WITH a
 * checksum (4 bytes more) is not accounted for: its too-big messages cover that case.
 * Examples at 1500: ipip 1440, gre 1436 (keyed 1428), ip6tnl 4in6 1420, ip6tnl 6in6 1400.
 *
 * <p>The rule only ever lowers ({@code maxseg size > N}); SYN-ACKs with a smaller MSS are left alone.
 */
public final class MssClamp {
    /** Name of the chain in {@link NftTable}. */
    public static final String CHAIN = "mss_clamp";
    /** Locally generated packets: the SYN-ACKs the backend's own stack sends. */
    public static final String HOOK = "output";
    /** nft's "mangle" priority (-150): before the filter chains at 0, which might drop or count the packet. */
    public static final int PRIORITY = -150;
    /** Set of the IPv4 VIPs. */
    public static final String SET_VIPS4 = "vips4";
    /** Set of the IPv6 VIPs. */
    public static final String SET_VIPS6 = "vips6";
    /** IPv4 header 20 + TCP header 20 (RFC 879: MSS excludes both). */
    public static final int IPV4_TCP_HEADERS = 40;
    /** IPv6 header 40 + TCP header 20 (RFC 8200 section 8.3). */
    public static final int IPV6_TCP_HEADERS = 60;
    /** RFC 2890 key (4) + RFC 2784 checksum and reserved (4), assumed when GRE keys are configured. */
    public static final int GRE_OPTIONS_BYTES = 8;

    private MssClamp() {
    }

    /** Worst-case bytes that {@code kind} adds in front of the inner packet. */
    public static int overheadBytes(TunnelKind kind, boolean greKeysConfigured) {
        boolean gre = kind == TunnelKind.GRE || kind == TunnelKind.IP6GRE;
        return kind.overheadBytes() + (gre && greKeysConfigured ? GRE_OPTIONS_BYTES : 0);
    }

    /** True when {@code kind} can carry inner packets of {@code family} (4 or 6). */
    public static boolean carries(TunnelKind kind, int family) {
        return switch (kind) {
            case IPIP -> family == 4;
            case SIT -> family == 6;
            case GRE, IP6TNL, IP6GRE, GUE, GUE6, NONE -> true;
        };
    }

    /**
     * The clamped MSS for inner {@code family}, or -1 when no configured kind carries that family.
     *
     * @throws PlanException when the tunnel MTU leaves no room for a positive MSS
     */
    public static int mssBytes(int family, Collection<TunnelKind> kinds, boolean greKeysConfigured,
                               int tunnelMtuBytes) throws PlanException {
        int maxOverhead = -1;
        for (TunnelKind k : kinds) {
            if (carries(k, family)) {
                maxOverhead = Math.max(maxOverhead, overheadBytes(k, greKeysConfigured));
            }
        }
        if (maxOverhead < 0) {
            return -1;
        }
        int mss = tunnelMtuBytes - maxOverhead - (family == 4 ? IPV4_TCP_HEADERS : IPV6_TCP_HEADERS);
        if (mss < 1) {
            throw new PlanException("mss-clamp.tunnel-mtu: " + tunnelMtuBytes + " leaves no room for IPv" + family
                    + " TCP segments after " + maxOverhead + " bytes of tunnel overhead (expected: a larger MTU)");
        }
        return mss;
    }

    /**
     * The sets and the chain of the clamp; null when no VIP family has a kind that carries it.
     * A family gets a rule only when it has VIPs and a configured kind that carries it.
     */
    public static NftTable table(List<InetAddress> vips, Collection<TunnelKind> kinds, boolean greKeysConfigured,
                                 int tunnelMtuBytes) throws PlanException {
        List<NftTable.NftSet> sets = new ArrayList<>();
        List<NftTable.NftRule> rules = new ArrayList<>();
        for (int family : new int[] {4, 6}) {
            List<String> members = vips.stream()
                    .filter(v -> family == 4 ? v instanceof Inet4Address : v instanceof Inet6Address)
                    .map(Addresses::literal).toList();
            int mss = mssBytes(family, kinds, greKeysConfigured, tunnelMtuBytes);
            if (members.isEmpty() || mss < 0) {
                continue;
            }
            String set = family == 4 ? SET_VIPS4 : SET_VIPS6;
            sets.add(new NftTable.NftSet(set, family == 4 ? "ipv4_addr" : "ipv6_addr", members));
            rules.add(new NftTable.NftRule((family == 4 ? "ip" : "ip6") + " saddr @" + set
                    + " tcp flags & (syn | ack) == syn | ack tcp option maxseg size > " + mss
                    + " tcp option maxseg size set " + mss, "dsrgw mss-clamp ipv" + family + " " + mss));
        }
        if (rules.isEmpty()) {
            return null;
        }
        return new NftTable(sets, List.of(new NftTable.NftChain(CHAIN, "filter", HOOK, PRIORITY, "accept", rules)));
    }
}
