package io.dsrgw.encap;

/**
 * Why a packet is dropped (or {@link #OK} when it is not). The ordinal is a stable id that counters and
 * metrics may use: new constants are only ever added at the end.
 */
public enum PacketError {
    /** The packet is well formed. */
    OK,
    /** Fewer bytes than the smallest valid header (or than the header claims to have). */
    TRUNCATED,
    /** The IP version nibble is not the one expected here. */
    BAD_VERSION,
    /** The IPv4 Internet Header Length is below 5 words or larger than the datagram. */
    BAD_IHL,
    /** The IPv4 total length is below the header length or larger than the captured bytes. */
    BAD_TOTAL_LENGTH,
    /**
     * Inconsistent fragmentation fields: reserved flag bit set, fragment offset + payload length beyond
     * 65535, a non-last fragment whose payload is not a multiple of 8 bytes (RFC 791), or an empty fragment.
     */
    BAD_FRAGMENT,
    /** A header checksum that does not verify. */
    BAD_CHECKSUM,
    /** A protocol (or tunnel payload) that this code path does not handle. */
    UNSUPPORTED_PROTOCOL,
    /** A tunnel packet whose outer source is not an accepted tunnel endpoint (checked by the agent). */
    BAD_TUNNEL_SOURCE,
    /** A tunnel packet whose outer header is malformed or not acceptable (e.g. an outer fragment). */
    BAD_OUTER_HEADER,
    /** IPv4 options whose type/length bytes do not fit the header (RFC 791 section 3.1). */
    BAD_OPTIONS,
    /** A transport header (TCP data offset, UDP length) inconsistent with the bytes that carry it. */
    BAD_TRANSPORT_HEADER,
    /**
     * An IPv6 extension header that does not fit the packet, a hop-by-hop header that is not the first,
     * a second fragment header, or option TLVs that overrun their header (RFC 8200 section 4).
     */
    BAD_EXTENSION_HEADER,
    /**
     * A GRE header that RFC 2784 / RFC 2890 tell the receiver to discard: version not 0, routing (R),
     * strict source route (s) or recursion bits set, or a protocol type this side does not carry.
     */
    BAD_GRE,
    /** A keyed GRE packet whose key is not one of the accepted keys (checked by the agent, RFC 2890 2.1). */
    BAD_GRE_KEY,
    /**
     * An IPv6 packet whose header chain could not be walked to the transport header: ESP (50), AH (51) or
     * another extension header this code does not parse ({@code Ipv6Flyweight.walkComplete() == false}).
     */
    UNSUPPORTED_EXTENSION_HEADER;

    private static final PacketError[] VALUES = values();

    /** The constant with this stable id ({@link #ordinal()}), without allocating. */
    public static PacketError ofId(int id) {
        return VALUES[id];
    }

    /** Number of constants: the size of a counter array indexed by {@link #ordinal()}. */
    public static int count() {
        return VALUES.length;
    }
}
