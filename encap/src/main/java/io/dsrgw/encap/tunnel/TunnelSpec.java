package io.dsrgw.encap.tunnel;

import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.ip.UdpFlyweight;

/**
 * How to encapsulate for one backend: the {@link TunnelKind}, the outer endpoints, TTL / hop limit and, for
 * the GRE kinds, whether an RFC 2890 key and an RFC 2784 checksum are sent. Immutable and thread-safe; built
 * by the control plane once per backend and read by every worker ({@link TunnelEncapsulator}). GRE
 * sequence numbers are never sent: per-flow order across workers and gateways would be meaningless.
 *
 * <p>GUE kinds ({@link TunnelKind#isGue()}) carry the outer UDP destination port and the range the outer source
 * port is spread over ({@link #withGuePorts}; defaults {@link #DEFAULT_GUE_PORT} and
 * {@link #DEFAULT_GUE_SOURCE_PORT_MIN}..{@link #DEFAULT_GUE_SOURCE_PORT_MAX}); {@link #gueSourcePort(long)} maps a
 * flow hash into the range.
 *
 * <p>Addresses: IPv4 as an int holding the big-endian value, IPv6 as hi/lo longs
 * ({@link Ipv6Addresses}); the unused family reads 0.
 */
public final class TunnelSpec {
    /** Default GUE UDP destination port: Katran's (its {@code GUE_DPORT}); any port works if both ends agree. */
    public static final int DEFAULT_GUE_PORT = 6080;
    /** Default lowest outer UDP source port of GUE: the start of the dynamic range (RFC 6335 section 6). */
    public static final int DEFAULT_GUE_SOURCE_PORT_MIN = 49152;
    /** Default highest outer UDP source port of GUE. */
    public static final int DEFAULT_GUE_SOURCE_PORT_MAX = 65535;

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
    private final int gueDestinationPort;
    private final int gueSourcePortMin;
    private final int gueSourcePortCount;
    /** 4 or 6: the outer header's family, for {@link TunnelKind#NONE} the packet's own. */
    private final int family;

    private TunnelSpec(TunnelKind kind, int ipv4Source, int ipv4Destination, long sourceHi, long sourceLo,
                       long destinationHi, long destinationLo, int ttl, boolean greKey, int key,
                       boolean greChecksum) {
        this(kind, kind.outerFamily(), ipv4Source, ipv4Destination, sourceHi, sourceLo, destinationHi, destinationLo,
                ttl, greKey, key, greChecksum, DEFAULT_GUE_PORT, DEFAULT_GUE_SOURCE_PORT_MIN,
                DEFAULT_GUE_SOURCE_PORT_MAX);
    }

    private TunnelSpec(TunnelKind kind, int family, int ipv4Source, int ipv4Destination, long sourceHi,
                       long sourceLo, long destinationHi, long destinationLo, int ttl, boolean greKey, int key,
                       boolean greChecksum, int guePort, int gueSourcePortMin, int gueSourcePortMax) {
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
                : (kind.outerFamily() == 4 ? 20 : Ipv6Flyweight.HEADER_LENGTH) + greHeaderLength
                + (kind.isGue() ? UdpFlyweight.HEADER_LENGTH : 0);
        checkGuePorts(guePort, gueSourcePortMin, gueSourcePortMax);
        this.gueDestinationPort = kind.isGue() ? guePort : 0;
        this.gueSourcePortMin = kind.isGue() ? gueSourcePortMin : 0;
        this.gueSourcePortCount = kind.isGue() ? gueSourcePortMax - gueSourcePortMin + 1 : 0;
    }

    private static void checkGuePorts(int port, int min, int max) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("GUE port " + port + " (expected: 1..65535)");
        }
        if (min < 1 || max > 65535 || min > max) {
            throw new IllegalArgumentException("GUE source ports " + min + "-" + max
                    + " (expected: FIRST-LAST with 1 <= FIRST <= LAST <= 65535)");
        }
    }

    /**
     * No tunnel (L2 DSR): the packet, unchanged, goes to the on-link IPv4 backend {@code destination} (its MAC;
     * the packet's own destination stays the VIP). No outer header: {@link #overheadBytes()} 0, no source, no TTL
     * of its own ({@link #ttl()} reads 64, unused).
     */
    public static TunnelSpec noneIpv4(int destination) {
        return new TunnelSpec(TunnelKind.NONE, 4, 0, destination, 0, 0, 0, 0, 64, false, 0, false, DEFAULT_GUE_PORT,
                DEFAULT_GUE_SOURCE_PORT_MIN, DEFAULT_GUE_SOURCE_PORT_MAX);
    }

    /** As {@link #noneIpv4}, for the on-link IPv6 backend {@code dstHi:dstLo}. */
    public static TunnelSpec noneIpv6(long dstHi, long dstLo) {
        return new TunnelSpec(TunnelKind.NONE, 6, 0, 0, 0, 0, dstHi, dstLo, 64, false, 0, false, DEFAULT_GUE_PORT,
                DEFAULT_GUE_SOURCE_PORT_MIN, DEFAULT_GUE_SOURCE_PORT_MAX);
    }

    /**
     * This spec with another GUE destination port and source port range {@code sourcePortMin..sourcePortMax}
     * (inclusive).
     *
     * @throws IllegalArgumentException for a kind that is not GUE, a port outside 1..65535 or an empty range
     */
    public TunnelSpec withGuePorts(int destinationPort, int sourcePortMin, int sourcePortMax) {
        if (!kind.isGue()) {
            throw new IllegalArgumentException(kind + " with GUE ports (expected: gue or gue6)");
        }
        return new TunnelSpec(kind, family, ipv4Source, ipv4Destination, sourceHi, sourceLo, destinationHi,
                destinationLo, ttl, greKey, key, greChecksum, destinationPort, sourcePortMin, sourcePortMax);
    }

    /** GUE: the outer UDP destination port (0 for other kinds). */
    public int gueDestinationPort() {
        return gueDestinationPort;
    }

    /** GUE: the lowest outer UDP source port (0 for other kinds). */
    public int gueSourcePortMin() {
        return gueSourcePortMin;
    }

    /** GUE: how many source ports the range holds, 1..65535 (0 for other kinds). */
    public int gueSourcePortCount() {
        return gueSourcePortCount;
    }

    /**
     * The outer UDP source port of a flow: {@code min + (flowHash mod count)}, the hash read as an unsigned 64-bit
     * number; the XDP program computes the same (u64 modulo). Stable per flow (the flow hash is), spread over the
     * range so that receivers' RSS and the underlay's ECMP see the inner flows. The gateway passes the hash it
     * already has for the packet: for fragments and ICMP errors that is the hash of the (source, destination,
     * protocol) key with ports 0, so all fragments of a datagram share one port. 0 for a kind that is not GUE. No
     * allocation.
     */
    public int gueSourcePort(long flowHash) {
        return gueSourcePortCount == 0 ? 0 : gueSourcePortMin + (int) Long.remainderUnsigned(flowHash,
                gueSourcePortCount);
    }

    /**
     * A spec with an IPv4 outer header (IPIP, SIT, GRE, GUE; GUE with the default ports, see
     * {@link #withGuePorts}).
     *
     * @param key the RFC 2890 key as its 32-bit pattern (e.g. {@code (int) 4294967295L}); ignored unless greKey
     * @throws IllegalArgumentException for an IPv6-outer kind, a TTL outside 1..255, or key/checksum with a
     *     kind that is not GRE
     */
    public static TunnelSpec ipv4Outer(TunnelKind kind, int source, int destination, int ttl, boolean greKey,
                                       int key, boolean greChecksum) {
        if (kind.outerFamily() != 4) {
            throw new IllegalArgumentException(kind + " has an IPv6 outer header (expected: ipip, sit, gre or gue)");
        }
        return new TunnelSpec(kind, source, destination, 0, 0, 0, 0, ttl, greKey, key, greChecksum);
    }

    /**
     * A spec with an IPv6 outer header (IP6TNL, IP6GRE, GUE6; GUE6 with the default ports, see
     * {@link #withGuePorts}).
     *
     * @throws IllegalArgumentException for an IPv4-outer kind, a hop limit outside 1..255, or key/checksum
     *     with IP6TNL
     */
    public static TunnelSpec ipv6Outer(TunnelKind kind, long srcHi, long srcLo, long dstHi, long dstLo,
                                       int hopLimit, boolean greKey, int key, boolean greChecksum) {
        if (kind.outerFamily() != 6) {
            throw new IllegalArgumentException(kind + " has an IPv4 outer header (expected: ip6tnl, ip6gre or gue6)");
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
     * Bytes the outer headers add: 20 (IPv4) or 40 (IPv6), plus for GRE 4 + 4 with a key + 4 with a checksum, for
     * GUE 8 (the UDP header).
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
                + (greChecksum ? " csum" : "") + (kind.isGue() ? " port " + gueDestinationPort + " sport "
                + gueSourcePortMin + "-" + (gueSourcePortMin + gueSourcePortCount - 1) : "");
    }
}
