package io.dsrgw.encap.tunnel;

import static io.dsrgw.encap.testing.TestPackets.hex;
import static io.dsrgw.encap.testing.TestPackets.ip;
import static io.dsrgw.encap.testing.TestPackets.ip6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.testing.TestPackets;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Write-then-read: every kind x inner family x GRE option is encapsulated by {@link TunnelEncapsulator} and
 * decapsulated by {@link TunnelDecapsulator} back to the identical inner packet, with kind, family and key
 * reported; plus the combinations and lengths the encapsulator must refuse, and {@link TunnelSpec} rules.
 */
class TunnelRoundTripTest {
    private static final int HEADROOM = 64;

    private final TunnelEncapsulator encapsulator = new TunnelEncapsulator();
    private final TunnelDecapsulator decapsulator = new TunnelDecapsulator();
    private final DecapResult result = new DecapResult();

    static Stream<Arguments> combinations() {
        List<Arguments> list = new ArrayList<>();
        for (TunnelKind kind : TunnelKind.values()) {
            if (kind == TunnelKind.NONE) {
                continue; // L2 DSR: no encapsulation (LinkLayerSpecTest)
            }
            for (int inner : new int[] {4, 6}) {
                if ((kind == TunnelKind.IPIP && inner == 6) || (kind == TunnelKind.SIT && inner == 4)) {
                    continue;
                }
                boolean gre = kind == TunnelKind.GRE || kind == TunnelKind.IP6GRE;
                for (int options = 0; options < (gre ? 4 : 1); options++) {
                    list.add(Arguments.of(kind, inner, (options & 1) != 0, (options & 2) != 0));
                }
            }
        }
        return list.stream();
    }

    static TunnelSpec spec(TunnelKind kind, boolean keyed, boolean checksum) {
        int key = (int) 0xdeadbeefL;
        return kind.outerFamily() == 4
                ? TunnelSpec.ipv4Outer(kind, ip("10.0.2.2"), ip("10.0.3.10"), 64, keyed, key, checksum)
                : TunnelSpec.ipv6Outer(kind, ip6("fd00:2::2")[0], ip6("fd00:2::2")[1], ip6("fd00:3::11")[0],
                        ip6("fd00:3::11")[1], 64, keyed, key, checksum);
    }

    static byte[] inner(int version, int dataBytes) {
        return version == 4 ? TestPackets.udpPacket("10.0.1.2", "10.100.0.1", 1234, 53, dataBytes)
                : TestPackets.udpPacket6("fd00:1::2", "fd00:100::1", 1234, 53, dataBytes);
    }

    @ParameterizedTest(name = "{0} inner v{1} key {2} checksum {3}")
    @MethodSource("combinations")
    void shouldDecapsulateExactlyWhatWasEncapsulated(TunnelKind kind, int innerVersion, boolean keyed,
                                                      boolean checksum) {
        TunnelSpec spec = spec(kind, keyed, checksum);
        for (int dataBytes : new int[] {0, 1, 31, 1000}) {
            byte[] inner = inner(innerVersion, dataBytes);
            byte[] buf = TestPackets.withHeadroom(inner, HEADROOM);
            MemorySegment seg = MemorySegment.ofArray(buf);
            long outer = encapsulator.encapsulate(seg, HEADROOM, inner.length, innerVersion, spec, 7, 0x54321);
            assertEquals(HEADROOM - spec.overheadBytes(), outer);
            int outerLength = inner.length + spec.overheadBytes();
            PacketError error;
            if (kind.outerFamily() == 4) {
                error = decapsulator.decapsulateIpv4(seg, outer, outerLength, result);
                assertEquals(ip("10.0.2.2"), result.outerSource());
                assertEquals(ip("10.0.3.10"), result.outerDestination());
                assertEquals(ip("10.0.2.2") & 0xffffffffL, result.outerSourceLo());
            } else {
                Ipv6Flyweight outer6 = new Ipv6Flyweight();
                assertEquals(PacketError.OK, outer6.wrap(seg, outer, outerLength));
                assertEquals(0x54321, outer6.flowLabel());
                assertEquals(outerLength - 40, outer6.payloadLength());
                error = decapsulator.decapsulateIpv6Payload(seg, outer + 40, outerLength - 40, outer6.nextHeader(),
                        outer6.sourceHi(), outer6.sourceLo(), result);
                assertEquals(ip6("fd00:2::2")[1], result.outerSourceLo());
                assertEquals(ip6("fd00:2::2")[0], result.outerSourceHi());
            }
            assertEquals(PacketError.OK, error, kind + " v" + innerVersion + " " + dataBytes);
            assertEquals(kind, result.kind());
            assertEquals(kind.outerFamily(), result.outerFamily());
            assertEquals(innerVersion, result.innerVersion());
            assertEquals(HEADROOM, result.innerOffset());
            assertEquals(keyed, result.greKeyPresent());
            assertEquals(keyed ? (int) 0xdeadbeefL : 0, result.greKey());
            assertArrayEquals(inner, Arrays.copyOfRange(buf, (int) result.innerOffset(),
                    (int) result.innerOffset() + result.innerLength()));
        }
    }

    @Test
    void shouldReportOverheadPerKindAndGreOption() {
        assertEquals(20, spec(TunnelKind.IPIP, false, false).overheadBytes());
        assertEquals(20, spec(TunnelKind.SIT, false, false).overheadBytes());
        assertEquals(24, spec(TunnelKind.GRE, false, false).overheadBytes());
        assertEquals(28, spec(TunnelKind.GRE, true, false).overheadBytes());
        assertEquals(32, spec(TunnelKind.GRE, true, true).overheadBytes());
        assertEquals(40, spec(TunnelKind.IP6TNL, false, false).overheadBytes());
        assertEquals(44, spec(TunnelKind.IP6GRE, false, false).overheadBytes());
        assertEquals(48, spec(TunnelKind.IP6GRE, false, true).overheadBytes());
        assertEquals(52, spec(TunnelKind.IP6GRE, true, true).overheadBytes());
        assertEquals("gre 10.0.2.2 -> 10.0.3.10 ttl 64 key 3735928559 csum", spec(TunnelKind.GRE, true, true)
                .toString());
        assertEquals("ip6tnl fd00:2::2 -> fd00:3::11 ttl 64", spec(TunnelKind.IP6TNL, false, false).toString());
    }

    @Test
    void shouldRejectSpecsThatCannotBeSent() {
        assertThrows(IllegalArgumentException.class, () -> TunnelSpec.ipv4Outer(TunnelKind.IP6TNL, 1, 2, 64, false, 0,
                false));
        assertThrows(IllegalArgumentException.class, () -> TunnelSpec.ipv6Outer(TunnelKind.GRE, 1, 2, 3, 4, 64, false,
                0, false));
        assertThrows(IllegalArgumentException.class, () -> TunnelSpec.ipv4Outer(TunnelKind.IPIP, 1, 2, 64, true, 42,
                false));
        assertThrows(IllegalArgumentException.class, () -> TunnelSpec.ipv6Outer(TunnelKind.IP6TNL, 1, 2, 3, 4, 64,
                false, 0, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TunnelSpec.ipv4Outer(TunnelKind.GRE, 1, 2, 0, false, 0, false));
        assertEquals("ttl 0 (expected: 1..255)", e.getMessage());
    }

    @Test
    void shouldRefuseWithoutWritingWhenTheCombinationOrLengthsAreInvalid() {
        byte[] v4 = inner(4, 10);
        byte[] v6 = inner(6, 10);
        TunnelSpec gre = spec(TunnelKind.GRE, true, true);
        assertRefused(v6, 6, spec(TunnelKind.IPIP, false, false), HEADROOM, v6.length);
        assertRefused(v4, 4, spec(TunnelKind.SIT, false, false), HEADROOM, v4.length);
        assertRefused(v4, 6, gre, HEADROOM, v4.length);                          // version nibble mismatch
        assertRefused(v4, 5, gre, HEADROOM, v4.length);                          // no such version
        assertRefused(v4, 4, gre, gre.overheadBytes() - 1, v4.length);           // headroom missing
        assertRefused(v4, 4, gre, HEADROOM, 19);                                 // shorter than a header
        assertRefused(v6, 6, spec(TunnelKind.IP6TNL, false, false), HEADROOM, 39);
        assertRefused(v4, 4, gre, HEADROOM, v4.length + 1);                      // beyond the segment
        // 16-bit length fields: IPv4 total length counts the outer header, IPv6 payload length does not
        byte[] big = new byte[HEADROOM + 65535];
        big[HEADROOM] = 0x45;
        MemorySegment seg = MemorySegment.ofArray(big);
        assertEquals(-1, encapsulator.encapsulate(seg, HEADROOM, 65535 - 31, 4, gre, 0, 1));
        assertEquals(HEADROOM - 32, encapsulator.encapsulate(seg, HEADROOM, 65535 - 32, 4, gre, 0, 1));
        TunnelSpec ip6gre = spec(TunnelKind.IP6GRE, true, true);
        assertEquals(-1, encapsulator.encapsulate(seg, HEADROOM, 65535 - 11, 4, ip6gre, 0, 1));
        assertEquals(HEADROOM - 52, encapsulator.encapsulate(seg, HEADROOM, 65535 - 12, 4, ip6gre, 0, 1));
    }

    private void assertRefused(byte[] inner, int version, TunnelSpec spec, int innerOffset, int innerLength) {
        byte[] buf = new byte[innerOffset + inner.length];
        System.arraycopy(inner, 0, buf, innerOffset, inner.length);
        byte[] before = buf.clone();
        assertEquals(-1, encapsulator.encapsulate(MemorySegment.ofArray(buf), innerOffset, innerLength, version, spec,
                1, 1), spec + " v" + version + " at " + innerOffset + " length " + innerLength);
        assertArrayEquals(before, buf);
    }

    @Test
    void shouldFoldAFlowHashIntoANonZeroFlowLabel() {
        assertEquals(1, TunnelEncapsulator.flowLabel(0));
        assertEquals(0x12345, TunnelEncapsulator.flowLabel(0x12345));
        assertEquals(0x12345 ^ 0x1, TunnelEncapsulator.flowLabel(0x12345L | 1L << 20));
        for (long h = 1; h != 0; h <<= 1) {
            int label = TunnelEncapsulator.flowLabel(h * 0x9e3779b97f4a7c15L);
            assertTrue(label > 0 && label <= 0xfffff, Long.toHexString(h));
        }
        // a zero label given to encapsulate is sent as 1 (0 means "unlabelled", RFC 6437)
        byte[] inner = inner(6, 0);
        byte[] buf = TestPackets.withHeadroom(inner, 40);
        TunnelSpec spec = spec(TunnelKind.IP6TNL, false, false);
        assertEquals(0, encapsulator.encapsulate(MemorySegment.ofArray(buf), 40, inner.length, 6, spec, 0, 0x100000));
        assertEquals(1, new Ipv6Flyweight().wrapForWrite(MemorySegment.ofArray(buf), 0).flowLabel());
    }

    @Test
    void shouldWriteTheGoldenGreHeaderWithKeyAndChecksum() {
        // inner: the 40-byte TCP SYN of IpipTunnelTest; GRE C|K, proto 0x0800, checksum, reserved, key 42.
        // GRE checksum: sum of 0xa000 + 0x0800 + 0x0000 + 0x0000 + 0x0000 + 0x002a + the inner packet's words.
        byte[] inner = hex("45b9 0028 1c46 4000 4006 086b 0a00 0102 0a64 0001"
                + " 9c40 0050 1234 5678 0000 0000 5002 faf0 9a4e 0000");
        long sum = 0xa000 + 0x0800 + 0x002a;
        for (int i = 0; i < inner.length; i += 2) {
            sum += ((inner[i] & 0xff) << 8) | (inner[i + 1] & 0xff);
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        int checksum = (int) (~sum & 0xffff);
        byte[] buf = TestPackets.withHeadroom(inner, 32);
        TunnelSpec spec = TunnelSpec.ipv4Outer(TunnelKind.GRE, ip("10.0.2.2"), ip("10.0.3.10"), 64, true, 42, true);
        assertEquals(0, encapsulator.encapsulate(MemorySegment.ofArray(buf), 32, inner.length, 4, spec, 0, 0));
        assertEquals(String.format("a000 0800 %04x 0000 0000 002a", checksum).replace(" ", ""),
                TestPackets.hex(Arrays.copyOfRange(buf, 20, 32)));
        // outer: total 72 (0x48), DF, proto 47; checksum 45b9+0048+4000+402f+0a00+0202+0a00+030a
        assertEquals("45b9004800004000402f" + String.format("%04x", ipv4Checksum(0x45b9 + 0x0048 + 0x4000 + 0x402f
                + 0x0a00 + 0x0202 + 0x0a00 + 0x030a)) + "0a0002020a00030a", TestPackets.hex(Arrays.copyOf(buf, 20)));
        assertTrue(new Ipv4Flyweight().wrapForWrite(MemorySegment.ofArray(buf), 0).checksumValid());
    }

    private static int ipv4Checksum(long sum) {
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
