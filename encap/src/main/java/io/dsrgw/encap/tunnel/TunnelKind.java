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

    /** The configuration / Linux link-type name: "ipip", "sit", "gre", "ip6tnl", "ip6gre". */
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
     * The outer protocol / next-header number (4 ipip, 41 sit, 47 gre/ip6gre); -1 for ip6tnl, where it
     * depends on the inner family (4 or 41).
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
        throw new IllegalArgumentException("'" + id + "' (expected: ipip, sit, gre, ip6tnl, ip6gre, none)");
    }

    @Override
    public String toString() {
        return id;
    }
}
