package io.dsrgw.encap.ip;

import static io.dsrgw.encap.NetworkOrder.U64;
import static io.dsrgw.encap.NetworkOrder.getI32;
import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.getU8;
import static io.dsrgw.encap.NetworkOrder.setI32;
import static io.dsrgw.encap.NetworkOrder.setU16;
import static io.dsrgw.encap.NetworkOrder.setU8;

import io.dsrgw.encap.PacketError;
import java.lang.foreign.MemorySegment;

/**
 * Reusable view of an IPv6 header (RFC 8200 section 3) and its extension header chain, network byte order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |              Flow Label               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                   Source Address (128 bits)                   +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                Destination Address (128 bits)                 +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The traffic class is DSCP (6 bits) and ECN (2 bits), like the IPv4 TOS byte. Addresses are returned as two
 * longs each (the first and last 8 bytes, big-endian), the representation {@link io.dsrgw.encap.flow.FlowKey}
 * uses.
 *
 * <p>Extension headers walked by {@link #wrap} (RFC 8200 section 4):
 * <pre>
 * hop-by-hop (0), destination options (60), routing (43):    fragment (44), always 8 bytes:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |  Hdr Ext Len  |  (options / routing |   |  Next Header  |   Reserved    |Offset (8B)|Res|M|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   type, segments left,|   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | ... (Hdr Ext Len + 1) * 8 bytes in all ...            |   |                 Identification                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * The walk follows hop-by-hop (only directly after the fixed header), routing, fragment and destination
 * options headers, each bounds-checked (option TLVs too), and stops at the first upper-layer value: any
 * next header that is not an IPv6 extension header ({@link IpProtocol#isIpv6ExtensionHeader}) — TCP, UDP,
 * ICMPv6, IPv4/IPv6 in IPv6, GRE, no next header (59), SCTP... ESP, AH and the other extension headers this
 * code does not parse end the walk too, with {@link #walkComplete()} false and {@link #upperProtocol()} that
 * header's number. A fragment (M set or offset not 0) ends the walk at its fragment header, whose next
 * header becomes {@link #upperProtocol()}: so every fragment of a datagram reports the same protocol, even
 * when the first one carries more extension headers behind the fragment header. An atomic fragment (offset 0,
 * M clear, RFC 6946) is not a fragment: the walk continues behind it.
 *
 * <p>Not thread-safe: one instance per worker, reused for every packet, never stored. Never throws.
 */
public final class Ipv6Flyweight {
    /** The fixed header. */
    public static final int HEADER_LENGTH = 40;
    /** Payload length is a 16-bit field (jumbograms, RFC 2675, are not supported). */
    public static final int MAX_PAYLOAD_LENGTH = 65535;
    /** The minimum link MTU every IPv6 link must carry (RFC 8200 section 5). */
    public static final int MIN_MTU = 1280;

    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;

    /** Offsets inside an extension header. */
    public static final int EXT_NEXT_HEADER_OFFSET = 0;
    public static final int EXT_LENGTH_OFFSET = 1;
    public static final int FRAGMENT_OFFSET_FLAGS_OFFSET = 2;
    public static final int FRAGMENT_IDENTIFICATION_OFFSET = 4;
    /** The fragment header is always 8 bytes. */
    public static final int FRAGMENT_HEADER_LENGTH = 8;
    /** In the fragment header's 16-bit offset word: 13 bits of offset in 8-byte units, 2 reserved, M. */
    public static final int FRAGMENT_OFFSET_MASK = 0xfff8;
    public static final int FRAGMENT_MORE = 0x0001;

    /** Option types with a single byte and no length (RFC 8200 section 4.2). */
    public static final int OPTION_PAD1 = 0;

    private static final int FLOW_LABEL_MASK = 0xfffff;

    private MemorySegment seg = MemorySegment.NULL;
    private long offset;
    private int upperProtocol;
    private long upperOffset;
    private int upperLength;
    private boolean walkComplete;
    private boolean fragment;
    private int fragmentOffsetBytes;
    private boolean moreFragments;
    private int fragmentIdentification;

    /**
     * Attaches to the packet at {@code offset} and validates it against the {@code capturedLength} bytes
     * there. Checks, in this order: at least 40 bytes (TRUNCATED); version 6 (BAD_VERSION); payload length 0,
     * i.e. a jumbogram or a packet without payload length (BAD_TOTAL_LENGTH); 40 + payload length not above
     * the captured bytes (BAD_TOTAL_LENGTH); then the extension header walk (see the class comment):
     * headers beyond the payload, option TLVs overrunning their header, hop-by-hop not first, a second
     * fragment header (BAD_EXTENSION_HEADER); fragment with M set and a payload that is not a multiple of 8
     * bytes, offset + payload beyond 65535, or an empty fragment (BAD_FRAGMENT, like Linux's
     * ip6_frag_queue()). Bytes after 40 + payload length (link padding) are ignored. On an error the view
     * stays attached for diagnostics, but the walk results are undefined.
     */
    public PacketError wrap(MemorySegment seg, long offset, int capturedLength) {
        this.seg = seg;
        this.offset = offset;
        resetWalk();
        if (capturedLength < HEADER_LENGTH || offset < 0 || offset > seg.byteSize() - capturedLength) {
            return PacketError.TRUNCATED;
        }
        if ((getU8(seg, offset) >>> 4) != 6) {
            return PacketError.BAD_VERSION;
        }
        int payloadLength = payloadLength();
        if (payloadLength == 0 || HEADER_LENGTH + payloadLength > capturedLength) {
            return PacketError.BAD_TOTAL_LENGTH;
        }
        return walk(HEADER_LENGTH + payloadLength, false);
    }

    /**
     * Attaches to a packet quoted in an ICMPv6 error (RFC 4443 section 2.4(c)): usually cut short, so the
     * payload length is not checked against the {@code availableLength} bytes; the header chain is walked
     * within the bytes that are present (and within 40 + payload length), and a chain that runs out of bytes
     * before the upper layer is TRUNCATED. Then {@link #upperLength()} counts the upper-layer bytes present.
     * The fragment length rules are not applied (the quote holds only part of the fragment).
     */
    public PacketError wrapQuoted(MemorySegment seg, long offset, int availableLength) {
        this.seg = seg;
        this.offset = offset;
        resetWalk();
        if (availableLength < HEADER_LENGTH || offset < 0 || offset > seg.byteSize() - availableLength) {
            return PacketError.TRUNCATED;
        }
        if ((getU8(seg, offset) >>> 4) != 6) {
            return PacketError.BAD_VERSION;
        }
        return walk(Math.min(availableLength, HEADER_LENGTH + payloadLength()), true);
    }

    /**
     * Attaches without any validation, to build or rewrite a header in place (the caller guarantees
     * {@link #HEADER_LENGTH} writable bytes). The walk results read as "no extension headers".
     */
    public Ipv6Flyweight wrapForWrite(MemorySegment seg, long offset) {
        this.seg = seg;
        this.offset = offset;
        resetWalk();
        return this;
    }

    private void resetWalk() {
        upperProtocol = 0;
        upperOffset = offset + HEADER_LENGTH;
        upperLength = 0;
        walkComplete = false;
        fragment = false;
        fragmentOffsetBytes = 0;
        moreFragments = false;
        fragmentIdentification = 0;
    }

    /** Walks the chain within {@code limit} bytes from the header start; see the class comment. */
    private PacketError walk(int limit, boolean quoted) {
        int next = nextHeader();
        int position = HEADER_LENGTH;
        boolean first = true;
        boolean seenFragmentHeader = false;
        while (true) {
            switch (next) {
                case IpProtocol.HOP_BY_HOP, IpProtocol.IPV6_DESTINATION_OPTIONS, IpProtocol.IPV6_ROUTING -> {
                    if (next == IpProtocol.HOP_BY_HOP && !first) {
                        return PacketError.BAD_EXTENSION_HEADER; // RFC 8200 4.1: only directly after the header
                    }
                    if (limit - position < 8) {
                        return quoted ? PacketError.TRUNCATED : PacketError.BAD_EXTENSION_HEADER;
                    }
                    long header = offset + position;
                    int length = (getU8(seg, header + EXT_LENGTH_OFFSET) + 1) << 3;
                    if (length > limit - position) {
                        return quoted ? PacketError.TRUNCATED : PacketError.BAD_EXTENSION_HEADER;
                    }
                    if (next != IpProtocol.IPV6_ROUTING && !optionsValid(header + 2, length - 2)) {
                        return PacketError.BAD_EXTENSION_HEADER;
                    }
                    next = getU8(seg, header + EXT_NEXT_HEADER_OFFSET);
                    position += length;
                }
                case IpProtocol.IPV6_FRAGMENT -> {
                    if (seenFragmentHeader) {
                        return PacketError.BAD_EXTENSION_HEADER;
                    }
                    seenFragmentHeader = true;
                    if (limit - position < FRAGMENT_HEADER_LENGTH) {
                        return quoted ? PacketError.TRUNCATED : PacketError.BAD_EXTENSION_HEADER;
                    }
                    long header = offset + position;
                    int word = getU16(seg, header + FRAGMENT_OFFSET_FLAGS_OFFSET);
                    next = getU8(seg, header + EXT_NEXT_HEADER_OFFSET);
                    position += FRAGMENT_HEADER_LENGTH;
                    int offsetBytes = word & FRAGMENT_OFFSET_MASK;
                    boolean more = (word & FRAGMENT_MORE) != 0;
                    fragmentIdentification = getI32(seg, header + FRAGMENT_IDENTIFICATION_OFFSET);
                    if (offsetBytes != 0 || more) {
                        fragment = true;
                        fragmentOffsetBytes = offsetBytes;
                        moreFragments = more;
                        if (!quoted) {
                            int data = limit - position;
                            if (data == 0 || offsetBytes + data > MAX_PAYLOAD_LENGTH || (more && (data & 7) != 0)) {
                                return PacketError.BAD_FRAGMENT;
                            }
                        }
                        return finish(next, position, limit, true);
                    }
                    // atomic fragment (RFC 6946): a whole datagram, keep walking
                }
                default -> {
                    return finish(next, position, limit, !IpProtocol.isIpv6ExtensionHeader(next));
                }
            }
            first = false;
        }
    }

    private PacketError finish(int protocol, int position, int limit, boolean complete) {
        upperProtocol = protocol;
        upperOffset = offset + position;
        upperLength = limit - position;
        walkComplete = complete;
        return PacketError.OK;
    }

    /** Option TLVs of hop-by-hop / destination options: Pad1 is one byte, every other option type, length, data. */
    private boolean optionsValid(long start, int length) {
        int i = 0;
        while (i < length) {
            if (getU8(seg, start + i) == OPTION_PAD1) {
                i++;
                continue;
            }
            if (i + 1 >= length) {
                return false;
            }
            int optionLength = 2 + getU8(seg, start + i + 1);
            if (optionLength > length - i) {
                return false;
            }
            i += optionLength;
        }
        return true;
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

    /** The first 32-bit word: version, traffic class, flow label. */
    private int firstWord() {
        return getI32(seg, offset + VERSION_CLASS_FLOW_OFFSET);
    }

    /** Sets version 6 with the given traffic class and flow label in one store. */
    public Ipv6Flyweight versionClassFlow(int trafficClass, int flowLabel) {
        setI32(seg, offset + VERSION_CLASS_FLOW_OFFSET,
                (6 << 28) | ((trafficClass & 0xff) << 20) | (flowLabel & FLOW_LABEL_MASK));
        return this;
    }

    /**
     * Writes a complete 40-byte header at {@code offset}: the one place where encapsulators and ICMP builders
     * create IPv6 headers. Static, no allocation; the caller guarantees 40 bytes.
     */
    public static void writeHeader(MemorySegment seg, long offset, int trafficClass, int flowLabel,
                                   int payloadLength, int nextHeader, int hopLimit, long srcHi, long srcLo,
                                   long dstHi, long dstLo) {
        setI32(seg, offset + VERSION_CLASS_FLOW_OFFSET,
                (6 << 28) | ((trafficClass & 0xff) << 20) | (flowLabel & FLOW_LABEL_MASK));
        setU16(seg, offset + PAYLOAD_LENGTH_OFFSET, payloadLength);
        setU8(seg, offset + NEXT_HEADER_OFFSET, nextHeader);
        setU8(seg, offset + HOP_LIMIT_OFFSET, hopLimit);
        seg.set(U64, offset + SOURCE_OFFSET, srcHi);
        seg.set(U64, offset + SOURCE_OFFSET + 8, srcLo);
        seg.set(U64, offset + DESTINATION_OFFSET, dstHi);
        seg.set(U64, offset + DESTINATION_OFFSET + 8, dstLo);
    }

    /** The traffic class byte: DSCP (6 bits) and ECN (2 bits). */
    public int trafficClass() {
        return (firstWord() >>> 20) & 0xff;
    }

    public Ipv6Flyweight trafficClass(int v) {
        int word = firstWord();
        setI32(seg, offset, (word & 0xf00fffff) | ((v & 0xff) << 20));
        return this;
    }

    public int dscp() {
        return trafficClass() >>> 2;
    }

    public int ecn() {
        return trafficClass() & 0x03;
    }

    /** The 20-bit flow label (RFC 6437). */
    public int flowLabel() {
        return firstWord() & FLOW_LABEL_MASK;
    }

    public Ipv6Flyweight flowLabel(int v) {
        int word = firstWord();
        setI32(seg, offset, (word & ~FLOW_LABEL_MASK) | (v & FLOW_LABEL_MASK));
        return this;
    }

    /** Bytes after the fixed header, extension headers included. */
    public int payloadLength() {
        return getU16(seg, offset + PAYLOAD_LENGTH_OFFSET);
    }

    public Ipv6Flyweight payloadLength(int v) {
        setU16(seg, offset + PAYLOAD_LENGTH_OFFSET, v);
        return this;
    }

    /** 40 + payload length: the whole packet. */
    public int totalLength() {
        return HEADER_LENGTH + payloadLength();
    }

    /** The next header of the fixed header (the first extension header or the upper layer). */
    public int nextHeader() {
        return getU8(seg, offset + NEXT_HEADER_OFFSET);
    }

    public Ipv6Flyweight nextHeader(int v) {
        setU8(seg, offset + NEXT_HEADER_OFFSET, v);
        return this;
    }

    public int hopLimit() {
        return getU8(seg, offset + HOP_LIMIT_OFFSET);
    }

    public Ipv6Flyweight hopLimit(int v) {
        setU8(seg, offset + HOP_LIMIT_OFFSET, v);
        return this;
    }

    /** First 8 bytes of the source address, big-endian. */
    public long sourceHi() {
        return seg.get(U64, offset + SOURCE_OFFSET);
    }

    /** Last 8 bytes of the source address, big-endian. */
    public long sourceLo() {
        return seg.get(U64, offset + SOURCE_OFFSET + 8);
    }

    public Ipv6Flyweight source(long hi, long lo) {
        seg.set(U64, offset + SOURCE_OFFSET, hi);
        seg.set(U64, offset + SOURCE_OFFSET + 8, lo);
        return this;
    }

    public long destinationHi() {
        return seg.get(U64, offset + DESTINATION_OFFSET);
    }

    public long destinationLo() {
        return seg.get(U64, offset + DESTINATION_OFFSET + 8);
    }

    public Ipv6Flyweight destination(long hi, long lo) {
        seg.set(U64, offset + DESTINATION_OFFSET, hi);
        seg.set(U64, offset + DESTINATION_OFFSET + 8, lo);
        return this;
    }

    /**
     * Where the walk ended: the upper-layer protocol (6, 17, 58, 4, 41, 47, 59...), for a fragment the next
     * header of its fragment header, or when {@link #walkComplete()} is false the extension header that ended
     * it (50 ESP, 51 AH, ...).
     */
    public int upperProtocol() {
        return upperProtocol;
    }

    /** Offset of the header named by {@link #upperProtocol()} (for a fragment: its fragment data). */
    public long upperOffset() {
        return upperOffset;
    }

    /** Bytes from {@link #upperOffset()} to the end of the packet (of the quote, after wrapQuoted). */
    public int upperLength() {
        return upperLength;
    }

    /** False when ESP, AH or another unparsed extension header ended the walk before the upper layer. */
    public boolean walkComplete() {
        return walkComplete;
    }

    /** True for any fragment (M set or offset not 0); false for atomic fragments and whole datagrams. */
    public boolean isFragment() {
        return fragment;
    }

    /** Offset of this fragment's data in the original datagram, in bytes (0 unless a fragment). */
    public int fragmentOffsetBytes() {
        return fragmentOffsetBytes;
    }

    /** The M flag of the fragment header (false unless a fragment). */
    public boolean moreFragments() {
        return moreFragments;
    }

    /** The 32-bit identification of the fragment header (0 without one). */
    public int fragmentIdentification() {
        return fragmentIdentification;
    }

    /**
     * True when {@link #upperOffset()} holds a complete upper-layer header to parse: the walk reached the
     * upper layer and the packet is not a fragment (a first fragment's ports are not used: every fragment of
     * a datagram is keyed on the 3-tuple).
     */
    public boolean carriesTransportHeader() {
        return walkComplete && !fragment;
    }
}
