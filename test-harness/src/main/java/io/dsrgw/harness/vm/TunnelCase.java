package io.dsrgw.harness.vm;

import io.dsrgw.encap.tunnel.TunnelKind;

/**
 * The ten tunnel kind / inner family combinations of the real-kernel test, and the four GUE ones of issue 15 (the
 * kernel's fou module on {@link #GUE_PORT}). The outer family follows from the kind
 * (the backend address the gateway encapsulates to is the VM's IPv4 or IPv6 address); the gateway config chooses
 * the IPIP family ({@code tunnel = ipip}: ipip, sit, ip6tnl by family) or GRE ({@code tunnel = gre}, optionally
 * keyed).
 */
public enum TunnelCase {
    IPIP_4IN4(TunnelKind.IPIP, 4, null),
    SIT_6IN4(TunnelKind.SIT, 6, null),
    GRE_INNER4(TunnelKind.GRE, 4, null),
    GRE_INNER6(TunnelKind.GRE, 6, null),
    GRE_KEY42_INNER4(TunnelKind.GRE, 4, 42L),
    GRE_KEY42_INNER6(TunnelKind.GRE, 6, 42L),
    IP6TNL_4IN6(TunnelKind.IP6TNL, 4, null),
    IP6TNL_6IN6(TunnelKind.IP6TNL, 6, null),
    IP6GRE_INNER4(TunnelKind.IP6GRE, 4, null),
    IP6GRE_INNER6(TunnelKind.IP6GRE, 6, null),
    GUE_4IN4(TunnelKind.GUE, 4, null),
    GUE_6IN4(TunnelKind.GUE, 6, null),
    GUE_4IN6(TunnelKind.GUE6, 4, null),
    GUE_6IN6(TunnelKind.GUE6, 6, null);

    public static final String VIP4 = "10.100.0.1";
    public static final String VIP6 = "fd00:100::1";
    public static final int VIP_PORT = 80;
    /** System property restricting the VM tests' per-case loops, e.g. {@code GUE_4IN4,GUE_6IN6}; default all. */
    public static final String ONLY_PROPERTY = "dsrgw.vm.cases";
    /** gue-port of the gateway and the backend (the default). */
    public static final int GUE_PORT = 6080;

    private final TunnelKind kind;
    private final int innerFamily;
    private final Long greKey;

    TunnelCase(TunnelKind kind, int innerFamily, Long greKey) {
        this.kind = kind;
        this.innerFamily = innerFamily;
        this.greKey = greKey;
    }

    /** The cases named by {@value #ONLY_PROPERTY} (comma-separated enum names), or all of them. */
    public static java.util.List<TunnelCase> selected() {
        String only = System.getProperty(ONLY_PROPERTY, "");
        if (only.isBlank()) {
            return java.util.List.of(values());
        }
        return java.util.Arrays.stream(only.split(",")).map(n -> valueOf(n.strip().toUpperCase(
                java.util.Locale.ROOT))).toList();
    }

    public TunnelKind kind() {
        return kind;
    }

    /** 4 or 6: the family of the client's packets (and of the VIP). */
    public int innerFamily() {
        return innerFamily;
    }

    /** 4 or 6: the family of the outer header (and of the backend address). */
    public int outerFamily() {
        return kind.outerFamily();
    }

    /** The RFC 2890 key, or null for unkeyed GRE and the non-GRE kinds. */
    public Long greKey() {
        return greKey;
    }

    /** The gateway's per-VIP {@code tunnel} setting: "ipip", "gre" or "gue". */
    public String gatewayTunnel() {
        return kind.isGue() ? "gue" : kind == TunnelKind.GRE || kind == TunnelKind.IP6GRE ? "gre" : "ipip";
    }

    public String vip() {
        return innerFamily == 4 ? VIP4 : VIP6;
    }

    /** The VM's address of the outer family: the backend in the gateway config. */
    public String backendAddress() {
        return outerFamily() == 4 ? VmNetwork.GUEST4 : VmNetwork.GUEST6;
    }

    /** The gateway namespace's address of the outer family: the gateway's tunnel source. */
    public String tunnelSource() {
        return outerFamily() == 4 ? VmNetwork.HOST4 : VmNetwork.HOST6;
    }

    /**
     * The device the kernel hands the decapsulated packet to: for GUE (fou returns the inner protocol for
     * resubmission) ipip for IPv4 in IPv4, sit for IPv6 in IPv4, ip6tnl for both over IPv6; else the kind itself.
     */
    public TunnelKind deviceKind() {
        if (kind == TunnelKind.GUE) {
            return innerFamily == 4 ? TunnelKind.IPIP : TunnelKind.SIT;
        }
        return kind == TunnelKind.GUE6 ? TunnelKind.IP6TNL : kind;
    }

    /** {@code http://VIP:80/} (IPv6 in brackets). */
    public String url() {
        return "http://" + (innerFamily == 4 ? VIP4 : "[" + VIP6 + "]") + ":" + VIP_PORT + "/";
    }

    /** e.g. "gre key 42, inner IPv6, outer IPv4". */
    public String describe() {
        return kind.id() + (greKey != null ? " key " + greKey : "") + ", inner IPv" + innerFamily + ", outer IPv"
                + outerFamily();
    }
}
