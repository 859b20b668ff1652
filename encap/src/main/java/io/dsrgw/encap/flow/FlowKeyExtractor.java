package io.dsrgw.encap.flow;

import static io.dsrgw.encap.NetworkOrder.getI32;
import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.getU8;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.Icmpv4Flyweight;
import io.dsrgw.encap.ip.Icmpv6Flyweight;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.ip.TcpFlyweight;
import io.dsrgw.encap.ip.UdpFlyweight;
import java.lang.foreign.MemorySegment;

/**
 * Extracts the {@link FlowKey} of a packet whose IPv4 or IPv6 header was validated by
 * {@link Ipv4Flyweight#wrap} / {@link Ipv6Flyweight#wrap} (result OK). Owns one transport flyweight per
 * protocol, which after a successful {@link #extract} stays wrapped on the packet for callers that need more
 * than the key (e.g. TCP flags): see {@link #tcp()}, {@link #udp()}, {@link #icmp()}, {@link #icmpv6()}.
 *
 * <p>Keys:
 * <ul>
 *   <li>any fragment (first, middle or last): (src, dst, proto), ports 0, {@code fragment = true}, so all
 *       fragments of a datagram select the same backend (the later ones carry no ports); for IPv6 the
 *       protocol is the next header of the fragment header;</li>
 *   <li>TCP, UDP: the 5-tuple; the transport header must be complete (TRUNCATED / BAD_TRANSPORT_HEADER);</li>
 *   <li>ICMP / ICMPv6 echo request or reply: source port = identifier, destination port 0;</li>
 *   <li>other ICMP and other protocols: ports 0;</li>
 *   <li>IPv6 whose header chain could not be walked to the upper layer (ESP, AH, ...):
 *       {@link PacketError#UNSUPPORTED_EXTENSION_HEADER}, key not set.</li>
 * </ul>
 * ICMP errors about a flow are keyed by the flow they quote: {@link #extractFromIcmpError} and
 * {@link #extractFromIcmpv6Error}. Not thread-safe; allocation-free; never throws.
 */
public final class FlowKeyExtractor {
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final Icmpv4Flyweight icmp = new Icmpv4Flyweight();
    private final Icmpv6Flyweight icmpv6 = new Icmpv6Flyweight();
    private final Ipv6Flyweight quoted6 = new Ipv6Flyweight();

    /** From a validated IPv4 header: see the class comment. Returns OK or why the packet is malformed. */
    public PacketError extract(Ipv4Flyweight ip, FlowKey out) {
        int src = ip.source();
        int dst = ip.destination();
        int protocol = ip.protocol();
        if (ip.isFragment()) {
            out.setIpv4(src, dst, protocol, 0, 0, true);
            return PacketError.OK;
        }
        long payloadOffset = ip.payloadOffset();
        int payloadLength = ip.payloadLength();
        PacketError error;
        switch (protocol) {
            case IpProtocol.TCP -> {
                error = tcp.wrap(ip.segment(), payloadOffset, payloadLength);
                if (error == PacketError.OK) {
                    out.setIpv4(src, dst, protocol, tcp.sourcePort(), tcp.destinationPort(), false);
                }
            }
            case IpProtocol.UDP -> {
                error = udp.wrap(ip.segment(), payloadOffset, payloadLength);
                if (error == PacketError.OK) {
                    out.setIpv4(src, dst, protocol, udp.sourcePort(), udp.destinationPort(), false);
                }
            }
            case IpProtocol.ICMP -> {
                error = icmp.wrap(ip.segment(), payloadOffset, payloadLength);
                if (error == PacketError.OK) {
                    int id = icmp.isEchoRequest() || icmp.isEchoReply() ? icmp.identifier() : 0;
                    out.setIpv4(src, dst, protocol, id, 0, false);
                }
            }
            default -> {
                out.setIpv4(src, dst, protocol, 0, 0, false);
                error = PacketError.OK;
            }
        }
        return error;
    }

    /** From a validated IPv6 packet: see the class comment. Returns OK or why the packet is malformed. */
    public PacketError extract(Ipv6Flyweight ip, FlowKey out) {
        long srcHi = ip.sourceHi();
        long srcLo = ip.sourceLo();
        long dstHi = ip.destinationHi();
        long dstLo = ip.destinationLo();
        int protocol = ip.upperProtocol();
        if (ip.isFragment()) {
            out.setIpv6(srcHi, srcLo, dstHi, dstLo, protocol, 0, 0, true);
            return PacketError.OK;
        }
        if (!ip.walkComplete()) {
            return PacketError.UNSUPPORTED_EXTENSION_HEADER;
        }
        long upperOffset = ip.upperOffset();
        int upperLength = ip.upperLength();
        PacketError error;
        switch (protocol) {
            case IpProtocol.TCP -> {
                error = tcp.wrap(ip.segment(), upperOffset, upperLength);
                if (error == PacketError.OK) {
                    out.setIpv6(srcHi, srcLo, dstHi, dstLo, protocol, tcp.sourcePort(), tcp.destinationPort(),
                            false);
                }
            }
            case IpProtocol.UDP -> {
                error = udp.wrap(ip.segment(), upperOffset, upperLength);
                if (error == PacketError.OK) {
                    out.setIpv6(srcHi, srcLo, dstHi, dstLo, protocol, udp.sourcePort(), udp.destinationPort(),
                            false);
                }
            }
            case IpProtocol.ICMPV6 -> {
                error = icmpv6.wrap(ip.segment(), upperOffset, upperLength);
                if (error == PacketError.OK) {
                    int id = icmpv6.isEchoRequest() || icmpv6.isEchoReply() ? icmpv6.identifier() : 0;
                    out.setIpv6(srcHi, srcLo, dstHi, dstLo, protocol, id, 0, false);
                }
            }
            default -> {
                out.setIpv6(srcHi, srcLo, dstHi, dstLo, protocol, 0, 0, false);
                error = PacketError.OK;
            }
        }
        return error;
    }

    /**
     * For an ICMPv4 error (destination unreachable incl. fragmentation needed, time exceeded, parameter
     * problem) carried by the validated, unfragmented IPv4 packet {@code outer}: the key of the flow the
     * quoted packet belongs to, seen in the CLIENT -> VIP direction. The quote is a packet the backend sent
     * from the VIP to the client, so its addresses and ports are swapped: the key then hashes like the
     * client's own packets of that flow and selects the same backend. The quote may be cut short (RFC 792
     * guarantees the IP header + 8 bytes): its total length is not checked. Ports when the quote is TCP/UDP
     * with at least 4 transport bytes and not a later fragment; an ICMP echo quote gives the identifier (as
     * the echo request's key does); otherwise ports 0, {@code fragment} true for a quoted later fragment.
     *
     * @return OK; UNSUPPORTED_PROTOCOL when {@code outer} is not such an ICMP error (or is a fragment);
     *     TRUNCATED / BAD_VERSION / BAD_IHL for a quote without a complete IPv4 header
     */
    public PacketError extractFromIcmpError(Ipv4Flyweight outer, FlowKey out) {
        if (outer.protocol() != IpProtocol.ICMP || outer.isFragment()) {
            return PacketError.UNSUPPORTED_PROTOCOL;
        }
        PacketError error = icmp.wrap(outer.segment(), outer.payloadOffset(), outer.payloadLength());
        if (error != PacketError.OK) {
            return error;
        }
        int type = icmp.type();
        if (type != Icmpv4Flyweight.TYPE_DESTINATION_UNREACHABLE && type != Icmpv4Flyweight.TYPE_TIME_EXCEEDED
                && type != Icmpv4Flyweight.TYPE_PARAMETER_PROBLEM) {
            return PacketError.UNSUPPORTED_PROTOCOL;
        }
        MemorySegment seg = outer.segment();
        long quote = outer.payloadOffset() + Icmpv4Flyweight.ERROR_PAYLOAD_OFFSET;
        int available = outer.payloadLength() - Icmpv4Flyweight.ERROR_PAYLOAD_OFFSET;
        if (available < Ipv4Flyweight.MIN_HEADER_LENGTH) {
            return PacketError.TRUNCATED;
        }
        int versionIhl = getU8(seg, quote);
        if ((versionIhl >>> 4) != 4) {
            return PacketError.BAD_VERSION;
        }
        int headerLength = (versionIhl & 0x0f) << 2;
        if (headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH) {
            return PacketError.BAD_IHL;
        }
        if (headerLength > available) {
            return PacketError.TRUNCATED;
        }
        int quotedSource = getI32(seg, quote + Ipv4Flyweight.SOURCE_OFFSET);      // the VIP
        int quotedDestination = getI32(seg, quote + Ipv4Flyweight.DESTINATION_OFFSET); // the client
        int protocol = getU8(seg, quote + Ipv4Flyweight.PROTOCOL_OFFSET);
        int flagsFragment = getU16(seg, quote + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET);
        boolean laterFragment = (flagsFragment & Ipv4Flyweight.FRAGMENT_OFFSET_MASK) != 0;
        long transport = quote + headerLength;
        int transportBytes = available - headerLength;
        if (laterFragment) {
            out.setIpv4(quotedDestination, quotedSource, protocol, 0, 0, true);
        } else {
            setReversedPorts(seg, transport, transportBytes, protocol, IpProtocol.ICMP,
                    Icmpv4Flyweight.TYPE_ECHO_REQUEST, Icmpv4Flyweight.TYPE_ECHO_REPLY);
            out.setIpv4(quotedDestination, quotedSource, protocol, portA, portB, portsMissing);
        }
        return PacketError.OK;
    }

    /**
     * The ICMPv6 counterpart of {@link #extractFromIcmpError}: for a destination unreachable, packet too big,
     * time exceeded or parameter problem message carried by the validated IPv6 packet {@code outer}, the
     * CLIENT -> VIP key of the quoted VIP -> client packet (addresses and ports swapped). The quote's header
     * chain is walked within the quoted bytes ({@link Ipv6Flyweight#wrapQuoted}).
     *
     * @return OK; UNSUPPORTED_PROTOCOL when {@code outer} is not such an ICMPv6 error (or is a fragment);
     *     TRUNCATED / BAD_VERSION / BAD_EXTENSION_HEADER for a quote that cannot be read to its upper layer;
     *     UNSUPPORTED_EXTENSION_HEADER when the quote's chain ends in ESP, AH, ...
     */
    public PacketError extractFromIcmpv6Error(Ipv6Flyweight outer, FlowKey out) {
        if (outer.upperProtocol() != IpProtocol.ICMPV6 || !outer.walkComplete() || outer.isFragment()) {
            return PacketError.UNSUPPORTED_PROTOCOL;
        }
        PacketError error = icmpv6.wrap(outer.segment(), outer.upperOffset(), outer.upperLength());
        if (error != PacketError.OK) {
            return error;
        }
        if (!icmpv6.isError()) {
            return PacketError.UNSUPPORTED_PROTOCOL;
        }
        error = quoted6.wrapQuoted(outer.segment(), outer.upperOffset() + Icmpv6Flyweight.ERROR_PAYLOAD_OFFSET,
                outer.upperLength() - Icmpv6Flyweight.ERROR_PAYLOAD_OFFSET);
        if (error != PacketError.OK) {
            return error;
        }
        int protocol = quoted6.upperProtocol();
        long vipHi = quoted6.sourceHi();
        long vipLo = quoted6.sourceLo();
        long clientHi = quoted6.destinationHi();
        long clientLo = quoted6.destinationLo();
        if (quoted6.isFragment() && quoted6.fragmentOffsetBytes() != 0) {
            out.setIpv6(clientHi, clientLo, vipHi, vipLo, protocol, 0, 0, true);
            return PacketError.OK;
        }
        if (!quoted6.walkComplete()) {
            return PacketError.UNSUPPORTED_EXTENSION_HEADER;
        }
        setReversedPorts(quoted6.segment(), quoted6.upperOffset(), quoted6.upperLength(), protocol,
                IpProtocol.ICMPV6, Icmpv6Flyweight.TYPE_ECHO_REQUEST, Icmpv6Flyweight.TYPE_ECHO_REPLY);
        out.setIpv6(clientHi, clientLo, vipHi, vipLo, protocol, portA, portB, portsMissing);
        return PacketError.OK;
    }

    // results of setReversedPorts (fields, so that the hot path returns three values without allocating)
    private int portA;
    private int portB;
    private boolean portsMissing;

    /**
     * Ports of the client -> VIP key from a quoted VIP -> client transport header: TCP/UDP swapped (needs 4
     * bytes), an echo message's identifier as the source port (needs 6 bytes), other protocols 0. Missing
     * bytes leave the ports 0 and mark the key as a fragment-style 3-tuple.
     */
    private void setReversedPorts(MemorySegment seg, long transport, int bytes, int protocol, int icmpProtocol,
                                  int echoRequest, int echoReply) {
        portA = 0;
        portB = 0;
        portsMissing = false;
        if (protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) {
            if (bytes >= 4) {
                portA = getU16(seg, transport + 2); // quoted destination port: the client's source port
                portB = getU16(seg, transport);     // quoted source port: the VIP port
            } else {
                portsMissing = true;
            }
        } else if (protocol == icmpProtocol && bytes >= 6) {
            int type = getU8(seg, transport);
            if (type == echoRequest || type == echoReply) {
                portA = getU16(seg, transport + 4);
            }
        }
    }

    /** The ICMPv6 view of the last packet extracted with upper protocol 58 (valid after an OK result). */
    public Icmpv6Flyweight icmpv6() {
        return icmpv6;
    }

    /** The TCP view of the last packet extracted with protocol TCP (valid after an OK result). */
    public TcpFlyweight tcp() {
        return tcp;
    }

    /** The UDP view of the last packet extracted with protocol UDP (valid after an OK result). */
    public UdpFlyweight udp() {
        return udp;
    }

    /** The ICMPv4 view of the last packet extracted with protocol ICMP (valid after an OK result). */
    public Icmpv4Flyweight icmp() {
        return icmp;
    }
}
