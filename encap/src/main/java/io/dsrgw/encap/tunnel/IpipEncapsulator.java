package io.dsrgw.encap.tunnel;

import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.getU8;

import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import java.lang.foreign.MemorySegment;

/**
 * IPv4-in-IPv4 encapsulation (RFC 2003 section 3.1), written into the headroom in front of the inner packet
 * so that the inner bytes are never copied. The outer header, 20 bytes without options:
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  4    |  5    | inner DSCP|ECN|   inner length + 20           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            ipId               |0|D|0|          0              |   D = inner DF
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      ttl      |       4       |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 outer source (tunnel source)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 outer destination (backend)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The whole TOS byte is copied: DSCP per the uniform model of RFC 2983, ECN per the "normal mode" of
 * RFC 6040 section 4.1 (the ingress copies the inner ECN field, CE included). DF is copied from the inner
 * header (RFC 2003 section 3.1: "the Don't Fragment flag ... MUST be set if it is set in the inner
 * header"). Stateless and thread-safe; no allocation; no exceptions.
 */
public final class IpipEncapsulator {
    /** Bytes of the outer IPv4 header (no options). */
    public static final int OVERHEAD = 20;
    /** Largest inner packet whose outer total length still fits the 16-bit field. */
    public static final int MAX_INNER_LENGTH = Ipv4Flyweight.MAX_TOTAL_LENGTH - OVERHEAD;

    private IpipEncapsulator() {
    }

    /**
     * Writes a 20-byte outer IPv4 header at {@code innerOffset - 20} in front of the IPv4 packet of
     * {@code innerLength} bytes at {@code innerOffset} (validated by the caller; the caller guarantees the
     * headroom). Outer: version 4, IHL 5, DSCP+ECN copied from the inner header, total length, identification
     * = {@code ipId}, DF copied from the inner header, MF 0, offset 0, TTL = {@code ttl}, protocol 4,
     * source/destination as given, header checksum computed.
     *
     * @return the outer header offset ({@code innerOffset - 20}), or -1 with nothing written when there is
     *     no headroom, the inner packet lies outside the segment, or {@code innerLength} is not within
     *     20..{@link #MAX_INNER_LENGTH}
     */
    public static long encapsulate(MemorySegment seg, long innerOffset, int innerLength,
                                   int outerSource, int outerDestination, int ttl, int ipId) {
        if (innerOffset < OVERHEAD || innerLength < Ipv4Flyweight.MIN_HEADER_LENGTH
                || innerLength > MAX_INNER_LENGTH || innerOffset > seg.byteSize() - innerLength) {
            return -1;
        }
        long outer = innerOffset - OVERHEAD;
        int innerTos = getU8(seg, innerOffset + Ipv4Flyweight.TOS_OFFSET);
        int innerDf = getU16(seg, innerOffset + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET)
                & Ipv4Flyweight.FLAG_DONT_FRAGMENT;
        Ipv4Flyweight.writeHeader(seg, outer, innerTos, innerLength + OVERHEAD, ipId, innerDf, ttl, IpProtocol.IPIP,
                outerSource, outerDestination);
        return outer;
    }
}
