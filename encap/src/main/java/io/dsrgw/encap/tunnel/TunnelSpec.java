package io.dsrgw.encap.tunnel;

import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.ip.Ipv6Flyweight;

/**
 * How to encapsulate for one backend: the {@link TunnelKind}, the outer endpoints, TTL / hop limit and, for
 * the GRE kinds, whether an RFC 2890 key and an RFC 2784 checksum are sent. Immutable and thread-safe; built
 * by the control plane once per backend and read by every worker ({@link TunnelEncapsulator}). GRE
 * sequence numbers are never sent: per-flow order across workers and gateways would be meaningless.
 *
 * <p>Addresses: IPv4 as an int holding the big-endian value, IPv6 as hi/lo longs
 * ({@link Ipv6Addresses}); the unused family reads 0.
 */
public final class TunnelSpec {
    private final TunnelKind kind;
    private final int ipv4Source;
    private final int ipv4Destination;
    private final long sourceHi;
    private final long sourceLo;
    private final long destinationHi;
    private final long destinationLo;
    private final int ttl;
    private final boolean greKey;
    private final int key;
    private final boolean greChecksum;
    private final int greHeaderLength;
    private final int overheadBytes;
    /** 4 or 6: the outer header's family, for {@link TunnelKind#NONE} the packet's own. */
    private final int family;

    private TunnelSpec(TunnelKind kind, int ipv4Source, int ipv4Destination, long sourceHi, long sourceLo,
                       long destinationHi, long destinationLo, int ttl, boolean greKey, int key,
                       boolean greChecksum) {
        this(kind, kind.outerFamily(), ipv4Source, ipv4Destination, sourceHi, sourceLo, destinationHi, destinationLo,
                ttl, greKey, key, greChecksum);
    }

    private TunnelSpec(TunnelKind kind, int family, int ipv4Source, int ipv4Destination, long sourceHi,
                       long sourceLo, long destinationHi, long destinationLo, int ttl, boolean greKey, int key,
                       boolean greChecksum) {
        if (ttl < 1 || ttl > 255) {
            throw new IllegalArgumentException("ttl " + ttl + " (expected: 1..255)");
        }
        boolean gre = kind == TunnelKind.GRE || kind == TunnelKind.IP6GRE;
        if (!gre && (greKey || greChecksum)) {
            throw new IllegalArgumentException(kind + " with a GRE key or checksum (expected: gre or ip6gre)");
        }
        this.kind = kind;
        this.ipv4Source = ipv4Source;
        this.ipv4Destination = ipv4Destination;
        this.sourceHi = sourceHi;
        this.sourceLo = sourceLo;
        this.destinationHi = destinationHi;
        this.destinationLo = destinationLo;
        this.ttl = ttl;
        this.greKey = greKey;
        this.key = greKey ? key : 0;
        this.greChecksum = greChecksum;
        this.greHeaderLength = gre ? GreFlyweight.headerLength(greChecksum, greKey, false) : 0;
        this.family = family;
        this.overheadBytes = kind == TunnelKind.NONE ? 0
                : (kind.outerFamily() == 4 ? 20 : Ipv6Flyweight.HEADER_LENGTH) + greHeaderLength;
    }

    /**
     * No tunnel (L2 DSR): the packet, unchanged, goes to the on-link IPv4 backend {@code destination} (its MAC;
     * the packet's own destination stays the VIP). No outer header: {@link #overheadBytes()} 0, no source, no TTL
     * of its own ({@link #ttl()} reads 64, unused).
     */
    public static TunnelSpec noneIpv4(int destination) {
        return new TunnelSpec(TunnelKind.NONE, 4, 0, destination, 0, 0, 0, 0, 64, false, 0, false);
    }

    /** As {@link #noneIpv4}, for the on-link IPv6 backend {@code dstHi:dstLo}. */
    public static TunnelSpec noneIpv6(long dstHi, long dstLo) {
        return new TunnelSpec(TunnelKind.NONE, 6, 0, 0, 0, 0, dstHi, dstLo, 64, false, 0, false);
    }

    /**
     * A spec with an IPv4 outer header (IPIP, SIT, GRE).
     *
     * @param key the RFC 2890 key as its 32-bit pattern (e.g. {@code (int) 4294967295L}); ignored unless greKey
     * @throws IllegalArgumentException for an IPv6-outer kind, a TTL outside 1..255, or key/checksum with a
     *     kind that is not GRE
     */
    public static TunnelSpec ipv4Outer(TunnelKind kind, int source, int destination, int ttl, boolean greKey,
                                       int key, boolean greChecksum) {
        if (kind.outerFamily() != 4) {
            throw new IllegalArgumentException(kind + " has an IPv6 outer header (expected: ipip, sit or gre)");
        }
        return new TunnelSpec(kind, source, destination, 0, 0, 0, 0, ttl, greKey, key, greChecksum);
    }

    /**
     * A spec with an IPv6 outer header (IP6TNL, IP6GRE).
     *
     * @throws IllegalArgumentException for an IPv4-outer kind, a hop limit outside 1..255, or key/checksum
     *     with IP6TNL
     */
    public static TunnelSpec ipv6Outer(TunnelKind kind, long srcHi, long srcLo, long dstHi, long dstLo,
                                       int hopLimit, boolean greKey, int key, boolean greChecksum) {
        if (kind.outerFamily() != 6) {
            throw new IllegalArgumentException(kind + " has an IPv4 outer header (expected: ip6tnl or ip6gre)");
        }
        return new TunnelSpec(kind, 0, 0, srcHi, srcLo, dstHi, dstLo, hopLimit, greKey, key, greChecksum);
    }

    public TunnelKind kind() {
        return kind;
    }

    /** 4 or 6: the outer header's family; for {@link TunnelKind#NONE} the family of the packet sent unchanged. */
    public int outerFamily() {
        return family;
    }

    /** True for {@link TunnelKind#NONE}: no encapsulation, the packet goes unchanged to the backend's MAC. */
    public boolean linkLayer() {
        return kind == TunnelKind.NONE;
    }

    /**
     * Bytes the outer headers add: 20 (IPv4) or 40 (IPv6), plus for GRE 4 + 4 with a key + 4 with a checksum.
     * Subtract from the tunnel MTU to get the largest inner packet.
     */
    public int overheadBytes() {
        return overheadBytes;
    }

    /** GRE header bytes (0 for the non-GRE kinds). */
    public int greHeaderLength() {
        return greHeaderLength;
    }

    /** Outer IPv4 source (valid when {@link #outerFamily()} is 4). */
    public int ipv4Source() {
        return ipv4Source;
    }

    /** Outer IPv4 destination, the backend (valid when {@link #outerFamily()} is 4). */
    public int ipv4Destination() {
        return ipv4Destination;
    }

    public long sourceHi() {
        return sourceHi;
    }

    public long sourceLo() {
        return sourceLo;
    }

    public long destinationHi() {
        return destinationHi;
    }

    public long destinationLo() {
        return destinationLo;
    }

    /** Outer TTL (IPv4) or hop limit (IPv6). */
    public int ttl() {
        return ttl;
    }

    public boolean greKey() {
        return greKey;
    }

    /** The key's 32-bit pattern (0 without a key); {@link #keyUnsigned()} for the configured number. */
    public int key() {
        return key;
    }

    public long keyUnsigned() {
        return key & 0xffffffffL;
    }

    public boolean greChecksum() {
        return greChecksum;
    }

    /** True when the kind accepts an inner packet of this IP version (IPIP: 4, SIT: 6, others: both). */
    public boolean acceptsInner(int innerVersion) {
        return switch (kind) {
            case IPIP -> innerVersion == 4;
            case SIT -> innerVersion == 6;
            case NONE -> innerVersion == family;
            default -> innerVersion == 4 || innerVersion == 6;
        };
    }

    /** "gre 10.0.2.2 -> 10.0.3.10 ttl 64 key 42 csum" and similar, for logs and status output. */
    @Override
    public String toString() {
        String endpoints = outerFamily() == 4
                ? Ipv4Addresses.format(ipv4Source) + " -> " + Ipv4Addresses.format(ipv4Destination)
                : Ipv6Addresses.format(sourceHi, sourceLo) + " -> " + Ipv6Addresses.format(destinationHi,
                        destinationLo);
        if (kind == TunnelKind.NONE) {
            return "none -> " + (family == 4 ? Ipv4Addresses.format(ipv4Destination)
                    : Ipv6Addresses.format(destinationHi, destinationLo)) + " (L2)";
        }
        return kind + " " + endpoints + " ttl " + ttl + (greKey ? " key " + keyUnsigned() : "")
                + (greChecksum ? " csum" : "");
    }
}
