package io.dsrgw.encap.tunnel;

/**
 * The tunnel encapsulations dsrgw knows, named like the Linux link types. The outer family follows from
 * the backend's address family; {@link #overheadBytes()} is what the outer headers add to the inner
 * packet (the minimum for GRE kinds, whose optional RFC 2890 key adds {@link #GRE_KEY_BYTES} and RFC 2784
 * checksum {@link #GRE_CHECKSUM_BYTES}; {@link TunnelSpec#overheadBytes()} has the exact figure per backend).
 * {@link TunnelEncapsulator} writes and {@link TunnelDecapsulator} reads all of them.
 */
public enum TunnelKind {
    /** IPv4 in IPv4 (RFC 2003): outer IPv4 header, protocol 4. */
    IPIP("ipip", 4, 20, 4),
    /** IPv6 in IPv4 (RFC 4213 "6in4", Linux sit): outer IPv4 header, protocol 41. */
    SIT("sit", 4, 20, 41),
    /** GRE over IPv4 (RFC 2784, key per RFC 2890): outer IPv4 + 4-byte GRE header, protocol 47. */
    GRE("gre", 4, 24, 47),
    /** IPv4 or IPv6 in IPv6 (RFC 2473, Linux ip6tnl): outer IPv6 header, next header 4 or 41. */
    IP6TNL("ip6tnl", 6, 40, -1),
    /** GRE over IPv6 (RFC 7676, Linux ip6gre): outer IPv6 + 4-byte GRE header, next header 47. */
    IP6GRE("ip6gre", 6, 44, 47),
    /**
     * GUE variant 1 over IPv4 (draft-ietf-intarea-gue section 5, "direct IP encapsulation"): outer IPv4 + 8-byte
     * UDP header, then the inner IPv4/IPv6 packet with no GUE header (its version nibble 4 / 6 is the variant 1
     * marker). What Katran's GUE mode sends and Linux {@code fou} ({@code ip fou add port N gue}) accepts.
     * Protocol 17; UDP checksum 0 (RFC 768).
     */
    GUE("gue", 4, 28, 17),
    /**
     * GUE variant 1 over IPv6: outer IPv6 + 8-byte UDP header, then the inner packet. Next header 17; the UDP
     * checksum is always computed (RFC 8200 section 8.1; the RFC 6935 zero-checksum exception needs receiver
     * configuration that cannot be assumed, RFC 6936 section 5).
     */
    GUE6("gue6", 6, 48, 17),
    /**
     * No tunnel (L2 DSR, "tunnel = none"): the unchanged IP packet in an Ethernet frame addressed to the on-link
     * backend's MAC. No outer header, so no overhead; the family is the packet's own ({@link #outerFamily()} 0).
     */
    NONE("none", 0, 0, -1);

    /** Extra bytes of an RFC 2890 GRE key field. */
    public static final int GRE_KEY_BYTES = 4;
    /** Extra bytes of the RFC 2784 GRE checksum and Reserved1 fields. */
    public static final int GRE_CHECKSUM_BYTES = 4;

    private final String id;
    private final int outerFamily;
    private final int overheadBytes;
    private final int outerProtocol;

    TunnelKind(String id, int outerFamily, int overheadBytes, int outerProtocol) {
        this.id = id;
        this.outerFamily = outerFamily;
        this.overheadBytes = overheadBytes;
        this.outerProtocol = outerProtocol;
    }

    /**
     * The configuration / Linux link-type name: "ipip", "sit", "gre", "ip6tnl", "ip6gre"; "gue" / "gue6" for
     * GUE over IPv4 / IPv6 (Linux has no link type: {@code fou} plus an ipip/sit/ip6tnl device decapsulates it).
     */
    public String id() {
        return id;
    }

    /** 4 or 6: the family of the outer header; 0 for {@link #NONE} (the packet's own family). */
    public int outerFamily() {
        return outerFamily;
    }

    /** Bytes added in front of the inner packet (without a GRE key). */
    public int overheadBytes() {
        return overheadBytes;
    }

    /**
     * The outer protocol / next-header number (4 ipip, 41 sit, 47 gre/ip6gre, 17 gue/gue6); -1 for ip6tnl,
     * where it depends on the inner family (4 or 41).
     */
    public int outerProtocol() {
        return outerProtocol;
    }

    /**
     * The kind with this {@link #id()} (exact, lower case).
     *
     * @throws IllegalArgumentException naming the accepted ids
     */
    public static TunnelKind fromId(String id) {
        for (TunnelKind kind : values()) {
            if (kind.id.equals(id)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("'" + id
                + "' (expected: ipip, sit, gre, ip6tnl, ip6gre, gue, gue6, none)");
    }

    /** True for {@link #GUE} and {@link #GUE6}: an outer UDP header ({@link TunnelSpec#gueDestinationPort()}). */
    public boolean isGue() {
        return this == GUE || this == GUE6;
    }

    @Override
    public String toString() {
        return id;
    }
}
