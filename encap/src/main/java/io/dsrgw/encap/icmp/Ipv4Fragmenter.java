package io.dsrgw.encap.icmp;

import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.getU8;
import static io.dsrgw.encap.NetworkOrder.setU16;
import static io.dsrgw.encap.NetworkOrder.setU8;

import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import java.lang.foreign.MemorySegment;

/**
 * IPv4 fragmentation (RFC 791 section 3.2, "Fragmentation and reassembly" procedure). The gateway uses it on
 * the OUTER packet of an IPv4 tunnel when the inner packet allows fragmentation (RFC 2003 section 5.1: the
 * encapsulator fragments the outer datagram; the backend reassembles before decapsulating), and on an inner
 * IPv4 packet without DF before it is put into an IPv6 outer (RFC 2473 section 7.1 discourages fragmenting
 * the outer IPv6 packet).
 *
 * <p>Each fragment gets a copy of the header with total length, MF and fragment offset set and the checksum
 * recomputed; identification, TOS, TTL, protocol and addresses are kept. The first fragment keeps all
 * options; later fragments only the options whose copied flag (the high bit of the type) is set, followed by
 * end-of-list padding to a multiple of 4 bytes. Every fragment but the last carries a multiple of 8 data
 * bytes. Fragmenting a fragment works: offsets add to its own offset and its MF survives on the last piece.
 * Static, thread-safe, allocation-free, never throws.
 */
public final class Ipv4Fragmenter {
    /** The smallest MTU every IPv4 module must forward without further fragmentation (RFC 791). */
    public static final int MIN_MTU = 68;

    private Ipv4Fragmenter() {
    }

    /**
     * Splits the IPv4 packet at {@code seg[offset, +length)} into fragments of at most {@code mtu} bytes;
     * fragment i is written at {@code dst[i]} + {@code dstOffset}, its length stored in {@code lengths[i]}.
     * A packet that already fits is copied to {@code dst[0]} unchanged (1 fragment). {@code dst[0]} may be
     * the original's own buffer at the original's offset (the first fragment is written last, in place); no
     * other destination may overlap the original. To put each fragment into a tunnel afterwards (inner
     * fragmentation before an IPv6 outer), choose {@code dstOffset} at least the tunnel's overhead, so that the
     * encapsulator finds its headroom in front of every fragment.
     *
     * @return the number of fragments, or -1 with nothing written when the packet is not a valid IPv4 header
     *     with its total length within {@code length}, DF is set, {@code mtu} is below 68 or too small for
     *     8 data bytes after the header, or {@code dst} / {@code lengths} has too few entries or room
     */
    public static int fragment(MemorySegment seg, long offset, int length, int mtu, MemorySegment[] dst,
                               long dstOffset, int[] lengths) {
        if (length < Ipv4Flyweight.MIN_HEADER_LENGTH || offset < 0 || offset > seg.byteSize() - length
                || mtu < MIN_MTU || dstOffset < 0) {
            return -1;
        }
        int versionIhl = getU8(seg, offset);
        int headerLength = (versionIhl & 0x0f) << 2;
        int totalLength = getU16(seg, offset + Ipv4Flyweight.TOTAL_LENGTH_OFFSET);
        int flagsWord = getU16(seg, offset + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET);
        if ((versionIhl >>> 4) != 4 || headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH || totalLength > length
                || headerLength > totalLength || (flagsWord & Ipv4Flyweight.FLAG_DONT_FRAGMENT) != 0) {
            return -1;
        }
        if (totalLength <= mtu) {
            if (dst.length < 1 || lengths.length < 1 || dstOffset > dst[0].byteSize() - totalLength) {
                return -1;
            }
            MemorySegment.copy(seg, offset, dst[0], dstOffset, totalLength);
            lengths[0] = totalLength;
            return 1;
        }
        int laterHeaderLength = Ipv4Flyweight.MIN_HEADER_LENGTH
                + ((copiedOptionsLength(seg, offset, headerLength) + 3) & ~3);
        int payload = totalLength - headerLength;
        int firstChunk = (mtu - headerLength) & ~7;
        int laterChunk = (mtu - laterHeaderLength) & ~7;
        if (firstChunk < 8) {
            return -1;
        }
        int count = 1 + (payload - firstChunk + laterChunk - 1) / laterChunk;
        if (count > dst.length || count > lengths.length) {
            return -1;
        }
        for (int i = 0; i < count; i++) {
            int start = i == 0 ? 0 : firstChunk + (i - 1) * laterChunk;
            int fragmentLength = (i == 0 ? headerLength : laterHeaderLength)
                    + Math.min(i == 0 ? firstChunk : laterChunk, payload - start);
            if (dst[i] == null || dstOffset > dst[i].byteSize() - fragmentLength) {
                return -1;
            }
        }
        boolean originalMore = (flagsWord & Ipv4Flyweight.FLAG_MORE_FRAGMENTS) != 0;
        int originalOffsetBytes = (flagsWord & Ipv4Flyweight.FRAGMENT_OFFSET_MASK) << 3;
        for (int i = count - 1; i >= 0; i--) { // the first last: dst[0] may be the original itself
            int start = i == 0 ? 0 : firstChunk + (i - 1) * laterChunk;
            int data = Math.min(i == 0 ? firstChunk : laterChunk, payload - start);
            int h = i == 0 ? headerLength : laterHeaderLength;
            MemorySegment out = dst[i];
            long fragment = dstOffset;
            MemorySegment.copy(seg, offset + headerLength + start, out, fragment + h, data);
            if (i == 0) {
                MemorySegment.copy(seg, offset, out, fragment, headerLength);
            } else {
                MemorySegment.copy(seg, offset, out, fragment, Ipv4Flyweight.MIN_HEADER_LENGTH);
                writeCopiedOptions(seg, offset, headerLength, out, fragment + Ipv4Flyweight.MIN_HEADER_LENGTH,
                        laterHeaderLength - Ipv4Flyweight.MIN_HEADER_LENGTH);
            }
            boolean more = i < count - 1 || originalMore;
            setU8(out, fragment + Ipv4Flyweight.VERSION_IHL_OFFSET, 0x40 | (h >>> 2));
            setU16(out, fragment + Ipv4Flyweight.TOTAL_LENGTH_OFFSET, h + data);
            setU16(out, fragment + Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET,
                    (more ? Ipv4Flyweight.FLAG_MORE_FRAGMENTS : 0) | ((originalOffsetBytes + start) >>> 3));
            setU16(out, fragment + Ipv4Flyweight.HEADER_CHECKSUM_OFFSET, 0);
            setU16(out, fragment + Ipv4Flyweight.HEADER_CHECKSUM_OFFSET,
                    InternetChecksum.ipv4Header(out, fragment, h));
            lengths[i] = h + data;
        }
        return count;
    }

    /** Bytes of the options whose copied flag is set (RFC 791: type bit 0x80), before padding. */
    private static int copiedOptionsLength(MemorySegment seg, long offset, int headerLength) {
        int total = 0;
        int i = Ipv4Flyweight.MIN_HEADER_LENGTH;
        while (i < headerLength) {
            int type = getU8(seg, offset + i);
            if (type == Ipv4Flyweight.OPTION_END_OF_LIST) {
                break;
            }
            int optionLength = optionLength(seg, offset, i, headerLength, type);
            if (optionLength <= 0) {
                break;
            }
            if ((type & 0x80) != 0) {
                total += optionLength;
            }
            i += optionLength;
        }
        return total;
    }

    /** Writes the copied options followed by end-of-list bytes, {@code room} bytes in all. */
    private static void writeCopiedOptions(MemorySegment seg, long offset, int headerLength, MemorySegment out,
                                           long at, int room) {
        int written = 0;
        int i = Ipv4Flyweight.MIN_HEADER_LENGTH;
        while (i < headerLength) {
            int type = getU8(seg, offset + i);
            if (type == Ipv4Flyweight.OPTION_END_OF_LIST) {
                break;
            }
            int optionLength = optionLength(seg, offset, i, headerLength, type);
            if (optionLength <= 0) {
                break;
            }
            if ((type & 0x80) != 0) {
                MemorySegment.copy(seg, offset + i, out, at + written, optionLength);
                written += optionLength;
            }
            i += optionLength;
        }
        while (written < room) {
            setU8(out, at + written++, Ipv4Flyweight.OPTION_END_OF_LIST);
        }
    }

    /** Length of the option at header byte i (1 for NOP), or -1 when malformed (then the walk stops). */
    private static int optionLength(MemorySegment seg, long offset, int i, int headerLength, int type) {
        if (type == Ipv4Flyweight.OPTION_NO_OPERATION) {
            return 1;
        }
        if (i + 1 >= headerLength) {
            return -1;
        }
        int optionLength = getU8(seg, offset + i + 1);
        return optionLength < 2 || i + optionLength > headerLength ? -1 : optionLength;
    }
}
