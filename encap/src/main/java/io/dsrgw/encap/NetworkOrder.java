package io.dsrgw.encap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Unsigned big-endian (network byte order) loads and stores at unaligned byte offsets, shared by every
 * header flyweight. Static, allocation-free; bounds are checked by {@link MemorySegment} itself (the
 * flyweights validate lengths once in {@code wrap()} so these never fail on the hot path).
 */
public final class NetworkOrder {
    /** 16-bit big-endian, unaligned. */
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** 32-bit big-endian, unaligned. */
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** 64-bit big-endian, unaligned. */
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private NetworkOrder() {
    }

    public static int getU8(MemorySegment seg, long offset) {
        return seg.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
    }

    public static void setU8(MemorySegment seg, long offset, int value) {
        seg.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    public static int getU16(MemorySegment seg, long offset) {
        return seg.get(U16, offset) & 0xffff;
    }

    public static void setU16(MemorySegment seg, long offset, int value) {
        seg.set(U16, offset, (short) value);
    }

    /** The 32-bit value as a Java int (the big-endian bit pattern, so IPv4 addresses compare as written). */
    public static int getI32(MemorySegment seg, long offset) {
        return seg.get(U32, offset);
    }

    public static void setI32(MemorySegment seg, long offset, int value) {
        seg.set(U32, offset, value);
    }

    public static long getU32(MemorySegment seg, long offset) {
        return seg.get(U32, offset) & 0xffffffffL;
    }
}
