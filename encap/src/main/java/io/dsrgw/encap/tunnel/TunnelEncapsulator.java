package io.dsrgw.encap.tunnel;

import static io.dsrgw.encap.NetworkOrder.getI32;
import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.getU8;
import static io.dsrgw.encap.NetworkOrder.setI32;
import static io.dsrgw.encap.NetworkOrder.setU16;

import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.ip.UdpFlyweight;
import java.lang.foreign.MemorySegment;

/**
 * Writes the outer headers of every {@link TunnelKind} into the headroom in front of an inner packet, so the
 * inner bytes are never copied. What is written, by kind:
 * <pre>
 * IPIP    [IPv4 proto 4 ][inner IPv4]          RFC 2003        20 bytes
 * SIT     [IPv4 proto 41][inner IPv6]          RFC 4213        20
 * GRE     [IPv4 proto 47][GRE][inner v4|v6]    RFC 2784/2890   24 (+4 key, +4 checksum)
 * IP6TNL  [IPv6 nh 4|41 ][inner v4|v6]         RFC 2473        40
 * IP6GRE  [IPv6 nh 47   ][GRE][inner v4|v6]    RFC 7676        44 (+4 key, +4 checksum)
 * GUE     [IPv4 proto 17][UDP][inner v4|v6]    GUE variant 1   28
 * GUE6    [IPv6 nh 17   ][UDP][inner v4|v6]    GUE variant 1   48
 * </pre>
 * Outer IPv4 (see {@link IpipEncapsulator} for the bit diagram): version 4, IHL 5, TOS copied from the inner
 * TOS / traffic class (DSCP per RFC 2983's uniform model, ECN per RFC 6040 section 4.1 "normal mode", CE
 * included), total length, identification = {@code ipId}, DF copied from an inner IPv4 header (RFC 2003
 * section 3.1) and set for an inner IPv6 packet (IPv6 is never fragmented on the path, RFC 4213 section
 * 3.2.1 lets the tunnel behave as a fixed-MTU link), MF 0, offset 0, TTL from the spec, checksum computed.
 *
 * <p>Outer IPv6 (see {@link Ipv6Flyweight}): traffic class copied likewise (RFC 6040, RFC 2473 section 5.1),
 * flow label = the 20 bits given, never 0 (RFC 6438: the flow label carries the inner flow's entropy to
 * ECMP/LAG hashing of the underlay; {@link #flowLabel(long)} folds a flow hash), payload length, next header
 * 4 / 41 / 47, hop limit from the spec, no extension headers (no RFC 2473 tunnel encapsulation limit option:
 * the tunnel never nests).
 *
 * <p>GRE (see {@link GreFlyweight}): C set when the spec asks for a checksum (then computed over the GRE
 * header and the inner packet, RFC 2784 section 2.5), K and the key when keyed, never S; version 0; protocol
 * type 0x0800 / 0x86DD by inner version.
 *
 * <p>GUE (draft-ietf-intarea-gue section 5, variant 1 "direct IP encapsulation"): a UDP header, then the inner
 * packet as is; no GUE header, the inner version nibble (0100 / 0110) is the variant 1 marker that receivers
 * (Linux {@code fou} in {@code gue} mode, Katran) dispatch on. Variant 1 rather than variant 0 with a 4-byte GUE
 * header: 4 bytes less per packet, no fields to fill, and what Katran's GUE mode sends and {@code fou} decodes.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Source port (flow entropy)   |  Destination port (gue-port)  |   RFC 768
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Length (8 + inner length)    |  Checksum                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |0 1 0 0 / 0 1 1 0  inner IPv4 / IPv6 header ...                |   variant 1
 * </pre>
 * Source port: given by the caller, normally {@link TunnelSpec#gueSourcePort(long)} of the flow hash (RFC 8085
 * section 5.1.1: a per-flow source port as entropy; RSS on the receiver, ECMP in the underlay). Checksum: 0 under
 * an IPv4 outer (RFC 768: "no checksum"; the inner packet has its own, as fou and Katran do); under an IPv6
 * outer always computed over the pseudo-header, UDP header and inner packet (RFC 8200 section 8.1), a computed 0
 * sent as 0xffff: RFC 6935's zero-checksum exception needs every receiver configured for it (RFC 6936 section
 * 5), which a gateway cannot know.
 *
 * <p>Per worker, reusable (it keeps no state today, but callers must not rely on that); no allocation; no
 * exceptions.
 */
public final class TunnelEncapsulator {
    private static final int IPV4_HEADER_LENGTH = 20;
    private static final int FLOW_LABEL_MASK = 0xfffff;

    /**
     * Writes outer header(s) for {@code spec} in front of the inner packet of {@code innerLength} bytes at
     * {@code innerOffset} (the caller guarantees {@code spec.overheadBytes()} bytes of headroom and a valid
     * inner packet). {@code innerVersion} (4 or 6) must suit the kind (IPIP: 4, SIT: 6, others: both) and match
     * the inner packet's version nibble.
     *
     * @param ipId outer IPv4 identification (per worker; ignored for IPv6 outers)
     * @param flowLabel outer IPv6 flow label: its low 20 bits, 0 replaced by 1 (ignored for IPv4 outers)
     * @return the outer header offset ({@code innerOffset - spec.overheadBytes()}), or -1 with nothing written
     *     when the combination is invalid, the headroom is missing, the inner packet lies outside the segment,
     *     is shorter than its version's header, or would make the outer length overflow its 16-bit field
     */
    public long encapsulate(MemorySegment seg, long innerOffset, int innerLength, int innerVersion,
                            TunnelSpec spec, int ipId, int flowLabel) {
        return encapsulate(seg, innerOffset, innerLength, innerVersion, spec, ipId, flowLabel,
                spec.gueSourcePortMin());
    }

    /**
     * {@link #encapsulate(MemorySegment, long, int, int, TunnelSpec, int, int)} with the outer UDP source port of
     * the GUE kinds (ignored by the others): pass {@link TunnelSpec#gueSourcePort(long)} of the flow hash. The
     * seven-argument form sends {@link TunnelSpec#gueSourcePortMin()} (probes, tests).
     *
     * @param udpSourcePort the outer UDP source port, low 16 bits used
     */
    public long encapsulate(MemorySegment seg, long innerOffset, int innerLength, int innerVersion,
                            TunnelSpec spec, int ipId, int flowLabel, int udpSourcePort) {
        int overhead = spec.overheadBytes();
        int minInner = innerVersion == 4 ? Ipv4Flyweight.MIN_HEADER_LENGTH : Ipv6Flyweight.HEADER_LENGTH;
        // NONE (L2 DSR) has no outer header to write: the caller sends the packet itself.
        if (spec.linkLayer() || !spec.acceptsInner(innerVersion) || innerOffset < overhead || innerLength < minInner
                || innerOffset > seg.byteSize() - innerLength
                || (getU8(seg, innerOffset) >>> 4) != innerVersion) {
            return -1;
        }
        int outerIpLength = spec.outerFamily() == 4 ? IPV4_HEADER_LENGTH : Ipv6Flyweight.HEADER_LENGTH;
        // IPv4 total length counts the header, IPv6 payload length does not; both are 16-bit fields
        if (innerLength + overhead - (spec.outerFamily() == 4 ? 0 : outerIpLength) > 0xffff) {
            return -1;
        }
        int innerTos;
        boolean dontFragment;
        if (innerVersion == 4) {
            innerTos = getU8(seg, innerOffset + Ipv4Flyweight.TOS_OFFSET);
            dontFragment = (getU16(seg, innerOffset + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET)
                    & Ipv4Flyweight.FLAG_DONT_FRAGMENT) != 0;
        } else {
            innerTos = (getI32(seg, innerOffset) >>> 20) & 0xff;
            dontFragment = true;
        }
        long outer = innerOffset - overhead;
        long next = outer + outerIpLength; // GRE or UDP header
        int protocol = switch (spec.kind()) {
            case GRE, IP6GRE -> IpProtocol.GRE;
            case GUE, GUE6 -> IpProtocol.UDP;
            default -> innerVersion == 4 ? IpProtocol.IPIP : IpProtocol.IPV6;
        };
        if (spec.greHeaderLength() != 0) {
            writeGre(seg, next, innerLength, innerVersion, spec);
        }
        boolean gue = spec.kind().isGue();
        if (gue) {
            writeUdp(seg, next, innerLength, udpSourcePort, spec.gueDestinationPort());
        }
        if (spec.outerFamily() == 4) {
            Ipv4Flyweight.writeHeader(seg, outer, innerTos, innerLength + overhead, ipId,
                    dontFragment ? Ipv4Flyweight.FLAG_DONT_FRAGMENT : 0, spec.ttl(), protocol, spec.ipv4Source(),
                    spec.ipv4Destination());
        } else {
            int label = flowLabel & FLOW_LABEL_MASK;
            Ipv6Flyweight.writeHeader(seg, outer, innerTos, label == 0 ? 1 : label,
                    innerLength + overhead - outerIpLength, protocol, spec.ttl(), spec.sourceHi(), spec.sourceLo(),
                    spec.destinationHi(), spec.destinationLo());
            if (gue) {
                int udpLength = UdpFlyweight.HEADER_LENGTH + innerLength;
                setU16(seg, next + UdpFlyweight.CHECKSUM_OFFSET, InternetChecksum.udpIpv6(seg, next, udpLength,
                        spec.sourceHi(), spec.sourceLo(), spec.destinationHi(), spec.destinationLo()));
            }
        }
        return outer;
    }

    /** GUE's UDP header at {@code udp} with checksum 0 (an IPv6 outer fills it in once the header is written). */
    private static void writeUdp(MemorySegment seg, long udp, int innerLength, int sourcePort, int destinationPort) {
        setU16(seg, udp + UdpFlyweight.SOURCE_PORT_OFFSET, sourcePort & 0xffff);
        setU16(seg, udp + UdpFlyweight.DESTINATION_PORT_OFFSET, destinationPort);
        setU16(seg, udp + UdpFlyweight.LENGTH_OFFSET, UdpFlyweight.HEADER_LENGTH + innerLength);
        setU16(seg, udp + UdpFlyweight.CHECKSUM_OFFSET, 0);
    }

    /** GRE header at {@code gre}, directly followed by the inner packet; checksum last (it covers both). */
    private static void writeGre(MemorySegment seg, long gre, int innerLength, int innerVersion, TunnelSpec spec) {
        int flags = (spec.greChecksum() ? GreFlyweight.FLAG_CHECKSUM : 0) | (spec.greKey() ? GreFlyweight.FLAG_KEY : 0);
        setU16(seg, gre + GreFlyweight.FLAGS_VERSION_OFFSET, flags);
        setU16(seg, gre + GreFlyweight.PROTOCOL_TYPE_OFFSET,
                innerVersion == 4 ? GreFlyweight.PROTOCOL_IPV4 : GreFlyweight.PROTOCOL_IPV6);
        long next = gre + GreFlyweight.BASE_HEADER_LENGTH;
        if (spec.greChecksum()) {
            setI32(seg, next, 0); // checksum and Reserved1, zero while summing
            next += GreFlyweight.OPTIONAL_FIELD_LENGTH;
        }
        if (spec.greKey()) {
            setI32(seg, next, spec.key());
        }
        if (spec.greChecksum()) {
            int greLength = spec.greHeaderLength() + innerLength;
            setU16(seg, gre + GreFlyweight.CHECKSUM_OFFSET, InternetChecksum.compute(seg, gre, greLength));
        }
    }

    /**
     * The outer IPv6 flow label for a flow hash (RFC 6438 section 3): the 64 bits folded to 20 by XOR, 0
     * replaced by 1 (0 means "no label", RFC 6437). Static, no allocation.
     */
    public static int flowLabel(long flowHash) {
        long folded = flowHash ^ (flowHash >>> 20) ^ (flowHash >>> 40) ^ (flowHash >>> 60);
        int label = (int) folded & FLOW_LABEL_MASK;
        return label == 0 ? 1 : label;
    }
}
