package io.dsrgw.encap.tunnel;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.ip.UdpFlyweight;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Strict decapsulation of every {@link TunnelKind} for the backend agent's userspace mode, which writes the
 * inner packet to a TUN device and must never hand the kernel something a real tunnel device would have
 * refused.
 *
 * <p>{@link #decapsulateIpv4}: a raw IPv4 socket delivers the outer header. Checks, in this order:
 * <ol>
 *   <li>outer shorter than 20 bytes: TRUNCATED; malformed (version, IHL, total length, options, fragment
 *       fields): BAD_OUTER_HEADER; header checksum: BAD_CHECKSUM; protocol not 4, 41 or 47:
 *       UNSUPPORTED_PROTOCOL; an outer fragment (the kernel reassembles before raw delivery, so someone
 *       crafted it): BAD_OUTER_HEADER;</li>
 *   <li>GRE (47): {@link GreFlyweight#wrap} (TRUNCATED, BAD_GRE for version not 0 or R/s/recursion bits),
 *       checksum when C is set (BAD_CHECKSUM), protocol type 0x0800 / 0x86DD (else UNSUPPORTED_PROTOCOL);
 *       a sequence number (S) is tolerated and skipped, since order is not enforced;</li>
 *   <li>inner: {@link Ipv4Flyweight#wrap} (protocol 4, GRE 0x0800) or {@link Ipv6Flyweight#wrap} (41, GRE
 *       0x86DD) over the rest (their verdicts: TRUNCATED, BAD_VERSION, BAD_IHL, BAD_TOTAL_LENGTH, ...); inner
 *       length different from the bytes carried: BAD_TOTAL_LENGTH; inner IPv4 header checksum: BAD_CHECKSUM.
 *       An inner IPv6 chain ending in ESP/AH is fine (the kernel handles it).</li>
 * </ol>
 * Kinds: protocol 4 is IPIP, 41 is SIT, 47 is GRE, 17 is GUE.
 *
 * <p>GUE (17, variant 1 only, see {@link TunnelEncapsulator}): a UDP header whose length field must equal the
 * bytes carried (else BAD_TRANSPORT_HEADER; fewer than 8 bytes: TRUNCATED), its checksum verified unless 0 (IPv4
 * outer; BAD_CHECKSUM), then the inner packet chosen by its version nibble: 4 or 6 (variant 1); anything else
 * (a variant 0 GUE header, first bits 00, or a control message) is UNSUPPORTED_PROTOCOL. The UDP ports are
 * reported ({@link DecapResult#udpDestinationPort()}): the agent checks the destination port against its
 * {@code gue-port}, as it checks sources. {@link #decapsulateGuePayload} takes what a UDP socket delivers (no
 * UDP header: the kernel checked ports, length and checksum).
 *
 * <p>{@link #decapsulateIpv6Payload}: a raw IPv6 socket delivers only the payload; the next header is the
 * socket's protocol (4 or 41: IP6TNL, 47: IP6GRE, 17: GUE6) and the source comes from recvmsg. The same GRE and
 * inner checks apply. GUE6: a zero UDP checksum is BAD_CHECKSUM (RFC 8200 section 8.1); a non-zero one is verified
 * only by the overload that is given the outer destination (a raw socket's reader learns it from IPV6_PKTINFO).
 *
 * <p>Neither the outer source nor the GRE key is checked against configuration here: the agent compares
 * {@link DecapResult#outerSourceHi()}/{@link DecapResult#outerSourceLo()} with its gateways
 * (BAD_TUNNEL_SOURCE) and {@link DecapResult#greKey()} with its accepted keys (BAD_GRE_KEY). Reusable, one per
 * thread, no allocation, never throws.
 */
public final class TunnelDecapsulator {
    private final Ipv4Flyweight outer = new Ipv4Flyweight();
    private final Ipv4Flyweight inner4 = new Ipv4Flyweight();
    private final Ipv6Flyweight inner6 = new Ipv6Flyweight();
    private final GreFlyweight gre = new GreFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();

    // results of payload(): set only when it returns OK
    private long innerOffset;
    private int innerLength;
    private int innerVersion;
    private boolean keyPresent;
    private int key;

    /** Decapsulates a packet with its IPv4 outer header (see the class comment); fills {@code out} on OK. */
    public PacketError decapsulateIpv4(MemorySegment seg, long offset, int length, DecapResult out) {
        return decapsulateIpv4(seg, offset, length, -1, out);
    }

    /**
     * {@link #decapsulateIpv4} accepting only the outer protocol {@code onlyProtocol} (others:
     * UNSUPPORTED_PROTOCOL, checked where the protocol is), or any tunnel protocol when -1. For
     * {@link IpipDecapsulator}.
     */
    PacketError decapsulateIpv4(MemorySegment seg, long offset, int length, int onlyProtocol, DecapResult out) {
        out.clear();
        PacketError error = outer.wrap(seg, offset, length);
        if (error == PacketError.TRUNCATED) {
            return error;
        }
        if (error != PacketError.OK) {
            return PacketError.BAD_OUTER_HEADER;
        }
        if (!outer.checksumValid()) {
            return PacketError.BAD_CHECKSUM;
        }
        int protocol = outer.protocol();
        TunnelKind kind = switch (protocol) {
            case IpProtocol.IPIP -> TunnelKind.IPIP;
            case IpProtocol.IPV6 -> TunnelKind.SIT;
            case IpProtocol.GRE -> TunnelKind.GRE;
            case IpProtocol.UDP -> TunnelKind.GUE;
            default -> null;
        };
        if (kind == null || (onlyProtocol >= 0 && protocol != onlyProtocol)) {
            return PacketError.UNSUPPORTED_PROTOCOL;
        }
        if (outer.isFragment()) {
            return PacketError.BAD_OUTER_HEADER;
        }
        long payloadOffset = outer.payloadOffset();
        int payloadLength = outer.payloadLength();
        if (protocol == IpProtocol.UDP) {
            error = udpHeader(seg, payloadOffset, payloadLength);
            if (error != PacketError.OK) {
                return error;
            }
            if (udp.checksum() != 0 && !InternetChecksum.verifyIpv4Transport(seg, payloadOffset, payloadLength,
                    outer.source(), outer.destination(), IpProtocol.UDP)) {
                return PacketError.BAD_CHECKSUM;
            }
        }
        error = payload(seg, payloadOffset, payloadLength, protocol);
        if (error != PacketError.OK) {
            return error;
        }
        out.setIpv4Outer(kind, outer.source(), outer.destination(), keyPresent, key, innerOffset, innerLength,
                innerVersion);
        if (protocol == IpProtocol.UDP) {
            out.udpPorts(udp.sourcePort(), udp.destinationPort());
        }
        return PacketError.OK;
    }

    /**
     * Decapsulates the payload of an IPv6 tunnel packet as a raw IPv6 socket delivers it (no outer header):
     * {@code nextHeader} is the socket's protocol (4, 41, 47), {@code srcHi}/{@code srcLo} the sender from
     * recvmsg. See the class comment; fills {@code out} on OK.
     */
    public PacketError decapsulateIpv6Payload(MemorySegment seg, long offset, int length, int nextHeader,
                                              long srcHi, long srcLo, DecapResult out) {
        return decapsulateIpv6Payload(seg, offset, length, nextHeader, srcHi, srcLo, false, 0, 0, out);
    }

    /**
     * {@link #decapsulateIpv6Payload(MemorySegment, long, int, int, long, long, DecapResult)} that also verifies a
     * GUE6 packet's UDP checksum, over the pseudo-header with this outer destination {@code dstHi}/{@code dstLo}.
     */
    public PacketError decapsulateIpv6Payload(MemorySegment seg, long offset, int length, int nextHeader,
                                              long srcHi, long srcLo, long dstHi, long dstLo, DecapResult out) {
        return decapsulateIpv6Payload(seg, offset, length, nextHeader, srcHi, srcLo, true, dstHi, dstLo, out);
    }

    private PacketError decapsulateIpv6Payload(MemorySegment seg, long offset, int length, int nextHeader,
                                               long srcHi, long srcLo, boolean verifyUdp, long dstHi, long dstLo,
                                               DecapResult out) {
        out.clear();
        TunnelKind kind = switch (nextHeader) {
            case IpProtocol.IPIP, IpProtocol.IPV6 -> TunnelKind.IP6TNL;
            case IpProtocol.GRE -> TunnelKind.IP6GRE;
            case IpProtocol.UDP -> TunnelKind.GUE6;
            default -> null;
        };
        if (kind == null) {
            return PacketError.UNSUPPORTED_PROTOCOL;
        }
        if (length < 0 || offset < 0 || offset > seg.byteSize() - length) {
            return PacketError.TRUNCATED;
        }
        if (nextHeader == IpProtocol.UDP) {
            PacketError error = udpHeader(seg, offset, length);
            if (error != PacketError.OK) {
                return error;
            }
            if (udp.checksum() == 0 || (verifyUdp && InternetChecksum.finish(
                    InternetChecksum.ipv6PseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, IpProtocol.UDP, length)
                            + InternetChecksum.sum(seg, offset, length)) != 0)) {
                return PacketError.BAD_CHECKSUM;
            }
        }
        PacketError error = payload(seg, offset, length, nextHeader);
        if (error != PacketError.OK) {
            return error;
        }
        out.setIpv6Outer(kind, srcHi, srcLo, keyPresent, key, innerOffset, innerLength, innerVersion);
        if (nextHeader == IpProtocol.UDP) {
            out.udpPorts(udp.sourcePort(), udp.destinationPort());
        }
        return PacketError.OK;
    }

    /**
     * Decapsulates the payload of a GUE datagram as a UDP socket bound to the GUE port delivers it (no UDP header;
     * the kernel checked length and checksum): the inner packet, variant 1 only (see the class comment).
     * {@code outerFamily} 4 gives kind GUE with the source {@code srcLo} (an IPv4 address as an unsigned value,
     * {@code srcHi} 0), 6 gives GUE6. Fills {@code out} on OK (UDP ports 0: the socket knows them).
     */
    public PacketError decapsulateGuePayload(MemorySegment seg, long offset, int length, int outerFamily,
                                             long srcHi, long srcLo, DecapResult out) {
        out.clear();
        if (outerFamily != 4 && outerFamily != 6) {
            return PacketError.UNSUPPORTED_PROTOCOL;
        }
        if (length < 0 || offset < 0 || offset > seg.byteSize() - length) {
            return PacketError.TRUNCATED;
        }
        PacketError error = payload(seg, offset - UdpFlyweight.HEADER_LENGTH, length + UdpFlyweight.HEADER_LENGTH,
                IpProtocol.UDP);
        if (error != PacketError.OK) {
            return error;
        }
        if (outerFamily == 4) {
            out.setIpv4Outer(TunnelKind.GUE, (int) srcLo, 0, false, 0, innerOffset, innerLength, innerVersion);
        } else {
            out.setIpv6Outer(TunnelKind.GUE6, srcHi, srcLo, false, 0, innerOffset, innerLength, innerVersion);
        }
        return PacketError.OK;
    }

    /** GUE's UDP header: at least 8 bytes, length field equal to the bytes carried. */
    private PacketError udpHeader(MemorySegment seg, long offset, int length) {
        PacketError error = udp.wrap(seg, offset, length);
        if (error != PacketError.OK) {
            return error;
        }
        return udp.length() == length ? PacketError.OK : PacketError.BAD_TRANSPORT_HEADER;
    }

    /** Validates the tunnel payload after the outer IP header: GRE header if any, then the inner packet. */
    private PacketError payload(MemorySegment seg, long offset, int length, int protocol) {
        keyPresent = false;
        key = 0;
        int version;
        if (protocol == IpProtocol.GRE) {
            PacketError error = gre.wrap(seg, offset, length);
            if (error != PacketError.OK) {
                return error;
            }
            if (gre.checksumPresent() && !gre.checksumValid(length)) {
                return PacketError.BAD_CHECKSUM;
            }
            int type = gre.protocolType();
            if (type == GreFlyweight.PROTOCOL_IPV4) {
                version = 4;
            } else if (type == GreFlyweight.PROTOCOL_IPV6) {
                version = 6;
            } else {
                return PacketError.UNSUPPORTED_PROTOCOL;
            }
            if (gre.keyPresent()) {
                keyPresent = true;
                key = gre.key();
            }
            int headerLength = gre.headerLength();
            offset += headerLength;
            length -= headerLength;
        } else if (protocol == IpProtocol.UDP) {
            // GUE variant 1: the version nibble of what follows the UDP header says what it is
            offset += UdpFlyweight.HEADER_LENGTH;
            length -= UdpFlyweight.HEADER_LENGTH;
            if (length < 1) {
                return PacketError.TRUNCATED;
            }
            version = (seg.get(ValueLayout.JAVA_BYTE, offset) >>> 4) & 0xf;
            if (version != 4 && version != 6) {
                return PacketError.UNSUPPORTED_PROTOCOL; // GUE variant 0 header or control message
            }
        } else {
            version = protocol == IpProtocol.IPIP ? 4 : 6;
        }
        if (version == 4) {
            PacketError error = inner4.wrap(seg, offset, length);
            if (error != PacketError.OK) {
                return error;
            }
            if (inner4.totalLength() != length) {
                return PacketError.BAD_TOTAL_LENGTH;
            }
            if (!inner4.checksumValid()) {
                return PacketError.BAD_CHECKSUM;
            }
        } else {
            PacketError error = inner6.wrap(seg, offset, length);
            if (error != PacketError.OK) {
                return error;
            }
            if (inner6.totalLength() != length) {
                return PacketError.BAD_TOTAL_LENGTH;
            }
        }
        innerOffset = offset;
        innerLength = length;
        innerVersion = version;
        return PacketError.OK;
    }

    /** The outer IPv4 header view of the last {@link #decapsulateIpv4} call (diagnostics: TTL, TOS, ...). */
    public Ipv4Flyweight outer() {
        return outer;
    }

    /** The GRE view of the last GRE packet (valid after OK for a GRE kind). */
    public GreFlyweight gre() {
        return gre;
    }

    /** The inner IPv4 view (valid after OK with inner version 4). */
    public Ipv4Flyweight inner4() {
        return inner4;
    }

    /** The inner IPv6 view (valid after OK with inner version 6). */
    public Ipv6Flyweight inner6() {
        return inner6;
    }
}
