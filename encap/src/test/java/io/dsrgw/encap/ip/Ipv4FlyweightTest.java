package io.dsrgw.encap.ip;

import static io.dsrgw.encap.testing.TestPackets.hex;
import static io.dsrgw.encap.testing.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.testing.PacketFixtures;
import io.dsrgw.encap.testing.TestPackets;
import java.lang.foreign.MemorySegment;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Ipv4FlyweightTest {
    private static final String EXAMPLE_HEADER = PacketFixtures.EXAMPLE_HEADER;

    private static byte[] examplePacket() {
        return PacketFixtures.examplePacket();
    }

    @Test
    void shouldReadEveryFieldOfAValidHeader() {
        Ipv4Flyweight ip = new Ipv4Flyweight();
        MemorySegment seg = MemorySegment.ofArray(examplePacket());
        assertEquals(PacketError.OK, ip.wrap(seg, 0, 0x73));
        assertEquals(4, ip.version());
        assertEquals(20, ip.headerLength());
        assertEquals(115, ip.totalLength());
        assertEquals(0, ip.tos());
        assertEquals(0, ip.identification());
        assertTrue(ip.dontFragment());
        assertFalse(ip.moreFragments());
        assertEquals(0, ip.fragmentOffsetBytes());
        assertFalse(ip.isFragment());
        assertEquals(64, ip.ttl());
        assertEquals(IpProtocol.UDP, ip.protocol());
        assertEquals(0xb861, ip.headerChecksum());
        assertEquals(ip("192.168.0.1"), ip.source());
        assertEquals(ip("192.168.0.199"), ip.destination());
        assertEquals(20, ip.payloadOffset());
        assertEquals(95, ip.payloadLength());
        assertTrue(ip.checksumValid());
    }

    @Test
    void shouldWrapAtAnOffsetAndIgnoreTrailingLinkPadding() {
        byte[] buf = TestPackets.withHeadroom(examplePacket(), 64);
        byte[] padded = new byte[buf.length + 6];
        System.arraycopy(buf, 0, padded, 0, buf.length);
        Ipv4Flyweight ip = new Ipv4Flyweight();
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(padded), 64, 0x73 + 6));
        assertEquals(64, ip.offset());
        assertEquals(84, ip.payloadOffset());
        assertEquals(95, ip.payloadLength());
    }

    @Test
    void shouldWriteTheGoldenHeaderThroughTheSetters() {
        byte[] buf = new byte[20];
        new Ipv4Flyweight().wrapForWrite(MemorySegment.ofArray(buf), 0).versionAndHeaderLength(4, 20).tos(0)
                .totalLength(0x73).identification(0).dontFragment(true).ttl(64).protocol(IpProtocol.UDP)
                .source(ip("192.168.0.1")).destination(ip("192.168.0.199")).updateChecksum();
        assertArrayEquals(hex(EXAMPLE_HEADER), buf);
    }

    @Test
    void shouldSplitTosIntoDscpAndEcn() {
        byte[] packet = examplePacket();
        packet[1] = (byte) 0xb9; // DSCP 46 (EF, RFC 3246) << 2 | ECN 01 (ECT(1), RFC 3168)
        Ipv4Flyweight ip = new Ipv4Flyweight();
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(packet), 0, packet.length));
        assertEquals(46, ip.dscp());
        assertEquals(1, ip.ecn());
        assertFalse(ip.checksumValid(), "TOS changed without updating the checksum");
        ip.updateChecksum();
        assertTrue(ip.checksumValid());
    }

    @Test
    void shouldSetAndClearFragmentFieldsIndependently() {
        byte[] packet = examplePacket();
        Ipv4Flyweight ip = new Ipv4Flyweight();
        ip.wrapForWrite(MemorySegment.ofArray(packet), 0);
        ip.moreFragments(true).fragmentOffsetBytes(1480);
        assertEquals(0x4000 | 0x2000 | 185, ip.flagsAndFragmentOffset());
        assertTrue(ip.isFragment());
        assertFalse(ip.carriesTransportHeader());
        ip.dontFragment(false).moreFragments(false);
        assertEquals(185, ip.flagsAndFragmentOffset());
        assertTrue(ip.isFragment(), "the last fragment has MF clear but a non-zero offset");
        ip.fragmentOffsetBytes(0).moreFragments(true);
        assertTrue(ip.isFragment(), "the first fragment has offset 0 but MF set");
        assertTrue(ip.carriesTransportHeader());
    }

    @Test
    void shouldAcceptWellFormedOptions() {
        TestPackets.Ipv4 p = new TestPackets.Ipv4();
        // NOP, Record Route (type 7, length 7, pointer 4, one empty slot), EOL: 1 + 7 + 1 = 9 -> pad to 12
        p.options = hex("01 07 07 04 00000000 00 000000");
        p.payload = TestPackets.tcp(p.source, p.destination, 1234, 80, 0x02, new byte[0]);
        byte[] packet = p.build();
        Ipv4Flyweight ip = new Ipv4Flyweight();
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(packet), 0, packet.length));
        assertEquals(32, ip.headerLength());
        assertEquals(32, ip.payloadOffset());
        assertEquals(20, ip.payloadLength());
        assertTrue(ip.checksumValid());
    }

    static Stream<Arguments> malformedHeaders() {
        return PacketFixtures.malformedIpv4().stream()
                .map(f -> Arguments.of(f.description(), f.bytes(), f.ipv4Verdict()));
    }

    static Stream<Arguments> validPackets() {
        return PacketFixtures.validIpv4().stream().map(f -> Arguments.of(f.description(), f.bytes(), f.ipv4Verdict()));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("validPackets")
    void shouldAcceptWellFormedPackets(String description, byte[] packet, PacketError expected) {
        Ipv4Flyweight ip = new Ipv4Flyweight();
        assertEquals(expected, ip.wrap(MemorySegment.ofArray(packet), 0, packet.length), description);
        assertTrue(ip.checksumValid(), description);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformedHeaders")
    void shouldDropMalformedHeadersWithTheirReason(String description, byte[] packet, PacketError expected) {
        Ipv4Flyweight ip = new Ipv4Flyweight();
        assertEquals(expected, ip.wrap(MemorySegment.ofArray(packet), 0, packet.length), description);
    }

    @Test
    void shouldAcceptLegalFragmentsAtTheLimits() {
        // last fragment ending exactly at 65535: offset 65440 (8180 units) + 95 bytes = 65535
        byte[] last = patch(patch(examplePacket(), 6, 0x1f), 7, 0xf4);
        Ipv4Flyweight ip = new Ipv4Flyweight();
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(last), 0, last.length));
        assertEquals(65440, ip.fragmentOffsetBytes());
        // first fragment with 96 bytes of payload (a multiple of 8)
        TestPackets.Ipv4 p = new TestPackets.Ipv4();
        p.dontFragment = false;
        p.moreFragments = true;
        p.payload = new byte[96];
        byte[] first = p.build();
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(first), 0, first.length));
        assertTrue(ip.isFragment());
        assertTrue(ip.carriesTransportHeader());
    }

    @Test
    void shouldReportTruncationWhenTheCallerClaimsMoreBytesThanTheSegmentHas() {
        byte[] packet = examplePacket();
        Ipv4Flyweight ip = new Ipv4Flyweight();
        assertEquals(PacketError.TRUNCATED, ip.wrap(MemorySegment.ofArray(packet), 0, packet.length + 1));
        assertEquals(PacketError.TRUNCATED, ip.wrap(MemorySegment.ofArray(packet), 100, 20));
        assertEquals(PacketError.TRUNCATED, ip.wrap(MemorySegment.ofArray(packet), -1, 20));
    }

    @Test
    void shouldBeReusableAcrossPackets() {
        Ipv4Flyweight ip = new Ipv4Flyweight();
        byte[] bad = patch(examplePacket(), 0, 0x65);
        assertEquals(PacketError.BAD_VERSION, ip.wrap(MemorySegment.ofArray(bad), 0, bad.length));
        byte[] good = TestPackets.udpPacket("10.0.0.1", "10.0.0.2", 53, 53, 3);
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(good), 0, good.length));
        assertEquals(ip("10.0.0.2"), ip.destination());
    }

    private static byte[] patch(byte[] packet, int index, int value) {
        packet[index] = (byte) value;
        return packet;
    }
}
