package io.dsrgw.encap.ip;

import static io.dsrgw.encap.testing.TestPackets.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.testing.TestPackets;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Field access and setters; the extension-header walk is covered case by case by ipv6-extension-headers.txt. */
class Ipv6FlyweightTest {
    /** fd00:1::2 -> fd00:100::1, TC 0xb9, flow label 0xabcde, payload 8, next header 17, hop limit 63. */
    private static final String HEADER = "6b9a bcde 0008 113f fd00 0001 0000 0000 0000 0000 0000 0002"
            + " fd00 0100 0000 0000 0000 0000 0000 0001 0001 0035 0008 0000";

    private final Ipv6Flyweight ip = new Ipv6Flyweight();

    @Test
    void shouldReadEveryFieldOfTheGoldenHeader() {
        byte[] b = hex(HEADER);
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(b), 0, b.length));
        assertEquals(6, ip.version());
        assertEquals(0xb9, ip.trafficClass());
        assertEquals(46, ip.dscp());
        assertEquals(1, ip.ecn());
        assertEquals(0xabcde, ip.flowLabel());
        assertEquals(8, ip.payloadLength());
        assertEquals(48, ip.totalLength());
        assertEquals(17, ip.nextHeader());
        assertEquals(63, ip.hopLimit());
        assertEquals(0xfd00_0001_0000_0000L, ip.sourceHi());
        assertEquals(2L, ip.sourceLo());
        assertEquals(0xfd00_0100_0000_0000L, ip.destinationHi());
        assertEquals(1L, ip.destinationLo());
        assertEquals(17, ip.upperProtocol());
        assertEquals(40, ip.upperOffset());
        assertEquals(8, ip.upperLength());
        assertTrue(ip.walkComplete());
        assertFalse(ip.isFragment());
        assertTrue(ip.carriesTransportHeader());
    }

    @Test
    void shouldWriteEveryFieldWithoutDisturbingItsNeighbours() {
        byte[] b = hex(HEADER);
        ip.wrapForWrite(MemorySegment.ofArray(b), 0).trafficClass(0x03).flowLabel(0xfffff).hopLimit(1)
                .payloadLength(0x1234).nextHeader(58).source(-1L, 0x11L).destination(0x22L, -2L);
        assertEquals("603fffff1234 3a01".replace(" ", ""), TestPackets.hex(java.util.Arrays.copyOf(b, 8)));
        assertEquals(-1L, ip.sourceHi());
        assertEquals(0x11L, ip.sourceLo());
        assertEquals(0x22L, ip.destinationHi());
        assertEquals(-2L, ip.destinationLo());
        ip.versionClassFlow(0xb9, 0xabcde);
        assertEquals("6b9abcde", TestPackets.hex(java.util.Arrays.copyOf(b, 4)));
    }

    @Test
    void shouldIgnoreLinkPaddingAfterThePayloadLength() {
        byte[] b = new byte[60];
        System.arraycopy(hex(HEADER), 0, b, 0, 48);
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(b), 0, b.length));
        assertEquals(8, ip.upperLength());
    }

    @Test
    void shouldConvertAddressesBothWays() throws Exception {
        InetAddress a = InetAddress.getByName("fd00:100::1");
        assertEquals(0xfd00_0100_0000_0000L, Ipv6Addresses.hi(a));
        assertEquals(1L, Ipv6Addresses.lo(a));
        assertEquals(a, Ipv6Addresses.toInetAddress(0xfd00_0100_0000_0000L, 1L));
        assertEquals("fd00:100::1", Ipv6Addresses.format(0xfd00_0100_0000_0000L, 1L));
        assertEquals("::", Ipv6Addresses.format(0, 0));
        assertEquals("::1", Ipv6Addresses.format(0, 1));
        assertEquals("2001:db8::1:0:0:1", Ipv6Addresses.format(0x2001_0db8_0000_0000L, 0x0001_0000_0000_0001L),
                "RFC 5952 4.2.3: the first of two equal zero runs");
        assertEquals("2001:db8:0:1:1:1:1:1", Ipv6Addresses.format(0x2001_0db8_0000_0001L, 0x0001_0001_0001_0001L),
                "RFC 5952 4.2.2: one zero group is not shortened");
        assertEquals("::ffff:a00:1", Ipv6Addresses.format(0, 0xffff_0a00_0001L));
        long[] parsed = Ipv6Addresses.parse("::ffff:10.0.0.1");
        assertEquals(0, parsed[0]);
        assertEquals(0xffff_0a00_0001L, parsed[1]);
        assertEquals(0xfd00_0003_0000_0000L, Ipv6Addresses.parse("fd00:3::11")[0]);
        assertEquals(0x11L, Ipv6Addresses.parse("fd00:3::11")[1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ipv6Addresses.parse("10.0.0.1"));
        assertEquals("'10.0.0.1' (expected: IPv6 address such as fd00:2::2)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ipv6Addresses.parse("fd00::1::2"));
        assertThrows(IllegalArgumentException.class, () -> Ipv6Addresses.parse("example.com"));
        assertThrows(IllegalArgumentException.class, () -> Ipv6Addresses.hi(InetAddress.getByName("10.0.0.1")));
    }
}
