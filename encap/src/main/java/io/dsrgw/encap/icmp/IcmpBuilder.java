package io.dsrgw.encap.icmp;

import static io.dsrgw.encap.NetworkOrder.U64;
import static io.dsrgw.encap.NetworkOrder.getI32;
import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.getU8;
import static io.dsrgw.encap.NetworkOrder.setI32;
import static io.dsrgw.encap.NetworkOrder.setU16;
import static io.dsrgw.encap.NetworkOrder.setU8;

import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.Icmpv4Flyweight;
import io.dsrgw.encap.ip.Icmpv6Flyweight;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import java.lang.foreign.MemorySegment;

/**
 * Builds the ICMP messages the gateway answers with, on behalf of a VIP. Static, thread-safe, no allocation,
 * no exceptions: a message that must not be sent (or does not fit) makes the method return -1.
 *
 * <p>"Fragmentation needed" (RFC 792, RFC 1191 section 4), sent when an IPv4 packet with DF set would exceed
 * the tunnel MTU once encapsulated:
 * <pre>
 * +--------------------------------------+   IPv4: TOS 0xc0 (precedence "internetwork control", like Linux),
 * | IPv4 VIP -> client, proto 1, TTL ttl |         id 0, DF 0, TTL ttl, no options
 * +--------+--------+--------------------+
 * | type 3 | code 4 |     checksum       |   ICMP checksum over the whole message (RFC 792)
 * +--------+--------+--------------------+
 * |     unused = 0  |   next-hop MTU     |
 * +-----------------+--------------------+
 * | original IP header + as much data as fits in 576 bytes (RFC 1812 section 4.3.2.3)
 * +--------------------------------------
 * </pre>
 * "Packet too big" (RFC 4443 section 3.2): IPv6 VIP -> client, traffic class 0, flow label 0, next header 58,
 * then type 2, code 0, checksum (with the IPv6 pseudo-header, RFC 4443 section 2.3), the 32-bit MTU, and as
 * much of the original packet as fits in 1280 bytes (RFC 4443 section 2.4(c)).
 *
 * <p>Neither is sent (-1) in the cases RFC 1122 section 3.2.2 / RFC 4443 section 2.4(e) forbid that can be
 * seen in the packet: about an ICMP error message, about a non-initial fragment (IPv4), about an ICMPv6 error
 * directly after the IPv6 header (IPv6), or to a source that does not name one host (IPv4 0/8, 127/8,
 * 224/4 multicast and 240/4 incl. broadcast; IPv6 ::, ::1 and ff00::/8 multicast), which only a spoofed
 * packet carries. Echo requests from such sources are not answered either. Rate limiting is the caller's
 * (RFC 4443 2.4(f)).
 */
public final class IcmpBuilder {
    /** Total length limit of an ICMPv4 error (RFC 1812 section 4.3.2.3). */
    public static final int MAX_IPV4_ERROR_LENGTH = 576;
    /** Total length limit of an ICMPv6 error (RFC 4443 section 2.4(c)): the IPv6 minimum MTU. */
    public static final int MAX_IPV6_ERROR_LENGTH = Icmpv6Flyweight.MAX_ERROR_PACKET_LENGTH;
    /** IPv4 header + ICMP header in front of the quote. */
    public static final int IPV4_ERROR_HEADERS = Ipv4Flyweight.MIN_HEADER_LENGTH + Icmpv4Flyweight.HEADER_LENGTH;
    /** IPv6 header + ICMPv6 header in front of the quote. */
    public static final int IPV6_ERROR_HEADERS = Ipv6Flyweight.HEADER_LENGTH + Icmpv6Flyweight.HEADER_LENGTH;
    /** TOS of the ICMPv4 errors we originate: precedence 6, "internetwork control" (RFC 791, as Linux). */
    public static final int ICMP_ERROR_TOS = 0xc0;

    private IcmpBuilder() {
    }

    /**
     * Writes an ICMP "fragmentation needed and DF set" (type 3 code 4) about the IPv4 packet at
     * {@code orig[origOffset, +origLength)}: from its destination (the VIP) to its source, next-hop MTU =
     * {@code mtu}, quoting the original from its IP header, as much as fits in 576 bytes (its total length
     * at most; at least the header + 8 bytes when present). {@code out} may overlap {@code orig} (e.g. the
     * message is built in the same buffer in front of the original): every field is read before anything is
     * written, and the quote is moved like memmove.
     *
     * @return the message length, or -1 when orig is not an IPv4 header (version 4, IHL 5..15, 20 bytes), is
     *     a non-initial fragment or an ICMP error message, comes from a source that is not one host (see the
     *     class comment), {@code mtu} is outside 68..65535, or out lacks room
     */
    public static int fragmentationNeeded(MemorySegment orig, long origOffset, int origLength, int mtu, int ttl,
                                          MemorySegment out, long outOffset) {
        if (origLength < Ipv4Flyweight.MIN_HEADER_LENGTH || origOffset < 0
                || origOffset > orig.byteSize() - origLength || mtu < 68 || mtu > 0xffff) {
            return -1;
        }
        int versionIhl = getU8(orig, origOffset);
        int headerLength = (versionIhl & 0x0f) << 2;
        if ((versionIhl >>> 4) != 4 || headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH || headerLength > origLength) {
            return -1;
        }
        if ((getU16(orig, origOffset + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET) & Ipv4Flyweight.FRAGMENT_OFFSET_MASK)
                != 0) {
            return -1; // RFC 1122 3.2.2: never about a non-initial fragment
        }
        if (!unicastIpv4(getI32(orig, origOffset + Ipv4Flyweight.SOURCE_OFFSET))) {
            return -1;
        }
        int datagramLength = Math.min(origLength, getU16(orig, origOffset + Ipv4Flyweight.TOTAL_LENGTH_OFFSET));
        if (getU8(orig, origOffset + Ipv4Flyweight.PROTOCOL_OFFSET) == IpProtocol.ICMP
                && datagramLength > headerLength
                && Icmpv4Flyweight.isErrorType(getU8(orig, origOffset + headerLength))) {
            return -1; // RFC 1122 3.2.2: never about an ICMP error
        }
        int quote = Math.min(Math.max(datagramLength, headerLength), MAX_IPV4_ERROR_LENGTH - IPV4_ERROR_HEADERS);
        int length = IPV4_ERROR_HEADERS + quote;
        if (outOffset < 0 || outOffset > out.byteSize() - length) {
            return -1;
        }
        int vip = getI32(orig, origOffset + Ipv4Flyweight.DESTINATION_OFFSET);
        int client = getI32(orig, origOffset + Ipv4Flyweight.SOURCE_OFFSET);
        MemorySegment.copy(orig, origOffset, out, outOffset + IPV4_ERROR_HEADERS, quote);
        // identification 0 and no flags: the message fits any MTU (at most 576 bytes), so it is never fragmented
        Ipv4Flyweight.writeHeader(out, outOffset, ICMP_ERROR_TOS, length, 0, 0, ttl, IpProtocol.ICMP, vip, client);
        long icmp = outOffset + Ipv4Flyweight.MIN_HEADER_LENGTH;
        setU8(out, icmp + Icmpv4Flyweight.TYPE_OFFSET, Icmpv4Flyweight.TYPE_DESTINATION_UNREACHABLE);
        setU8(out, icmp + Icmpv4Flyweight.CODE_OFFSET, Icmpv4Flyweight.CODE_FRAGMENTATION_NEEDED);
        setU16(out, icmp + Icmpv4Flyweight.CHECKSUM_OFFSET, 0);
        setU16(out, icmp + Icmpv4Flyweight.IDENTIFIER_OFFSET, 0);
        setU16(out, icmp + Icmpv4Flyweight.NEXT_HOP_MTU_OFFSET, mtu);
        setU16(out, icmp + Icmpv4Flyweight.CHECKSUM_OFFSET,
                InternetChecksum.icmpv4(out, icmp, length - Ipv4Flyweight.MIN_HEADER_LENGTH));
        return length;
    }

    /** False for sources that do not name one host: 0/8, 127/8, 224/4 (multicast), 240/4 (incl. broadcast). */
    private static boolean unicastIpv4(int source) {
        int first = source >>> 24;
        return first != 0 && first != 127 && first < 224;
    }

    /** False for ::, ::1 and ff00::/8 (multicast). */
    private static boolean unicastIpv6(long hi, long lo) {
        return (hi >>> 56) != 0xff && !(hi == 0 && (lo == 0 || lo == 1));
    }

    /**
     * Writes an ICMPv6 "packet too big" (type 2 code 0) about the IPv6 packet at
     * {@code orig[origOffset, +origLength)}: from its destination (the VIP) to its source, MTU = {@code mtu},
     * hop limit {@code hopLimit}, quoting as much of the original (up to 40 + its payload length) as fits in
     * 1280 bytes, checksum over the pseudo-header. {@code out} may overlap {@code orig} (see
     * {@link #fragmentationNeeded}). The MTU is written as given: a value below 1280 is legal on the wire
     * (RFC 8201 section 4 tells the receiver to use 1280 then).
     *
     * @return the message length, or -1 when orig is not an IPv6 header, is an ICMPv6 error (next header 58
     *     directly after the fixed header, type below 128), comes from ::, ::1 or a multicast source,
     *     {@code mtu} is not positive, or out lacks room
     */
    public static int packetTooBig(MemorySegment orig, long origOffset, int origLength, int mtu, int hopLimit,
                                   MemorySegment out, long outOffset) {
        if (origLength < Ipv6Flyweight.HEADER_LENGTH || origOffset < 0
                || origOffset > orig.byteSize() - origLength || mtu <= 0 || (getU8(orig, origOffset) >>> 4) != 6) {
            return -1;
        }
        int packetLength = Math.min(origLength,
                Ipv6Flyweight.HEADER_LENGTH + getU16(orig, origOffset + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET));
        if (getU8(orig, origOffset + Ipv6Flyweight.NEXT_HEADER_OFFSET) == IpProtocol.ICMPV6
                && packetLength > Ipv6Flyweight.HEADER_LENGTH
                && getU8(orig, origOffset + Ipv6Flyweight.HEADER_LENGTH) < Icmpv6Flyweight.TYPE_ECHO_REQUEST) {
            return -1; // RFC 4443 2.4(e.1): never about an ICMPv6 error
        }
        if (!unicastIpv6(orig.get(U64, origOffset + Ipv6Flyweight.SOURCE_OFFSET),
                orig.get(U64, origOffset + Ipv6Flyweight.SOURCE_OFFSET + 8))) {
            return -1;
        }
        int quote = Math.min(packetLength, MAX_IPV6_ERROR_LENGTH - IPV6_ERROR_HEADERS);
        int length = IPV6_ERROR_HEADERS + quote;
        if (outOffset < 0 || outOffset > out.byteSize() - length) {
            return -1;
        }
        long vipHi = orig.get(U64, origOffset + Ipv6Flyweight.DESTINATION_OFFSET);
        long vipLo = orig.get(U64, origOffset + Ipv6Flyweight.DESTINATION_OFFSET + 8);
        long clientHi = orig.get(U64, origOffset + Ipv6Flyweight.SOURCE_OFFSET);
        long clientLo = orig.get(U64, origOffset + Ipv6Flyweight.SOURCE_OFFSET + 8);
        MemorySegment.copy(orig, origOffset, out, outOffset + IPV6_ERROR_HEADERS, quote);
        int icmpLength = length - Ipv6Flyweight.HEADER_LENGTH;
        Ipv6Flyweight.writeHeader(out, outOffset, 0, 0, icmpLength, IpProtocol.ICMPV6, hopLimit, vipHi, vipLo,
                clientHi, clientLo);
        long icmp = outOffset + Ipv6Flyweight.HEADER_LENGTH;
        setU8(out, icmp + Icmpv6Flyweight.TYPE_OFFSET, Icmpv6Flyweight.TYPE_PACKET_TOO_BIG);
        setU8(out, icmp + Icmpv6Flyweight.CODE_OFFSET, 0);
        setU16(out, icmp + Icmpv6Flyweight.CHECKSUM_OFFSET, 0);
        setI32(out, icmp + Icmpv6Flyweight.MTU_OFFSET, mtu);
        setU16(out, icmp + Icmpv6Flyweight.CHECKSUM_OFFSET,
                InternetChecksum.icmpv6(out, icmp, icmpLength, vipHi, vipLo, clientHi, clientLo));
        return length;
    }

    /**
     * Turns the ICMP echo request at {@code seg[offset, +length)} into its echo reply in place (RFC 792, RFC
     * 1122 section 3.2.2.6): addresses swapped, TTL = {@code ttl}, type 0, identifier, sequence and data kept,
     * ICMP and header checksums recomputed; TOS, identification and DF kept. IP options are removed (the
     * message moves forward; RFC 1122 lets a host reflect record-route / timestamp options, a gateway answering
     * for a VIP does not own them). Bytes after the total length (link padding) are dropped.
     *
     * @return the reply's length (starting at {@code offset}), or -1 with nothing changed when the packet is not
     *     a valid, unfragmented IPv4 ICMP echo request (type 8 code 0) with a correct ICMP checksum from a
     *     unicast source
     */
    public static int echoReplyIpv4InPlace(MemorySegment seg, long offset, int length, int ttl) {
        if (length < IPV4_ERROR_HEADERS || offset < 0 || offset > seg.byteSize() - length) {
            return -1;
        }
        int versionIhl = getU8(seg, offset);
        int headerLength = (versionIhl & 0x0f) << 2;
        int totalLength = getU16(seg, offset + Ipv4Flyweight.TOTAL_LENGTH_OFFSET);
        if ((versionIhl >>> 4) != 4 || headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH || totalLength > length
                || totalLength < headerLength + Icmpv4Flyweight.HEADER_LENGTH
                || getU8(seg, offset + Ipv4Flyweight.PROTOCOL_OFFSET) != IpProtocol.ICMP
                || (getU16(seg, offset + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET)
                        & (Ipv4Flyweight.FLAG_MORE_FRAGMENTS | Ipv4Flyweight.FRAGMENT_OFFSET_MASK)) != 0) {
            return -1;
        }
        long icmp = offset + headerLength;
        int icmpLength = totalLength - headerLength;
        if (getU8(seg, icmp + Icmpv4Flyweight.TYPE_OFFSET) != Icmpv4Flyweight.TYPE_ECHO_REQUEST
                || getU8(seg, icmp + Icmpv4Flyweight.CODE_OFFSET) != 0
                || InternetChecksum.icmpv4(seg, icmp, icmpLength) != 0) {
            return -1;
        }
        int client = getI32(seg, offset + Ipv4Flyweight.SOURCE_OFFSET);
        int vip = getI32(seg, offset + Ipv4Flyweight.DESTINATION_OFFSET);
        if (!unicastIpv4(client)) {
            return -1;
        }
        if (headerLength > Ipv4Flyweight.MIN_HEADER_LENGTH) {
            MemorySegment.copy(seg, icmp, seg, offset + Ipv4Flyweight.MIN_HEADER_LENGTH, icmpLength);
            icmp = offset + Ipv4Flyweight.MIN_HEADER_LENGTH;
        }
        int replyLength = Ipv4Flyweight.MIN_HEADER_LENGTH + icmpLength;
        setU8(seg, icmp + Icmpv4Flyweight.TYPE_OFFSET, Icmpv4Flyweight.TYPE_ECHO_REPLY);
        setU16(seg, icmp + Icmpv4Flyweight.CHECKSUM_OFFSET, 0);
        setU16(seg, icmp + Icmpv4Flyweight.CHECKSUM_OFFSET, InternetChecksum.icmpv4(seg, icmp, icmpLength));
        setU8(seg, offset + Ipv4Flyweight.VERSION_IHL_OFFSET, 0x45);
        setU16(seg, offset + Ipv4Flyweight.TOTAL_LENGTH_OFFSET, replyLength);
        setU8(seg, offset + Ipv4Flyweight.TTL_OFFSET, ttl);
        setI32(seg, offset + Ipv4Flyweight.SOURCE_OFFSET, vip);
        setI32(seg, offset + Ipv4Flyweight.DESTINATION_OFFSET, client);
        setU16(seg, offset + Ipv4Flyweight.HEADER_CHECKSUM_OFFSET, 0);
        setU16(seg, offset + Ipv4Flyweight.HEADER_CHECKSUM_OFFSET,
                InternetChecksum.ipv4Header(seg, offset, Ipv4Flyweight.MIN_HEADER_LENGTH));
        return replyLength;
    }

    /**
     * Turns the ICMPv6 echo request at {@code seg[offset, +length)} into its echo reply in place (RFC 4443
     * section 4.2): addresses swapped, hop limit = {@code hopLimit}, type 129, identifier, sequence and data
     * kept, checksum recomputed over the new pseudo-header; traffic class and flow label kept. Hop-by-hop,
     * routing and destination options headers in front of the ICMPv6 message are removed (the message moves
     * forward).
     *
     * @return the reply's length, or -1 with nothing changed when the packet is not a valid IPv6 echo request
     *     (type 128 code 0, correct checksum, unicast source) reachable through those headers (fragments, ESP,
     *     AH: -1)
     */
    public static int echoReplyIpv6InPlace(MemorySegment seg, long offset, int length, int hopLimit) {
        if (length < IPV6_ERROR_HEADERS || offset < 0 || offset > seg.byteSize() - length
                || (getU8(seg, offset) >>> 4) != 6) {
            return -1;
        }
        int packetLength = Ipv6Flyweight.HEADER_LENGTH + getU16(seg, offset + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET);
        if (packetLength > length || packetLength == Ipv6Flyweight.HEADER_LENGTH) {
            return -1;
        }
        int next = getU8(seg, offset + Ipv6Flyweight.NEXT_HEADER_OFFSET);
        int position = Ipv6Flyweight.HEADER_LENGTH;
        boolean first = true;
        while (next != IpProtocol.ICMPV6) {
            if ((next != IpProtocol.HOP_BY_HOP || !first) && next != IpProtocol.IPV6_ROUTING
                    && next != IpProtocol.IPV6_DESTINATION_OPTIONS) {
                return -1;
            }
            if (packetLength - position < 8) {
                return -1;
            }
            int extLength = (getU8(seg, offset + position + 1) + 1) << 3;
            if (extLength > packetLength - position) {
                return -1;
            }
            next = getU8(seg, offset + position);
            position += extLength;
            first = false;
        }
        long icmp = offset + position;
        int icmpLength = packetLength - position;
        long clientHi = seg.get(U64, offset + Ipv6Flyweight.SOURCE_OFFSET);
        long clientLo = seg.get(U64, offset + Ipv6Flyweight.SOURCE_OFFSET + 8);
        long vipHi = seg.get(U64, offset + Ipv6Flyweight.DESTINATION_OFFSET);
        long vipLo = seg.get(U64, offset + Ipv6Flyweight.DESTINATION_OFFSET + 8);
        if (!unicastIpv6(clientHi, clientLo) || icmpLength < Icmpv6Flyweight.HEADER_LENGTH
                || getU8(seg, icmp + Icmpv6Flyweight.TYPE_OFFSET) != Icmpv6Flyweight.TYPE_ECHO_REQUEST
                || getU8(seg, icmp + Icmpv6Flyweight.CODE_OFFSET) != 0
                || InternetChecksum.icmpv6(seg, icmp, icmpLength, clientHi, clientLo, vipHi, vipLo) != 0) {
            return -1;
        }
        if (position > Ipv6Flyweight.HEADER_LENGTH) {
            MemorySegment.copy(seg, icmp, seg, offset + Ipv6Flyweight.HEADER_LENGTH, icmpLength);
            icmp = offset + Ipv6Flyweight.HEADER_LENGTH;
        }
        setU16(seg, offset + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET, icmpLength);
        setU8(seg, offset + Ipv6Flyweight.NEXT_HEADER_OFFSET, IpProtocol.ICMPV6);
        setU8(seg, offset + Ipv6Flyweight.HOP_LIMIT_OFFSET, hopLimit);
        seg.set(U64, offset + Ipv6Flyweight.SOURCE_OFFSET, vipHi);
        seg.set(U64, offset + Ipv6Flyweight.SOURCE_OFFSET + 8, vipLo);
        seg.set(U64, offset + Ipv6Flyweight.DESTINATION_OFFSET, clientHi);
        seg.set(U64, offset + Ipv6Flyweight.DESTINATION_OFFSET + 8, clientLo);
        setU8(seg, icmp + Icmpv6Flyweight.TYPE_OFFSET, Icmpv6Flyweight.TYPE_ECHO_REPLY);
        setU16(seg, icmp + Icmpv6Flyweight.CHECKSUM_OFFSET, 0);
        setU16(seg, icmp + Icmpv6Flyweight.CHECKSUM_OFFSET,
                InternetChecksum.icmpv6(seg, icmp, icmpLength, vipHi, vipLo, clientHi, clientLo));
        return Ipv6Flyweight.HEADER_LENGTH + icmpLength;
    }
}
