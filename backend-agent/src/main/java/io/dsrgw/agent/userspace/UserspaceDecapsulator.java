package io.dsrgw.agent.userspace;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.tunnel.DecapResult;
import io.dsrgw.encap.tunnel.TunnelDecapsulator;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The per-packet decision for one received tunnel packet of any kind:
 * <ul>
 * <li>{@link #onIpv4Packet}: from an {@code AF_INET/SOCK_RAW} socket for protocol 4 (ipip), 41 (sit) or
 *     47 (gre), which delivers the outer IPv4 header too;</li>
 * <li>{@link #onIpv6Payload}: from an {@code AF_INET6/SOCK_RAW} socket for next header 4 or 41 (ip6tnl)
 *     or 47 (ip6gre), which delivers only the payload; the outer source comes from recvmsg's address;</li>
 * <li>{@link #onGuePayload}: from a UDP socket bound to gue-port (gue, gue6), which delivers the UDP payload,
 *     i.e. the inner packet of variant-1 GUE; the outer source comes from recvmsg's address.</li>
 * </ul>
 * Each packet goes through, in order:
 * <ol>
 * <li>outer source must be a configured gateway of that family, checked first because a raw socket sees
 *     every such packet to the host, from anyone ({@code drop_bad_source});</li>
 * <li>outer, GRE and inner headers strictly valid per {@link TunnelDecapsulator} ({@code drop_malformed}
 *     with the reason);</li>
 * <li>a GRE key, when present, must be in {@code gre-keys}; unkeyed GRE is always accepted
 *     ({@code drop_bad_gre_key});</li>
 * <li>inner destination must be a configured VIP of the inner family ({@code drop_not_vip}): never
 *     deliver what the gateway would not have sent;</li>
 * <li>the inner packet (IPv4 or IPv6; the TUN tells them apart by the version nibble) is written to the
 *     sink ({@code decap_packets} per kind, or {@code tx_errors}).</li>
 * </ol>
 * Which kinds are accepted at all follows from which sockets the caller opened. Owned by one thread;
 * allocates nothing per packet.
 */
public final class UserspaceDecapsulator {
    /** Offset of the source address in an IPv4 header (RFC 791 §3.1). */
    static final int IPV4_SOURCE_OFFSET = 12;
    /** Offset of the destination address in an IPv4 header (RFC 791 §3.1). */
    static final int IPV4_DESTINATION_OFFSET = 16;
    /** Offset of the destination address in an IPv6 header (RFC 8200 §3). */
    static final int IPV6_DESTINATION_OFFSET = 24;
    /** Fixed IPv6 header length (RFC 8200 §3). */
    static final int IPV6_HEADER_LENGTH = 40;

    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final Ipv4AddressSet gateways4;
    private final Ipv6AddressSet gateways6;
    private final Ipv4AddressSet vips4;
    private final Ipv6AddressSet vips6;
    private final GreKeySet greKeys;
    private final PacketSink sink;
    private final DecapCounters counters;
    private final TunnelDecapsulator decapsulator = new TunnelDecapsulator();
    private final DecapResult result = new DecapResult();

    /**
     * @param gateways4 accepted IPv4 outer sources
     * @param gateways6 accepted IPv6 outer sources
     * @param vips4     accepted inner IPv4 destinations
     * @param vips6     accepted inner IPv6 destinations
     * @param greKeys   accepted GRE keys (unkeyed GRE is always accepted)
     */
    public UserspaceDecapsulator(Ipv4AddressSet gateways4, Ipv6AddressSet gateways6, Ipv4AddressSet vips4,
                                 Ipv6AddressSet vips6, GreKeySet greKeys, PacketSink sink, DecapCounters counters) {
        this.gateways4 = gateways4;
        this.gateways6 = gateways6;
        this.vips4 = vips4;
        this.vips6 = vips6;
        this.greKeys = greKeys;
        this.sink = sink;
        this.counters = counters;
    }

    /**
     * Handles one packet from a raw IPv4 socket at {@code seg[offset, offset+length)}, outer IPv4 header
     * included.
     *
     * @return the counter the packet ended up in
     */
    public DecapCounter onIpv4Packet(MemorySegment seg, long offset, int length) {
        counters.increment(DecapCounter.RX_PACKETS);
        if (length < Ipv4Flyweight.MIN_HEADER_LENGTH) {
            counters.malformed(PacketError.TRUNCATED);
            return DecapCounter.DROP_MALFORMED;
        }
        if (!gateways4.contains(seg.get(INT_BE, offset + IPV4_SOURCE_OFFSET))) {
            counters.increment(DecapCounter.DROP_BAD_SOURCE);
            return DecapCounter.DROP_BAD_SOURCE;
        }
        PacketError error = decapsulator.decapsulateIpv4(seg, offset, length, result);
        if (error != PacketError.OK) {
            counters.malformed(error);
            return DecapCounter.DROP_MALFORMED;
        }
        return deliver(seg);
    }

    /**
     * Handles one payload from a raw IPv6 socket at {@code seg[offset, offset+length)} (no IPv6 header).
     *
     * @param nextHeader the socket's protocol: 4, 41 or 47
     * @param sourceHi   high 8 bytes of the outer source, from recvmsg's {@code sockaddr_in6}
     * @param sourceLo   low 8 bytes of the outer source
     * @return the counter the packet ended up in
     */
    public DecapCounter onIpv6Payload(MemorySegment seg, long offset, int length, int nextHeader, long sourceHi,
                                      long sourceLo) {
        counters.increment(DecapCounter.RX_PACKETS);
        if (!gateways6.contains(sourceHi, sourceLo)) {
            counters.increment(DecapCounter.DROP_BAD_SOURCE);
            return DecapCounter.DROP_BAD_SOURCE;
        }
        PacketError error = decapsulator.decapsulateIpv6Payload(seg, offset, length, nextHeader, sourceHi,
                sourceLo, result);
        if (error != PacketError.OK) {
            counters.malformed(error);
            return DecapCounter.DROP_MALFORMED;
        }
        return deliver(seg);
    }

    /**
     * Handles one GUE datagram's payload from a UDP socket bound to gue-port at {@code seg[offset, offset+length)}:
     * variant 1 (direct IP), so the payload is the inner packet. The kernel has matched the port and verified the
     * UDP checksum; the outer source comes from recvmsg's address.
     *
     * @param outerFamily 4 (the IPv4 socket: kind gue; {@code sourceLo} = the address as an unsigned value,
     *                    {@code sourceHi} 0) or 6 (the IPv6 socket: kind gue6)
     * @return the counter the packet ended up in
     */
    public DecapCounter onGuePayload(MemorySegment seg, long offset, int length, int outerFamily, long sourceHi,
                                     long sourceLo) {
        counters.increment(DecapCounter.RX_PACKETS);
        boolean gateway = outerFamily == 4 ? sourceHi == 0 && gateways4.contains((int) sourceLo)
                : gateways6.contains(sourceHi, sourceLo);
        if (!gateway) {
            counters.increment(DecapCounter.DROP_BAD_SOURCE);
            return DecapCounter.DROP_BAD_SOURCE;
        }
        PacketError error = decapsulator.decapsulateGuePayload(seg, offset, length, outerFamily, sourceHi, sourceLo,
                result);
        if (error != PacketError.OK) {
            counters.malformed(error);
            return DecapCounter.DROP_MALFORMED;
        }
        return deliver(seg);
    }

    /** A packet the receive slot had to cut (cannot happen with 64 KiB slots; counted, never delivered). */
    public DecapCounter onTruncated() {
        counters.increment(DecapCounter.RX_PACKETS);
        counters.malformed(PacketError.TRUNCATED);
        return DecapCounter.DROP_MALFORMED;
    }

    /** Steps 3 to 5 on a successfully decapsulated packet described by {@link #result}. */
    private DecapCounter deliver(MemorySegment seg) {
        if (result.greKeyPresent() && !greKeys.contains(result.greKey())) {
            counters.increment(DecapCounter.DROP_BAD_GRE_KEY);
            return DecapCounter.DROP_BAD_GRE_KEY;
        }
        long inner = result.innerOffset();
        int innerLength = result.innerLength();
        boolean vip;
        if (result.innerVersion() == 4) {
            vip = innerLength >= Ipv4Flyweight.MIN_HEADER_LENGTH
                    && vips4.contains(seg.get(INT_BE, inner + IPV4_DESTINATION_OFFSET));
        } else {
            vip = innerLength >= IPV6_HEADER_LENGTH
                    && vips6.contains(seg.get(LONG_BE, inner + IPV6_DESTINATION_OFFSET),
                    seg.get(LONG_BE, inner + IPV6_DESTINATION_OFFSET + 8));
        }
        if (!vip) {
            counters.increment(DecapCounter.DROP_NOT_VIP);
            return DecapCounter.DROP_NOT_VIP;
        }
        if (!sink.write(seg, inner, innerLength)) {
            counters.increment(DecapCounter.TX_ERRORS);
            return DecapCounter.TX_ERRORS;
        }
        counters.decapsulated(result.kind());
        return DecapCounter.DECAP_PACKETS;
    }

    /** The counters this decapsulator updates. */
    public DecapCounters counters() {
        return counters;
    }

    /** The sink inner packets are written to. */
    public PacketSink sink() {
        return sink;
    }
}
