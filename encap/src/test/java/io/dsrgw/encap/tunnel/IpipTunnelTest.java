package io.dsrgw.encap.tunnel;

import static io.dsrgw.encap.testing.TestPackets.hex;
import static io.dsrgw.encap.testing.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.testing.TestPackets;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IpipTunnelTest {
    /**
     * Inner packet: TCP SYN 10.0.1.2:40000 -> 10.100.0.1:80, TOS 0xb9 (DSCP 46 EF, ECN 01 ECT(1)), ID 0x1c46,
     * DF, TTL 64. IPv4 checksum: 45b9+0028+1c46+4000+4006+0a00+0102+0a64+0001 = 0xf794 -> ~ = 0x086b.
     * TCP checksum 0x9a4e (derivation in InternetChecksumTest).
     */
    private static final String INNER = "45b9 0028 1c46 4000 4006 086b 0a00 0102 0a64 0001"
            + " 9c40 0050 1234 5678 0000 0000 5002 faf0 9a4e 0000";
    /**
     * Outer header for tunnel source 10.0.2.2 -> backend 10.0.3.10, TTL 64, ID 0: TOS copied (0xb9), total
     * length 40 + 20 = 60 (0x3c), DF copied, protocol 4. Checksum: 45b9+003c+0000+4000+4004+0a00+0202+0a00
     * +030a = 0xdf05 -> ~ = 0x20fa.
     */
    private static final String OUTER = "45b9 003c 0000 4000 4004 20fa 0a00 0202 0a00 030a";

    private static final int HEADROOM = 32;

    @Test
    void shouldWriteTheGoldenOuterHeaderIntoTheHeadroom() {
        byte[] buf = TestPackets.withHeadroom(hex(INNER), HEADROOM);
        long outer = IpipEncapsulator.encapsulate(MemorySegment.ofArray(buf), HEADROOM, 40, ip("10.0.2.2"),
                ip("10.0.3.10"), 64, 0);
        assertEquals(HEADROOM - 20, outer);
        assertArrayEquals(hex(OUTER + INNER), Arrays.copyOfRange(buf, 12, buf.length));
        assertArrayEquals(new byte[12], Arrays.copyOfRange(buf, 0, 12), "nothing written before the outer header");
    }

    @Test
    void shouldCopyEcnAndClearDfWhenTheInnerHeaderHasNone() {
        TestPackets.Ipv4 p = new TestPackets.Ipv4();
        p.tos = 0x03; // ECN CE must survive (RFC 6040 normal mode copies the ECN field)
        p.dontFragment = false;
        p.protocol = IpProtocol.UDP;
        p.payload = TestPackets.udp(p.source, p.destination, 1, 2, new byte[5]);
        byte[] inner = p.build();
        byte[] buf = TestPackets.withHeadroom(inner, 20);
        MemorySegment seg = MemorySegment.ofArray(buf);
        assertEquals(0, IpipEncapsulator.encapsulate(seg, 20, inner.length, ip("10.0.2.2"), ip("10.0.3.11"), 7,
                0xabcd));
        Ipv4Flyweight outer = new Ipv4Flyweight();
        assertEquals(PacketError.OK, outer.wrap(seg, 0, buf.length));
        assertEquals(0x03, outer.tos());
        assertEquals(0, outer.flagsAndFragmentOffset());
        assertEquals(7, outer.ttl());
        assertEquals(0xabcd, outer.identification());
        assertEquals(IpProtocol.IPIP, outer.protocol());
        assertEquals(inner.length + 20, outer.totalLength());
        assertTrue(outer.checksumValid());
    }

    @Test
    void shouldRefuseWithoutWritingWhenHeadroomOrLengthsAreWrong() {
        byte[] buf = TestPackets.withHeadroom(hex(INNER), 19);
        byte[] before = buf.clone();
        MemorySegment seg = MemorySegment.ofArray(buf);
        assertEquals(-1, IpipEncapsulator.encapsulate(seg, 19, 40, 1, 2, 64, 0), "19 bytes of headroom");
        assertEquals(-1, IpipEncapsulator.encapsulate(seg, 0, 19, 1, 2, 64, 0), "inner shorter than a header");
        assertEquals(-1, IpipEncapsulator.encapsulate(seg, 19, 41, 1, 2, 64, 0), "inner beyond the segment");
        MemorySegment big = MemorySegment.ofArray(new byte[70000]);
        assertEquals(-1, IpipEncapsulator.encapsulate(big, 20, 65516, 1, 2, 64, 0), "outer > 65535");
        assertEquals(0, IpipEncapsulator.encapsulate(big, 20, 65515, 1, 2, 64, 0), "outer == 65535");
        assertArrayEquals(before, buf);
    }

    @Test
    void shouldDecapsulateWhatItEncapsulated() {
        byte[] buf = encapsulated();
        DecapResult result = new DecapResult();
        IpipDecapsulator decap = new IpipDecapsulator();
        assertEquals(TunnelKind.IPIP, decap.kind());
        assertEquals(PacketError.OK, decap.decapsulate(MemorySegment.ofArray(buf), 0, buf.length, result));
        assertEquals(ip("10.0.2.2"), result.outerSource());
        assertEquals(ip("10.0.3.10"), result.outerDestination());
        assertEquals(20, result.innerOffset());
        assertEquals(40, result.innerLength());
        assertEquals(4, result.innerVersion());
        assertArrayEquals(hex(INNER), Arrays.copyOfRange(buf, 20, 60));
    }

    @Test
    void shouldDecapsulateAnOuterHeaderWithOptions() {
        byte[] inner = hex(INNER);
        TestPackets.Ipv4 outer = new TestPackets.Ipv4();
        outer.protocol = IpProtocol.IPIP;
        outer.options = hex("01010100"); // NOP NOP NOP EOL
        outer.payload = inner;
        byte[] packet = outer.build();
        DecapResult result = new DecapResult();
        assertEquals(PacketError.OK, new IpipDecapsulator().decapsulate(MemorySegment.ofArray(packet), 0,
                packet.length, result));
        assertEquals(24, result.innerOffset());
        assertEquals(40, result.innerLength());
    }

    static Stream<Arguments> malformedTunnelPackets() {
        return Stream.of(
                bad("outer 19 bytes", PacketError.TRUNCATED, b -> { }, 19),
                bad("outer version 6", PacketError.BAD_OUTER_HEADER, b -> b[0] = 0x65, 60),
                bad("outer IHL 4", PacketError.BAD_OUTER_HEADER, b -> b[0] = 0x44, 60),
                bad("outer total length 61 > 60 captured", PacketError.BAD_OUTER_HEADER, outerFixed(b -> b[3] = 61),
                        60),
                bad("outer reserved flag", PacketError.BAD_OUTER_HEADER, outerFixed(b -> b[6] |= (byte) 0x80), 60),
                bad("outer checksum wrong", PacketError.BAD_CHECKSUM, b -> b[11] ^= 1, 60),
                bad("outer protocol 41", PacketError.UNSUPPORTED_PROTOCOL, outerFixed(b -> b[9] = 41), 60),
                bad("outer protocol 6", PacketError.UNSUPPORTED_PROTOCOL, outerFixed(b -> b[9] = 6), 60),
                bad("outer first fragment (MF)", PacketError.BAD_OUTER_HEADER, outerFixed(b -> b[6] = 0x20), 60),
                bad("outer later fragment", PacketError.BAD_OUTER_HEADER, outerFixed(b -> b[7] = 1), 60),
                bad("inner only 19 bytes", PacketError.TRUNCATED, outerFixed(b -> b[3] = 39), 39),
                bad("inner version 6", PacketError.BAD_VERSION, b -> b[20] = 0x65, 60),
                bad("inner IHL 4", PacketError.BAD_IHL, b -> b[20] = 0x44, 60),
                bad("inner total length 41 > outer payload 40", PacketError.BAD_TOTAL_LENGTH,
                        innerFixed(b -> b[23] = 41), 60),
                bad("inner total length 36 < outer payload 40", PacketError.BAD_TOTAL_LENGTH,
                        innerFixed(b -> b[23] = 36), 60),
                bad("inner checksum wrong", PacketError.BAD_CHECKSUM, b -> b[31] ^= 1, 60),
                bad("inner fragment offset overflow", PacketError.BAD_FRAGMENT,
                        innerFixed(b -> { b[26] = 0x1f; b[27] = (byte) 0xff; }), 60));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("malformedTunnelPackets")
    void shouldDropMalformedTunnelPacketsWithTheirReason(String description, PacketError expected,
                                                         Consumer<byte[]> corrupt, int length) {
        byte[] buf = encapsulated();
        corrupt.accept(buf);
        DecapResult result = new DecapResult().set(1, 2, 3, 4, 5);
        assertEquals(expected, new IpipDecapsulator().decapsulate(MemorySegment.ofArray(buf), 0, length, result),
                description);
        assertEquals(0, result.innerLength(), "a failed decapsulation clears the result");
    }

    @Test
    void shouldDescribeEveryTunnelKind() {
        assertEquals(20, TunnelKind.IPIP.overheadBytes());
        assertEquals(IpipEncapsulator.OVERHEAD, TunnelKind.IPIP.overheadBytes());
        assertEquals(24, TunnelKind.GRE.overheadBytes());
        assertEquals(40, TunnelKind.IP6TNL.overheadBytes());
        assertEquals(44, TunnelKind.IP6GRE.overheadBytes());
        assertEquals(6, TunnelKind.IP6GRE.outerFamily());
        assertEquals(41, TunnelKind.SIT.outerProtocol());
        for (TunnelKind kind : TunnelKind.values()) {
            assertEquals(kind, TunnelKind.fromId(kind.id()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TunnelKind.fromId("vxlan"));
        assertEquals("'vxlan' (expected: ipip, sit, gre, ip6tnl, ip6gre, gue, gue6, none)", e.getMessage());
    }

    private static byte[] encapsulated() {
        byte[] buf = TestPackets.withHeadroom(hex(INNER), 20);
        IpipEncapsulator.encapsulate(MemorySegment.ofArray(buf), 20, 40, ip("10.0.2.2"), ip("10.0.3.10"), 64, 0);
        return buf;
    }

    private static Arguments bad(String description, PacketError expected, Consumer<byte[]> corrupt, int length) {
        return Arguments.of(description, expected, corrupt, length);
    }

    /** Corrupts the outer header, then recomputes its checksum so that only the intended fault remains. */
    private static Consumer<byte[]> outerFixed(Consumer<byte[]> corrupt) {
        return b -> {
            corrupt.accept(b);
            new Ipv4Flyweight().wrapForWrite(MemorySegment.ofArray(b), 0).updateChecksum();
        };
    }

    /** Corrupts the inner header, then recomputes its checksum. */
    private static Consumer<byte[]> innerFixed(Consumer<byte[]> corrupt) {
        return b -> {
            corrupt.accept(b);
            new Ipv4Flyweight().wrapForWrite(MemorySegment.ofArray(b), 20).updateChecksum();
        };
    }
}
