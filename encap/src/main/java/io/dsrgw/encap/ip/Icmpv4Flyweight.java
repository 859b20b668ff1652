package io.dsrgw.encap.ip;

import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.getU8;
import static io.dsrgw.encap.NetworkOrder.setU16;
import static io.dsrgw.encap.NetworkOrder.setU8;

import io.dsrgw.encap.PacketError;
import java.lang.foreign.MemorySegment;

/**
 * Reusable view of an ICMPv4 message header (RFC 792), network byte order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Identifier (echo) / unused   | Sequence (echo) / Next-Hop MTU|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data (echo) / original IP header + first 8 bytes (errors) ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
 * </pre>
 * The second word is the echo identifier and sequence (types 0 and 8), or unused / the next-hop MTU of
 * "fragmentation needed" (type 3 code 4, RFC 1191) for errors.
 */
public final class Icmpv4Flyweight {
    /** Type, code, checksum and the 32-bit rest-of-header word. */
    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int IDENTIFIER_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 6;
    public static final int NEXT_HOP_MTU_OFFSET = 6;
    /** Where an error message quotes the offending datagram's IP header. */
    public static final int ERROR_PAYLOAD_OFFSET = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_SOURCE_QUENCH = 4;
    public static final int TYPE_REDIRECT = 5;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;
    /** Destination unreachable code 4: fragmentation needed and DF set (RFC 792, RFC 1191). */
    public static final int CODE_FRAGMENTATION_NEEDED = 4;

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
    public Icmpv4Flyweight wrapForWrite(MemorySegment seg, long offset) {
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

    public Icmpv4Flyweight type(int v) {
        setU8(seg, offset + TYPE_OFFSET, v);
        return this;
    }

    public int code() {
        return getU8(seg, offset + CODE_OFFSET);
    }

    public Icmpv4Flyweight code(int v) {
        setU8(seg, offset + CODE_OFFSET, v);
        return this;
    }

    public int checksum() {
        return getU16(seg, offset + CHECKSUM_OFFSET);
    }

    public Icmpv4Flyweight checksum(int v) {
        setU16(seg, offset + CHECKSUM_OFFSET, v);
        return this;
    }

    /** Echo identifier (meaningful for echo request/reply). */
    public int identifier() {
        return getU16(seg, offset + IDENTIFIER_OFFSET);
    }

    public Icmpv4Flyweight identifier(int v) {
        setU16(seg, offset + IDENTIFIER_OFFSET, v);
        return this;
    }

    /** Echo sequence number (meaningful for echo request/reply). */
    public int sequence() {
        return getU16(seg, offset + SEQUENCE_OFFSET);
    }

    public Icmpv4Flyweight sequence(int v) {
        setU16(seg, offset + SEQUENCE_OFFSET, v);
        return this;
    }

    /** Next-hop MTU of a "fragmentation needed" message (RFC 1191 section 4). */
    public int nextHopMtu() {
        return getU16(seg, offset + NEXT_HOP_MTU_OFFSET);
    }

    public Icmpv4Flyweight nextHopMtu(int v) {
        setU16(seg, offset + NEXT_HOP_MTU_OFFSET, v);
        return this;
    }

    public boolean isEchoRequest() {
        return type() == TYPE_ECHO_REQUEST;
    }

    public boolean isEchoReply() {
        return type() == TYPE_ECHO_REPLY;
    }

    /** Error messages, which quote the offending datagram: unreachable, source quench, redirect, time
     *  exceeded, parameter problem. */
    public boolean isError() {
        return isErrorType(type());
    }

    /** {@link #isError()} for a type number. */
    public static boolean isErrorType(int type) {
        return type == TYPE_DESTINATION_UNREACHABLE || type == TYPE_SOURCE_QUENCH || type == TYPE_REDIRECT
                || type == TYPE_TIME_EXCEEDED || type == TYPE_PARAMETER_PROBLEM;
    }
}
