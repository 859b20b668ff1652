package io.dsrgw.encap.flow;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.Icmpv4Flyweight;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.TcpFlyweight;
import io.dsrgw.encap.ip.UdpFlyweight;

/**
 * Extracts the {@link FlowKey} of a packet whose IPv4 header was validated by
 * {@link Ipv4Flyweight#wrap} (result OK). Owns one transport flyweight per protocol, which after a
 * successful {@link #extract} stays wrapped on the packet for callers that need more than the key
 * (e.g. TCP flags): see {@link #tcp()}, {@link #udp()}, {@link #icmp()}.
 *
 * <p>Keys:
 * <ul>
 *   <li>any fragment (first, middle or last): (src, dst, proto), ports 0, {@code fragment = true}, so all
 *       fragments of a datagram select the same backend (the later ones carry no ports);</li>
 *   <li>TCP, UDP: the 5-tuple; the transport header must be complete (TRUNCATED / BAD_TRANSPORT_HEADER);</li>
 *   <li>ICMP echo request or reply: source port = identifier, destination port 0;</li>
 *   <li>other ICMP and other protocols: ports 0.</li>
 * </ul>
 * Not thread-safe; allocation-free; never throws.
 */
public final class FlowKeyExtractor {
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final Icmpv4Flyweight icmp = new Icmpv4Flyweight();

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
