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
 * Reusable view of an ICMPv6 message header (RFC 4443), network byte order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Identifier (echo)            |  Sequence Number (echo)       |
 * |  MTU (packet too big) / Pointer (parameter problem) / unused  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data (echo) / as much of the invoking packet as fits in 1280 bytes (errors) ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
 * </pre>
 * Types below 128 are errors (RFC 4443 section 2.1); the checksum covers the IPv6 pseudo-header
 * (RFC 8200 section 8.1), see {@link io.dsrgw.encap.checksum.InternetChecksum#icmpv6}.
 */
public final class Icmpv6Flyweight {
    /** Type, code, checksum and the 32-bit message-body word. */
    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int IDENTIFIER_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 6;
    public static final int MTU_OFFSET = 4;
    /** Where an error message quotes the invoking packet's IPv6 header. */
    public static final int ERROR_PAYLOAD_OFFSET = 8;

    public static final int TYPE_DESTINATION_UNREACHABLE = 1;
    public static final int TYPE_PACKET_TOO_BIG = 2;
    public static final int TYPE_TIME_EXCEEDED = 3;
    public static final int TYPE_PARAMETER_PROBLEM = 4;
    public static final int TYPE_ECHO_REQUEST = 128;
    public static final int TYPE_ECHO_REPLY = 129;
    /** An ICMPv6 error message must not make the whole packet exceed the minimum MTU (RFC 4443 2.4(c)). */
    public static final int MAX_ERROR_PACKET_LENGTH = 1280;

    private MemorySegment seg = MemorySegment.NULL;
    private long offset;

    /** Attaches to the message at {@code offset}; fewer than 8 bytes: TRUNCATED. Never throws. */
    public PacketError wrap(MemorySegment seg, long offset, int length) {
        this.seg = seg;
        this.offset = offset;
        if (length < HEADER_LENGTH || offset < 0 || offset > seg.byteSize() - length) {
            return PacketError.TRUNCATED;
        }
        return PacketError.OK;
    }

    /** Attaches without validation, to build a message (8 writable bytes guaranteed by the caller). */
    public Icmpv6Flyweight wrapForWrite(MemorySegment seg, long offset) {
        this.seg = seg;
        this.offset = offset;
        return this;
    }

    public long offset() {
        return offset;
    }

    public int type() {
        return getU8(seg, offset + TYPE_OFFSET);
    }

    public Icmpv6Flyweight type(int v) {
        setU8(seg, offset + TYPE_OFFSET, v);
        return this;
    }

    public int code() {
        return getU8(seg, offset + CODE_OFFSET);
    }

    public Icmpv6Flyweight code(int v) {
        setU8(seg, offset + CODE_OFFSET, v);
        return this;
    }

    public int checksum() {
        return getU16(seg, offset + CHECKSUM_OFFSET);
    }

    public Icmpv6Flyweight checksum(int v) {
        setU16(seg, offset + CHECKSUM_OFFSET, v);
        return this;
    }

    /** Echo identifier (meaningful for echo request/reply). */
    public int identifier() {
        return getU16(seg, offset + IDENTIFIER_OFFSET);
    }

    public Icmpv6Flyweight identifier(int v) {
        setU16(seg, offset + IDENTIFIER_OFFSET, v);
        return this;
    }

    /** Echo sequence number (meaningful for echo request/reply). */
    public int sequence() {
        return getU16(seg, offset + SEQUENCE_OFFSET);
    }

    public Icmpv6Flyweight sequence(int v) {
        setU16(seg, offset + SEQUENCE_OFFSET, v);
        return this;
    }

    /**
     * The MTU of a packet-too-big message (RFC 4443 section 3.2). The field has 32 bits; a value above
     * {@link Integer#MAX_VALUE} (never a real MTU) reads as {@link Integer#MAX_VALUE}.
     */
    public int mtu() {
        int v = getI32(seg, offset + MTU_OFFSET);
        return v < 0 ? Integer.MAX_VALUE : v;
    }

    public Icmpv6Flyweight mtu(int v) {
        setI32(seg, offset + MTU_OFFSET, v);
        return this;
    }

    public boolean isEchoRequest() {
        return type() == TYPE_ECHO_REQUEST;
    }

    public boolean isEchoReply() {
        return type() == TYPE_ECHO_REPLY;
    }

    public boolean isPacketTooBig() {
        return type() == TYPE_PACKET_TOO_BIG;
    }

    /**
     * The error messages that quote an invoking packet and concern a flow: destination unreachable (1),
     * packet too big (2), time exceeded (3), parameter problem (4). (Other types below 128 are unassigned
     * or private experimentation, RFC 4443 section 2.1.)
     */
    public boolean isError() {
        int type = type();
        return type >= TYPE_DESTINATION_UNREACHABLE && type <= TYPE_PARAMETER_PROBLEM;
    }
}
