package io.dsrgw.encap.ip;

import static io.dsrgw.encap.NetworkOrder.getI32;
import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.getU8;
import static io.dsrgw.encap.NetworkOrder.setI32;
import static io.dsrgw.encap.NetworkOrder.setU16;
import static io.dsrgw.encap.NetworkOrder.setU8;

import io.dsrgw.encap.PacketError;
import java.lang.foreign.MemorySegment;

/**
 * Reusable view of a TCP header (RFC 9293 section 3.1), network byte order. Wrap it only on the payload of
 * an IPv4 packet that is not a fragment or is the first fragment
 * ({@link Ipv4Flyweight#carriesTransportHeader()}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (data offset > 5)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class TcpFlyweight {
    public static final int MIN_HEADER_LENGTH = 20;

    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;

    public static final int FLAG_FIN = 0x01;
    public static final int FLAG_SYN = 0x02;
    public static final int FLAG_RST = 0x04;
    public static final int FLAG_PSH = 0x08;
    public static final int FLAG_ACK = 0x10;
    public static final int FLAG_URG = 0x20;
    public static final int FLAG_ECE = 0x40;
    public static final int FLAG_CWR = 0x80;

    private MemorySegment seg = MemorySegment.NULL;
    private long offset;

    /**
     * Attaches to the segment at {@code offset} with {@code length} bytes of IP payload. Fewer than 20 bytes
     * or fewer than the data offset claims: TRUNCATED; data offset below 5 words: BAD_TRANSPORT_HEADER.
     * Never throws.
     */
    public PacketError wrap(MemorySegment seg, long offset, int length) {
        this.seg = seg;
        this.offset = offset;
        if (length < MIN_HEADER_LENGTH || offset < 0 || offset > seg.byteSize() - length) {
            return PacketError.TRUNCATED;
        }
        int headerLength = headerLength();
        if (headerLength < MIN_HEADER_LENGTH) {
            return PacketError.BAD_TRANSPORT_HEADER;
        }
        if (headerLength > length) {
            return PacketError.TRUNCATED;
        }
        return PacketError.OK;
    }

    /** Attaches without validation, to build a header (20 writable bytes guaranteed by the caller). */
    public TcpFlyweight wrapForWrite(MemorySegment seg, long offset) {
        this.seg = seg;
        this.offset = offset;
        return this;
    }

    public long offset() {
        return offset;
    }

    public int sourcePort() {
        return getU16(seg, offset + SOURCE_PORT_OFFSET);
    }

    public TcpFlyweight sourcePort(int v) {
        setU16(seg, offset + SOURCE_PORT_OFFSET, v);
        return this;
    }

    public int destinationPort() {
        return getU16(seg, offset + DESTINATION_PORT_OFFSET);
    }

    public TcpFlyweight destinationPort(int v) {
        setU16(seg, offset + DESTINATION_PORT_OFFSET, v);
        return this;
    }

    /** Sequence number as the unsigned 32-bit value. */
    public long sequence() {
        return getI32(seg, offset + SEQUENCE_OFFSET) & 0xffffffffL;
    }

    public TcpFlyweight sequence(long v) {
        setI32(seg, offset + SEQUENCE_OFFSET, (int) v);
        return this;
    }

    public long acknowledgment() {
        return getI32(seg, offset + ACKNOWLEDGMENT_OFFSET) & 0xffffffffL;
    }

    public TcpFlyweight acknowledgment(long v) {
        setI32(seg, offset + ACKNOWLEDGMENT_OFFSET, (int) v);
        return this;
    }

    /** Header length in bytes (data offset * 4). */
    public int headerLength() {
        return (getU8(seg, offset + DATA_OFFSET_OFFSET) >>> 4) << 2;
    }

    /** Sets the data offset from a header length in bytes (multiple of 4, 20..60); clears the reserved bits. */
    public TcpFlyweight headerLength(int bytes) {
        setU8(seg, offset + DATA_OFFSET_OFFSET, (bytes >>> 2) << 4);
        return this;
    }

    /** The eight flag bits CWR..FIN. */
    public int flags() {
        return getU8(seg, offset + FLAGS_OFFSET);
    }

    public TcpFlyweight flags(int v) {
        setU8(seg, offset + FLAGS_OFFSET, v);
        return this;
    }

    public boolean syn() {
        return (flags() & FLAG_SYN) != 0;
    }

    public boolean ack() {
        return (flags() & FLAG_ACK) != 0;
    }

    public boolean fin() {
        return (flags() & FLAG_FIN) != 0;
    }

    public boolean rst() {
        return (flags() & FLAG_RST) != 0;
    }

    public int window() {
        return getU16(seg, offset + WINDOW_OFFSET);
    }

    public TcpFlyweight window(int v) {
        setU16(seg, offset + WINDOW_OFFSET, v);
        return this;
    }

    public int checksum() {
        return getU16(seg, offset + CHECKSUM_OFFSET);
    }

    public TcpFlyweight checksum(int v) {
        setU16(seg, offset + CHECKSUM_OFFSET, v);
        return this;
    }

    public int urgentPointer() {
        return getU16(seg, offset + URGENT_POINTER_OFFSET);
    }

    public TcpFlyweight urgentPointer(int v) {
        setU16(seg, offset + URGENT_POINTER_OFFSET, v);
        return this;
    }
}
