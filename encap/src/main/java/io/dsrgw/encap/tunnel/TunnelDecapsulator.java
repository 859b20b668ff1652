package io.dsrgw.encap.tunnel;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import java.lang.foreign.MemorySegment;

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
 * Kinds: protocol 4 is IPIP, 41 is SIT, 47 is GRE.
 *
 * <p>{@link #decapsulateIpv6Payload}: a raw IPv6 socket delivers only the payload; the next header is the
 * socket's protocol (4 or 41: IP6TNL, 47: IP6GRE) and the source comes from recvmsg. The same GRE and inner
 * checks apply.
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
            default -> null;
        };
        if (kind == null || (onlyProtocol >= 0 && protocol != onlyProtocol)) {
            return PacketError.UNSUPPORTED_PROTOCOL;
        }
        if (outer.isFragment()) {
            return PacketError.BAD_OUTER_HEADER;
        }
        error = payload(seg, outer.payloadOffset(), outer.payloadLength(), protocol);
        if (error != PacketError.OK) {
            return error;
        }
        out.setIpv4Outer(kind, outer.source(), outer.destination(), keyPresent, key, innerOffset, innerLength,
                innerVersion);
        return PacketError.OK;
    }

    /**
     * Decapsulates the payload of an IPv6 tunnel packet as a raw IPv6 socket delivers it (no outer header):
     * {@code nextHeader} is the socket's protocol (4, 41, 47), {@code srcHi}/{@code srcLo} the sender from
     * recvmsg. See the class comment; fills {@code out} on OK.
     */
    public PacketError decapsulateIpv6Payload(MemorySegment seg, long offset, int length, int nextHeader,
                                              long srcHi, long srcLo, DecapResult out) {
        out.clear();
        TunnelKind kind = switch (nextHeader) {
            case IpProtocol.IPIP, IpProtocol.IPV6 -> TunnelKind.IP6TNL;
            case IpProtocol.GRE -> TunnelKind.IP6GRE;
            default -> null;
        };
        if (kind == null) {
            return PacketError.UNSUPPORTED_PROTOCOL;
        }
        if (length < 0 || offset < 0 || offset > seg.byteSize() - length) {
            return PacketError.TRUNCATED;
        }
        PacketError error = payload(seg, offset, length, nextHeader);
        if (error != PacketError.OK) {
            return error;
        }
        out.setIpv6Outer(kind, srcHi, srcLo, keyPresent, key, innerOffset, innerLength, innerVersion);
        return PacketError.OK;
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
