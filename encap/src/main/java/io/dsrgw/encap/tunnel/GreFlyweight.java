package io.dsrgw.encap.tunnel;

import static io.dsrgw.encap.NetworkOrder.getI32;
import static io.dsrgw.encap.NetworkOrder.getU16;
import static io.dsrgw.encap.NetworkOrder.setI32;
import static io.dsrgw.encap.NetworkOrder.setU16;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.checksum.InternetChecksum;
import java.lang.foreign.MemorySegment;

/**
 * Reusable view of a GRE header (RFC 2784, with the key and sequence number extensions of RFC 2890),
 * network byte order. Optional fields follow the first word in the order checksum, key, sequence number,
 * each present only when its flag is set:
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C|R|K|S|s|Recur|  Flags  | Ver |         Protocol Type         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Checksum (optional)      |       Reserved1 (optional)    |   C = 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Key (optional)                        |   K = 1 (RFC 2890 section 2.1)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Sequence Number (optional)                    |   S = 1 (RFC 2890 section 2.2)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Bits 1 (R, routing present), 4 (s, strict source route) and 5..7 (recursion control) are the RFC 1701
 * fields that RFC 2784 section 2.3 makes "Reserved0": a receiver MUST discard a packet where any of bits 1-5
 * is set; bits 6-12 MUST be ignored on receipt. The version MUST be 0 (RFC 2784 section 2.3.1; 1 is PPTP's
 * enhanced GRE). The checksum, when present, is the Internet checksum of the GRE header and the payload
 * (RFC 2784 section 2.5). The protocol type is an EtherType: 0x0800 IPv4, 0x86DD IPv6.
 *
 * <p>Not thread-safe: one instance per worker, reused, never stored. Never throws.
 */
public final class GreFlyweight {
    /** Flags/version word and protocol type. */
    public static final int BASE_HEADER_LENGTH = 4;
    /** Checksum + Reserved1, the key, the sequence number: 4 bytes each. */
    public static final int OPTIONAL_FIELD_LENGTH = 4;
    /** All three optional fields present. */
    public static final int MAX_HEADER_LENGTH = 16;

    public static final int FLAGS_VERSION_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    /** Offset of the checksum field when C is set (it is always first). */
    public static final int CHECKSUM_OFFSET = 4;

    public static final int FLAG_CHECKSUM = 0x8000;
    public static final int FLAG_ROUTING = 0x4000;
    public static final int FLAG_KEY = 0x2000;
    public static final int FLAG_SEQUENCE = 0x1000;
    public static final int FLAG_STRICT_SOURCE_ROUTE = 0x0800;
    public static final int RECURSION_MASK = 0x0700;
    public static final int VERSION_MASK = 0x0007;
    /** The bits a receiver must discard the packet for: R, s and bit 5 (RFC 2784 section 2.3). */
    public static final int MUST_BE_ZERO = FLAG_ROUTING | FLAG_STRICT_SOURCE_ROUTE | 0x0400;

    /** EtherTypes of the payload (RFC 2784 section 2.4). */
    public static final int PROTOCOL_IPV4 = 0x0800;
    public static final int PROTOCOL_IPV6 = 0x86dd;

    private MemorySegment seg = MemorySegment.NULL;
    private long offset;

    /**
     * Attaches to the GRE header at {@code offset}, with {@code length} bytes of GRE header + payload
     * available. Checks: at least 4 bytes (TRUNCATED); R, s or bit 5 set, or version not 0 (BAD_GRE);
     * the optional fields announced by C/K/S fit (TRUNCATED). The protocol type and checksum are not checked
     * here ({@link #protocolType()}, {@link #checksumValid(int)}).
     */
    public PacketError wrap(MemorySegment seg, long offset, int length) {
        this.seg = seg;
        this.offset = offset;
        if (length < BASE_HEADER_LENGTH || offset < 0 || offset > seg.byteSize() - length) {
            return PacketError.TRUNCATED;
        }
        int word = flagsAndVersion();
        if ((word & MUST_BE_ZERO) != 0 || (word & VERSION_MASK) != 0) {
            return PacketError.BAD_GRE;
        }
        if (headerLength() > length) {
            return PacketError.TRUNCATED;
        }
        return PacketError.OK;
    }

    /** Attaches without validation, to build a header (the caller guarantees the writable bytes). */
    public GreFlyweight wrapForWrite(MemorySegment seg, long offset) {
        this.seg = seg;
        this.offset = offset;
        return this;
    }

    public long offset() {
        return offset;
    }

    /** The first 16 bits: flags, reserved bits and version. */
    public int flagsAndVersion() {
        return getU16(seg, offset + FLAGS_VERSION_OFFSET);
    }

    public GreFlyweight flagsAndVersion(int v) {
        setU16(seg, offset + FLAGS_VERSION_OFFSET, v);
        return this;
    }

    public boolean checksumPresent() {
        return (flagsAndVersion() & FLAG_CHECKSUM) != 0;
    }

    public boolean keyPresent() {
        return (flagsAndVersion() & FLAG_KEY) != 0;
    }

    public boolean sequencePresent() {
        return (flagsAndVersion() & FLAG_SEQUENCE) != 0;
    }

    public int version() {
        return flagsAndVersion() & VERSION_MASK;
    }

    /** The payload's EtherType (0x0800 IPv4, 0x86DD IPv6). */
    public int protocolType() {
        return getU16(seg, offset + PROTOCOL_TYPE_OFFSET);
    }

    public GreFlyweight protocolType(int v) {
        setU16(seg, offset + PROTOCOL_TYPE_OFFSET, v);
        return this;
    }

    /** 4 bytes plus 4 for each of C, K and S set: where the payload starts. */
    public int headerLength() {
        int word = flagsAndVersion();
        return BASE_HEADER_LENGTH + ((word & FLAG_CHECKSUM) != 0 ? OPTIONAL_FIELD_LENGTH : 0)
                + ((word & FLAG_KEY) != 0 ? OPTIONAL_FIELD_LENGTH : 0)
                + ((word & FLAG_SEQUENCE) != 0 ? OPTIONAL_FIELD_LENGTH : 0);
    }

    /** The header length for the given optional fields (for writers). */
    public static int headerLength(boolean checksum, boolean key, boolean sequence) {
        return BASE_HEADER_LENGTH + (checksum ? OPTIONAL_FIELD_LENGTH : 0) + (key ? OPTIONAL_FIELD_LENGTH : 0)
                + (sequence ? OPTIONAL_FIELD_LENGTH : 0);
    }

    /** The checksum field (valid when {@link #checksumPresent()}). */
    public int checksum() {
        return getU16(seg, offset + CHECKSUM_OFFSET);
    }

    public GreFlyweight checksum(int v) {
        setU16(seg, offset + CHECKSUM_OFFSET, v);
        return this;
    }

    /** Offset of the key field relative to the header: after the checksum word when C is set. */
    private int keyOffset() {
        return (flagsAndVersion() & FLAG_CHECKSUM) != 0 ? 8 : 4;
    }

    /** The 32-bit key as an int holding its bit pattern (valid when {@link #keyPresent()}). */
    public int key() {
        return getI32(seg, offset + keyOffset());
    }

    /** Sets the key field; C and K must already be set as they will be sent. */
    public GreFlyweight key(int v) {
        setI32(seg, offset + keyOffset(), v);
        return this;
    }

    /** The sequence number (valid when {@link #sequencePresent()}), after checksum and key when present. */
    public int sequence() {
        return getI32(seg, offset + headerLength() - OPTIONAL_FIELD_LENGTH);
    }

    /** Offset of the payload (after every optional field). */
    public long payloadOffset() {
        return offset + headerLength();
    }

    /**
     * Computes and stores the checksum over the header and {@code length - headerLength()} payload bytes
     * ({@code length} counts header + payload); C must be set. Reserved1 is written 0.
     */
    public GreFlyweight updateChecksum(int length) {
        setI32(seg, offset + CHECKSUM_OFFSET, 0);
        return checksum(InternetChecksum.compute(seg, offset, length));
    }

    /** True when the checksum over header + payload ({@code length} bytes) verifies (RFC 2784 section 2.5). */
    public boolean checksumValid(int length) {
        return InternetChecksum.compute(seg, offset, length) == 0;
    }
}
