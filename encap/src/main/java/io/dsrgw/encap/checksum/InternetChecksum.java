package io.dsrgw.encap.checksum;

import static io.dsrgw.encap.NetworkOrder.U32;
import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.getU8;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of the data
 * taken as big-endian 16-bit words (an odd trailing byte is padded with a zero byte). Used by the IPv4
 * header (RFC 791), TCP/UDP (with the IPv4 pseudo-header, RFC 9293 section 3.1 / RFC 768) and ICMPv4.
 *
 * <p>Two kinds of functions: {@code *Sum} return an unfolded partial sum (a {@code long} accumulator, so
 * partial sums over several ranges can be added before {@link #finish}); the others return the final
 * 16-bit checksum to store in the header. Computing over data that already holds a correct checksum
 * returns 0. Static, allocation-free, no exceptions for in-bounds ranges.
 */
public final class InternetChecksum {
    private InternetChecksum() {
    }

    /** The checksum of {@code len} bytes at {@code off}: the value to store in a zeroed checksum field. */
    public static int compute(MemorySegment seg, long off, int len) {
        return finish(sum(seg, off, len));
    }

    /** The IPv4 header checksum over {@code headerLen} bytes (the field itself must be 0 to compute it,
     *  or hold the transmitted value to verify: then the result is 0). */
    public static int ipv4Header(MemorySegment seg, long off, int headerLen) {
        return compute(seg, off, headerLen);
    }

    /**
     * Unfolded one's complement sum of the bytes, to combine with other partial sums. Reads 32 bits at a
     * time: the sum of the two halves of a big-endian 32-bit word, accumulated in 64 bits, folds to the
     * same 16-bit result (RFC 1071 section 2 (B), "parallel summation").
     */
    public static long sum(MemorySegment seg, long off, int len) {
        long sum = 0;
        long i = off;
        long end = off + len;
        while (end - i >= 4) {
            sum += seg.get(U32, i) & 0xffffffffL;
            i += 4;
        }
        if (end - i >= 2) {
            sum += getU16(seg, i);
            i += 2;
        }
        if (i < end) {
            sum += getU8(seg, i) << 8;
        }
        return sum;
    }

    /** Folds a partial sum to 16 bits and complements it: the checksum field value. */
    public static int finish(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /**
     * Partial sum of the IPv4 pseudo-header used by TCP and UDP (RFC 768, RFC 9293 section 3.1):
     * source, destination, zero byte, protocol, and the transport length (header + data) in bytes.
     * <pre>
     * +--------+--------+--------+--------+
     * |           Source Address          |
     * +--------+--------+--------+--------+
     * |         Destination Address       |
     * +--------+--------+--------+--------+
     * |  zero  |protocol|  transport len  |
     * +--------+--------+--------+--------+
     * </pre>
     */
    public static long ipv4PseudoHeaderSum(int source, int destination, int protocol, int transportLength) {
        return (source >>> 16) + (source & 0xffff) + (destination >>> 16) + (destination & 0xffff)
                + protocol + transportLength;
    }

    /**
     * TCP checksum over the IPv4 pseudo-header and the segment ({@code len} bytes at {@code off}, checksum
     * field zeroed to compute, or as received to verify: then 0).
     */
    public static int tcpIpv4(MemorySegment seg, long off, int len, int source, int destination) {
        return finish(ipv4PseudoHeaderSum(source, destination, 6, len) + sum(seg, off, len));
    }

    /**
     * UDP checksum to store (field zeroed while computing): like {@link #tcpIpv4}, except that a computed 0
     * is returned as 0xffff, because 0 in the field means "no checksum" (RFC 768). To verify a received
     * datagram whose field is not 0, use {@link #verifyIpv4Transport}.
     */
    public static int udpIpv4(MemorySegment seg, long off, int len, int source, int destination) {
        int checksum = finish(ipv4PseudoHeaderSum(source, destination, 17, len) + sum(seg, off, len));
        return checksum == 0 ? 0xffff : checksum;
    }

    /**
     * True when a received TCP segment or UDP datagram (field not 0) carries a correct checksum: the sum over
     * pseudo-header and data, checksum included, folds to 0xffff.
     */
    public static boolean verifyIpv4Transport(MemorySegment seg, long off, int len, int source, int destination,
                                              int protocol) {
        return finish(ipv4PseudoHeaderSum(source, destination, protocol, len) + sum(seg, off, len)) == 0;
    }

    /** ICMPv4 checksum: plain RFC 1071 over the whole message, no pseudo-header (RFC 792). */
    public static int icmpv4(MemorySegment seg, long off, int len) {
        return compute(seg, off, len);
    }

    /**
     * Partial sum of the IPv6 pseudo-header (RFC 8200 section 8.1) used by TCP, UDP and ICMPv6: source,
     * destination, the 32-bit upper-layer packet length, three zero bytes and the next header.
     * <pre>
     * +--------+--------+--------+--------+
     * |     Source Address (16 bytes)     |
     * +--------+--------+--------+--------+
     * |   Destination Address (16 bytes)  |
     * +--------+--------+--------+--------+
     * |       Upper-Layer Packet Length   |
     * +--------+--------+--------+--------+
     * |           zero           |  Next  |
     * +--------+--------+--------+--------+
     * </pre>
     */
    public static long ipv6PseudoHeaderSum(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader,
                                           int upperLength) {
        return words(srcHi) + words(srcLo) + words(dstHi) + words(dstLo) + (upperLength >>> 16)
                + (upperLength & 0xffff) + nextHeader;
    }

    private static long words(long v) {
        return (v >>> 48) + ((v >>> 32) & 0xffff) + ((v >>> 16) & 0xffff) + (v & 0xffff);
    }

    /**
     * ICMPv6 checksum (RFC 4443 section 2.3): over the IPv6 pseudo-header (next header 58) and the message of
     * {@code len} bytes (checksum field zeroed to compute, as received to verify: then 0).
     */
    public static int icmpv6(MemorySegment seg, long off, int len, long srcHi, long srcLo, long dstHi,
                             long dstLo) {
        return finish(ipv6PseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, 58, len) + sum(seg, off, len));
    }

    /** TCP checksum over the IPv6 pseudo-header and the segment (field zeroed to compute; verify: 0). */
    public static int tcpIpv6(MemorySegment seg, long off, int len, long srcHi, long srcLo, long dstHi,
                              long dstLo) {
        return finish(ipv6PseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, 6, len) + sum(seg, off, len));
    }

    /**
     * UDP checksum over the IPv6 pseudo-header (mandatory for IPv6, RFC 8200 section 8.1; a computed 0 is
     * sent as 0xffff).
     */
    public static int udpIpv6(MemorySegment seg, long off, int len, long srcHi, long srcLo, long dstHi,
                              long dstLo) {
        int checksum = finish(ipv6PseudoHeaderSum(srcHi, srcLo, dstHi, dstLo, 17, len) + sum(seg, off, len));
        return checksum == 0 ? 0xffff : checksum;
    }
}
