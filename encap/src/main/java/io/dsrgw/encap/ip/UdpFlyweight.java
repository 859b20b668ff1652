package io.dsrgw.encap.ip;

import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.setU16;

import io.dsrgw.encap.PacketError;
import java.lang.foreign.MemorySegment;

/**
 * Reusable view of a UDP header (RFC 768), network byte order. Wrap it only on the payload of an IPv4
 * packet that is not a fragment or is the first fragment.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Length             |           Checksum            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Length covers header and data; checksum 0 means "none" (IPv4 only), a computed 0 is sent as 0xffff.
 */
public final class UdpFlyweight {
    public static final int HEADER_LENGTH = 8;

    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;

    private MemorySegment seg = MemorySegment.NULL;
    private long offset;

    /**
     * Attaches to a complete (unfragmented) datagram at {@code offset} with {@code length} bytes of IP
     * payload. Fewer than 8 bytes: TRUNCATED; a length field outside 8..length: BAD_TRANSPORT_HEADER (a
     * length field below the payload length is accepted, as Linux does, and the rest ignored). Never throws.
     */
    public PacketError wrap(MemorySegment seg, long offset, int length) {
        PacketError error = wrapFirstFragment(seg, offset, length);
        if (error != PacketError.OK) {
            return error;
        }
        int udpLength = length();
        if (udpLength < HEADER_LENGTH || udpLength > length) {
            return PacketError.BAD_TRANSPORT_HEADER;
        }
        return PacketError.OK;
    }

    /**
     * Attaches to the header of a first fragment, where the length field describes the whole datagram and
     * cannot be checked against the bytes present: only the 8 header bytes are required.
     */
    public PacketError wrapFirstFragment(MemorySegment seg, long offset, int length) {
        this.seg = seg;
        this.offset = offset;
        if (length < HEADER_LENGTH || offset < 0 || offset > seg.byteSize() - length) {
            return PacketError.TRUNCATED;
        }
        return PacketError.OK;
    }

    /** Attaches without validation, to build a header (8 writable bytes guaranteed by the caller). */
    public UdpFlyweight wrapForWrite(MemorySegment seg, long offset) {
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

    public UdpFlyweight sourcePort(int v) {
        setU16(seg, offset + SOURCE_PORT_OFFSET, v);
        return this;
    }

    public int destinationPort() {
        return getU16(seg, offset + DESTINATION_PORT_OFFSET);
    }

    public UdpFlyweight destinationPort(int v) {
        setU16(seg, offset + DESTINATION_PORT_OFFSET, v);
        return this;
    }

    /** The length field: header plus data, in bytes. */
    public int length() {
        return getU16(seg, offset + LENGTH_OFFSET);
    }

    public UdpFlyweight length(int v) {
        setU16(seg, offset + LENGTH_OFFSET, v);
        return this;
    }

    public int checksum() {
        return getU16(seg, offset + CHECKSUM_OFFSET);
    }

    public UdpFlyweight checksum(int v) {
        setU16(seg, offset + CHECKSUM_OFFSET, v);
        return this;
    }
}
