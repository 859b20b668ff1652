package io.dsrgw.encap.ip;

import static io.dsrgw.encap.NetworkOrder.getI32;
import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.getU8;
import static io.dsrgw.encap.NetworkOrder.setI32;
import static io.dsrgw.encap.NetworkOrder.setU16;
import static io.dsrgw.encap.NetworkOrder.setU8;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.checksum.InternetChecksum;
import java.lang.foreign.MemorySegment;

/**
 * Reusable view of an IPv4 header (RFC 791 section 3.1), options included, in network byte order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |  DSCP     |ECN|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |R|D|M|     Fragment Offset     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL > 5)          |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The TOS byte is DSCP (RFC 2474) and ECN (RFC 3168); flags are R (reserved, must be 0), D (don't
 * fragment), M (more fragments); the fragment offset counts 8-byte units.
 *
 * <p>{@link #wrap} validates once; afterwards the getters read the bytes directly (so setters are
 * visible immediately) and never fail. {@link #wrapForWrite} attaches without validation for building a
 * header. Not thread-safe: one instance per worker, reused for every packet, never stored.
 */
public final class Ipv4Flyweight {
    /** IPv4 header without options: 5 32-bit words. */
    public static final int MIN_HEADER_LENGTH = 20;
    /** IHL is 4 bits of 32-bit words: 15 * 4. */
    public static final int MAX_HEADER_LENGTH = 60;
    /** Total length is a 16-bit field. */
    public static final int MAX_TOTAL_LENGTH = 65535;

    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int HEADER_CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    public static final int OPTIONS_OFFSET = 20;

    /** Bits of the 16-bit flags/fragment-offset word. */
    public static final int FLAG_RESERVED = 0x8000;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;

    /** Option types with a single byte and no length (RFC 791 section 3.1). */
    public static final int OPTION_END_OF_LIST = 0;
    public static final int OPTION_NO_OPERATION = 1;

    private MemorySegment seg = MemorySegment.NULL;
    private long offset;

    /**
     * Attaches to the header at {@code offset} and validates it against the {@code capturedLength} bytes
     * available there. Checks, in this order: at least 20 bytes (TRUNCATED); version 4 (BAD_VERSION);
     * IHL at least 5 (BAD_IHL); total length not above the captured bytes (BAD_TOTAL_LENGTH); header length
     * not above the total length (BAD_IHL); option type/length bytes inside the header (BAD_OPTIONS);
     * reserved flag clear, fragment offset + payload within 65535, non-last fragments carrying a multiple
     * of 8 bytes, no empty fragments (BAD_FRAGMENT; the same rules as Linux's ip_frag_queue()). Bytes after the
     * total length (link padding) are ignored. The checksum is not verified here ({@link #checksumValid()}),
     * because TUN and local stacks deliver it correct and a router must not care. Never throws; on an error
     * the view is still attached (for diagnostics) but its getters may then read beyond the packet.
     */
    public PacketError wrap(MemorySegment seg, long offset, int capturedLength) {
        this.seg = seg;
        this.offset = offset;
        if (capturedLength < MIN_HEADER_LENGTH || offset < 0 || offset > seg.byteSize() - capturedLength) {
            return PacketError.TRUNCATED;
        }
        int versionIhl = getU8(seg, offset);
        if ((versionIhl >>> 4) != 4) {
            return PacketError.BAD_VERSION;
        }
        int headerLength = (versionIhl & 0x0f) << 2;
        if (headerLength < MIN_HEADER_LENGTH) {
            return PacketError.BAD_IHL;
        }
        int totalLength = getU16(seg, offset + TOTAL_LENGTH_OFFSET);
        if (totalLength > capturedLength) {
            return PacketError.BAD_TOTAL_LENGTH;
        }
        if (headerLength > totalLength) {
            return PacketError.BAD_IHL;
        }
        if (headerLength > MIN_HEADER_LENGTH && !optionsValid(seg, offset + OPTIONS_OFFSET,
                headerLength - MIN_HEADER_LENGTH)) {
            return PacketError.BAD_OPTIONS;
        }
        int flagsFragment = getU16(seg, offset + FLAGS_FRAGMENT_OFFSET);
        if ((flagsFragment & FLAG_RESERVED) != 0) {
            return PacketError.BAD_FRAGMENT;
        }
        int payloadLength = totalLength - headerLength;
        int fragmentOffsetBytes = (flagsFragment & FRAGMENT_OFFSET_MASK) << 3;
        if (fragmentOffsetBytes + payloadLength > MAX_TOTAL_LENGTH) {
            return PacketError.BAD_FRAGMENT; // the reassembled datagram could not exist (ping of death)
        }
        if ((flagsFragment & FLAG_MORE_FRAGMENTS) != 0 && (payloadLength & 7) != 0) {
            return PacketError.BAD_FRAGMENT; // RFC 791: every fragment but the last carries 8-byte units
        }
        if ((flagsFragment & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0 && payloadLength == 0) {
            return PacketError.BAD_FRAGMENT; // an empty fragment adds nothing; Linux discards it too
        }
        return PacketError.OK;
    }

    /** Walks the option list: EOL ends it, NOP is one byte, every other option has a length byte >= 2. */
    private static boolean optionsValid(MemorySegment seg, long start, int length) {
        int i = 0;
        while (i < length) {
            int type = getU8(seg, start + i);
            if (type == OPTION_END_OF_LIST) {
                return true;
            }
            if (type == OPTION_NO_OPERATION) {
                i++;
                continue;
            }
            if (i + 1 >= length) {
                return false;
            }
            int optionLength = getU8(seg, start + i + 1);
            if (optionLength < 2 || i + optionLength > length) {
                return false;
            }
            i += optionLength;
        }
        return true;
    }

    /**
     * Attaches without any validation, to build or rewrite a header in place (the caller guarantees
     * {@link #MIN_HEADER_LENGTH} writable bytes, more with options).
     */
    public Ipv4Flyweight wrapForWrite(MemorySegment seg, long offset) {
        this.seg = seg;
        this.offset = offset;
        return this;
    }

    public MemorySegment segment() {
        return seg;
    }

    /** Byte offset of the header in {@link #segment()}. */
    public long offset() {
        return offset;
    }

    public int version() {
        return getU8(seg, offset) >>> 4;
    }

    /** Header length in bytes (IHL * 4), options included. */
    public int headerLength() {
        return (getU8(seg, offset) & 0x0f) << 2;
    }

    /** Sets version and IHL from a header length in bytes (a multiple of 4 in 20..60). */
    public Ipv4Flyweight versionAndHeaderLength(int version, int headerLengthBytes) {
        setU8(seg, offset, (version << 4) | ((headerLengthBytes >>> 2) & 0x0f));
        return this;
    }

    public int totalLength() {
        return getU16(seg, offset + TOTAL_LENGTH_OFFSET);
    }

    public Ipv4Flyweight totalLength(int v) {
        setU16(seg, offset + TOTAL_LENGTH_OFFSET, v);
        return this;
    }

    /** The whole second byte: DSCP (6 bits) and ECN (2 bits). */
    public int tos() {
        return getU8(seg, offset + TOS_OFFSET);
    }

    public Ipv4Flyweight tos(int v) {
        setU8(seg, offset + TOS_OFFSET, v);
        return this;
    }

    public int dscp() {
        return tos() >>> 2;
    }

    public int ecn() {
        return tos() & 0x03;
    }

    public int identification() {
        return getU16(seg, offset + IDENTIFICATION_OFFSET);
    }

    public Ipv4Flyweight identification(int v) {
        setU16(seg, offset + IDENTIFICATION_OFFSET, v);
        return this;
    }

    /** The raw 16-bit flags and fragment offset word. */
    public int flagsAndFragmentOffset() {
        return getU16(seg, offset + FLAGS_FRAGMENT_OFFSET);
    }

    public Ipv4Flyweight flagsAndFragmentOffset(int v) {
        setU16(seg, offset + FLAGS_FRAGMENT_OFFSET, v);
        return this;
    }

    public boolean dontFragment() {
        return (flagsAndFragmentOffset() & FLAG_DONT_FRAGMENT) != 0;
    }

    public Ipv4Flyweight dontFragment(boolean on) {
        int word = flagsAndFragmentOffset();
        return flagsAndFragmentOffset(on ? word | FLAG_DONT_FRAGMENT : word & ~FLAG_DONT_FRAGMENT);
    }

    public boolean moreFragments() {
        return (flagsAndFragmentOffset() & FLAG_MORE_FRAGMENTS) != 0;
    }

    public Ipv4Flyweight moreFragments(boolean on) {
        int word = flagsAndFragmentOffset();
        return flagsAndFragmentOffset(on ? word | FLAG_MORE_FRAGMENTS : word & ~FLAG_MORE_FRAGMENTS);
    }

    /** Offset of this fragment's payload in the original datagram, in bytes (field value * 8). */
    public int fragmentOffsetBytes() {
        return (flagsAndFragmentOffset() & FRAGMENT_OFFSET_MASK) << 3;
    }

    /** Sets the fragment offset from a byte count (must be a multiple of 8, at most 65528). */
    public Ipv4Flyweight fragmentOffsetBytes(int bytes) {
        int word = flagsAndFragmentOffset();
        return flagsAndFragmentOffset((word & ~FRAGMENT_OFFSET_MASK) | ((bytes >>> 3) & FRAGMENT_OFFSET_MASK));
    }

    /** True for any fragment (first, middle or last): MF set or a non-zero fragment offset. */
    public boolean isFragment() {
        return (flagsAndFragmentOffset() & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    /** True when the payload starts with the transport header: not a fragment, or the first fragment. */
    public boolean carriesTransportHeader() {
        return (flagsAndFragmentOffset() & FRAGMENT_OFFSET_MASK) == 0;
    }

    public int ttl() {
        return getU8(seg, offset + TTL_OFFSET);
    }

    public Ipv4Flyweight ttl(int v) {
        setU8(seg, offset + TTL_OFFSET, v);
        return this;
    }

    /** The payload protocol number (see {@link IpProtocol}). */
    public int protocol() {
        return getU8(seg, offset + PROTOCOL_OFFSET);
    }

    public Ipv4Flyweight protocol(int v) {
        setU8(seg, offset + PROTOCOL_OFFSET, v);
        return this;
    }

    public int headerChecksum() {
        return getU16(seg, offset + HEADER_CHECKSUM_OFFSET);
    }

    public Ipv4Flyweight headerChecksum(int v) {
        setU16(seg, offset + HEADER_CHECKSUM_OFFSET, v);
        return this;
    }

    /** Source address as an int holding the big-endian value (10.0.0.1 is 0x0a000001). */
    public int source() {
        return getI32(seg, offset + SOURCE_OFFSET);
    }

    public Ipv4Flyweight source(int v) {
        setI32(seg, offset + SOURCE_OFFSET, v);
        return this;
    }

    /** Destination address as an int holding the big-endian value. */
    public int destination() {
        return getI32(seg, offset + DESTINATION_OFFSET);
    }

    public Ipv4Flyweight destination(int v) {
        setI32(seg, offset + DESTINATION_OFFSET, v);
        return this;
    }

    /** Offset of the first payload byte (after the options). */
    public long payloadOffset() {
        return offset + headerLength();
    }

    /** Total length minus header length. */
    public int payloadLength() {
        return totalLength() - headerLength();
    }

    /**
     * Writes a complete 20-byte header without options at {@code offset}, checksum included: the one place
     * where encapsulators and ICMP builders create IPv4 headers. {@code flagsAndFragmentOffset} is the raw
     * 16-bit word (e.g. {@link #FLAG_DONT_FRAGMENT}). Static, no allocation; the caller guarantees 20 bytes.
     */
    public static void writeHeader(MemorySegment seg, long offset, int tos, int totalLength, int identification,
                                   int flagsAndFragmentOffset, int ttl, int protocol, int source, int destination) {
        setU8(seg, offset + VERSION_IHL_OFFSET, 0x45);
        setU8(seg, offset + TOS_OFFSET, tos);
        setU16(seg, offset + TOTAL_LENGTH_OFFSET, totalLength);
        setU16(seg, offset + IDENTIFICATION_OFFSET, identification);
        setU16(seg, offset + FLAGS_FRAGMENT_OFFSET, flagsAndFragmentOffset);
        setU8(seg, offset + TTL_OFFSET, ttl);
        setU8(seg, offset + PROTOCOL_OFFSET, protocol);
        setU16(seg, offset + HEADER_CHECKSUM_OFFSET, 0);
        setI32(seg, offset + SOURCE_OFFSET, source);
        setI32(seg, offset + DESTINATION_OFFSET, destination);
        setU16(seg, offset + HEADER_CHECKSUM_OFFSET, InternetChecksum.compute(seg, offset, MIN_HEADER_LENGTH));
    }

    /** Recomputes the header checksum over {@link #headerLength()} bytes (RFC 791, RFC 1071). */
    public Ipv4Flyweight updateChecksum() {
        headerChecksum(0);
        return headerChecksum(InternetChecksum.compute(seg, offset, headerLength()));
    }

    /** True when the one's complement sum over the header, checksum included, is 0xffff. */
    public boolean checksumValid() {
        return InternetChecksum.compute(seg, offset, headerLength()) == 0;
    }
}
