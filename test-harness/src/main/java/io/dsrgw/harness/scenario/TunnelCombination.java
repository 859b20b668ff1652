package io.dsrgw.harness.scenario;

import io.dsrgw.encap.tunnel.TunnelKind;

/**
 * The ten (tunnel kind, inner family, outer family, GRE options) combinations of issue 3 and the four GUE ones of
 * issue 15 (variant 1, UDP to {@link #GUE_PORT}), each with its own VIP in
 * the one {@link TunnelMatrixScenario} topology. The VIP's family is the inner family; the family of the backend
 * addresses the gateway is given is the outer family; the VIP's {@code tunnel} (ipip | gre) picks the kind
 * (contract3.md: ipip -> IPIP / SIT / IP6TNL, gre -> GRE / IP6GRE; gue -> GUE / GUE6).
 */
public enum TunnelCombination {
    IPIP_4IN4("ipip 4in4", TunnelKind.IPIP, 4, "10.100.0.1", null, false),
    SIT_6IN4("sit 6in4", TunnelKind.SIT, 6, "fd00:100::2", null, false),
    GRE_4IN4("gre 4in4", TunnelKind.GRE, 4, "10.100.0.3", null, false),
    GRE_6IN4("gre 6in4", TunnelKind.GRE, 6, "fd00:100::4", null, false),
    GRE_KEYED_CHECKSUM_4IN4("gre keyed+checksum 4in4", TunnelKind.GRE, 4, "10.100.0.5", 42L, true),
    IP6TNL_4IN6("ip6tnl 4in6", TunnelKind.IP6TNL, 4, "10.100.0.6", null, false),
    IP6TNL_6IN6("ip6tnl 6in6", TunnelKind.IP6TNL, 6, "fd00:100::7", null, false),
    IP6GRE_4IN6("ip6gre 4in6", TunnelKind.IP6GRE, 4, "10.100.0.8", null, false),
    IP6GRE_6IN6("ip6gre 6in6", TunnelKind.IP6GRE, 6, "fd00:100::9", null, false),
    IP6GRE_KEYED_6IN6("ip6gre keyed 6in6", TunnelKind.IP6GRE, 6, "fd00:100::a", 43L, false),
    GUE_4IN4("gue 4in4", TunnelKind.GUE, 4, "10.100.0.11", null, false),
    GUE_6IN4("gue 6in4", TunnelKind.GUE, 6, "fd00:100::12", null, false),
    GUE_4IN6("gue 4in6", TunnelKind.GUE6, 4, "10.100.0.13", null, false),
    GUE_6IN6("gue 6in6", TunnelKind.GUE6, 6, "fd00:100::14", null, false);

    /** TCP port of every VIP (the backends' HTTP server). */
    public static final int HTTP_PORT = 80;
    /** The gateway's tunnel-mtu and the agents' mss-clamp tunnel-mtu. */
    public static final int TUNNEL_MTU = 1500;
    /** The gateways' and agents' gue-port (the default). */
    public static final int GUE_PORT = 6080;
    /** UDP port of every VIP (the backends' {@link io.dsrgw.harness.traffic.UdpEchoServer}). */
    public static final int UDP_ECHO_PORT = 7;

    private final String label;
    private final TunnelKind kind;
    private final int innerFamily;
    private final String vip;
    private final Long greKey;
    private final boolean greChecksum;

    TunnelCombination(String label, TunnelKind kind, int innerFamily, String vip, Long greKey, boolean greChecksum) {
        this.label = label;
        this.kind = kind;
        this.innerFamily = innerFamily;
        this.vip = vip;
        this.greKey = greKey;
        this.greChecksum = greChecksum;
    }

    /** "ipip 4in4", "gre keyed+checksum 4in4", ...: how test reports name the combination. */
    public String label() {
        return label;
    }

    public TunnelKind kind() {
        return kind;
    }

    /** 4 or 6: the VIP's family, i.e. the inner packet's. */
    public int innerFamily() {
        return innerFamily;
    }

    /** 4 or 6: the backends' address family the gateway tunnels to. */
    public int outerFamily() {
        return kind.outerFamily();
    }

    public String vip() {
        return vip;
    }

    /** The RFC 2890 key the gateway sends (null: unkeyed). */
    public Long greKey() {
        return greKey;
    }

    public boolean greChecksum() {
        return greChecksum;
    }

    /** The VIP's {@code tunnel} setting in the gateway config. */
    public String tunnelFamily() {
        return kind.isGue() ? "gue" : kind == TunnelKind.GRE || kind == TunnelKind.IP6GRE ? "gre" : "ipip";
    }

    /** The outer IPv4 protocol / IPv6 next header on the wire: 4, 41, 47 or 17 (GUE). */
    public int outerProtocol() {
        return kind == TunnelKind.IP6TNL ? (innerFamily == 4 ? 4 : 41) : kind.outerProtocol();
    }

    /** Bytes the outer headers add (with the GRE key and checksum when configured). */
    public int overheadBytes() {
        return kind.overheadBytes() + (greKey != null ? 4 : 0) + (greChecksum ? 4 : 0);
    }

    /** The largest inner packet the tunnel carries: tunnel MTU − overhead (the MTU a too-big message announces). */
    public int innerMtuBytes() {
        return TUNNEL_MTU - overheadBytes();
    }

    /**
     * The largest TCP MSS whose segments still fit the tunnel: tunnel MTU − overhead − inner IP and TCP headers
     * (20 + 20 for IPv4, 40 + 20 for IPv6). A SYN-ACK from the VIP advertising more invites segments that the
     * gateway cannot forward without a too-big message.
     */
    public int maxMssBytes() {
        return TUNNEL_MTU - overheadBytes() - (innerFamily == 4 ? 40 : 60);
    }

    /** The enum name in lower case ("ipip_4in4"): used for nft counter names and gateway VIP names. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String toString() {
        return label;
    }
}
