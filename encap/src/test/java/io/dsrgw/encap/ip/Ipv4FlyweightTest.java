package io.dsrgw.encap.ip;

import static io.dsrgw.encap.testing.TestPackets.hex;
import static io.dsrgw.encap.testing.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.testing.TestPackets;
import java.lang.foreign.MemorySegment;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Ipv4FlyweightTest {
    /** The classic example header (Wikipedia "IPv4 header checksum"): UDP, DF, 192.168.0.1 -> .199. */
    private static final String EXAMPLE_HEADER = "4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7";

    private static byte[] examplePacket() {
        byte[] packet = new byte[0x73];
        System.arraycopy(hex(EXAMPLE_HEADER), 0, packet, 0, 20);
        return packet;
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
        return Stream.of(
                Arguments.of("19 bytes captured", hex(EXAMPLE_HEADER.substring(0, 47)), PacketError.TRUNCATED),
                Arguments.of("empty", new byte[0], PacketError.TRUNCATED),
                Arguments.of("version 6", patch(examplePacket(), 0, 0x65), PacketError.BAD_VERSION),
                Arguments.of("version 0", patch(examplePacket(), 0, 0x05), PacketError.BAD_VERSION),
                Arguments.of("IHL 4", patch(examplePacket(), 0, 0x44), PacketError.BAD_IHL),
                Arguments.of("IHL 0", patch(examplePacket(), 0, 0x40), PacketError.BAD_IHL),
                Arguments.of("total length 116 > 115 captured", patch(examplePacket(), 3, 0x74),
                        PacketError.BAD_TOTAL_LENGTH),
                Arguments.of("total length 19 < header", patch(examplePacket(), 3, 19), PacketError.BAD_IHL),
                Arguments.of("IHL 15 (60 bytes) > total length 40", ihl15Total40(), PacketError.BAD_IHL),
                Arguments.of("option length 0", withOptions("44 00 0000"), PacketError.BAD_OPTIONS),
                Arguments.of("option length 1", withOptions("83 01 0000"), PacketError.BAD_OPTIONS),
                Arguments.of("option beyond header", withOptions("01 01 07 08"), PacketError.BAD_OPTIONS),
                Arguments.of("option type without length byte", withOptions("01 01 01 07"), PacketError.BAD_OPTIONS),
                Arguments.of("reserved flag set", patch(examplePacket(), 6, 0x80), PacketError.BAD_FRAGMENT),
                Arguments.of("offset 65528 + 95 bytes > 65535", patch(patch(examplePacket(), 6, 0x1f), 7, 0xff),
                        PacketError.BAD_FRAGMENT),
                Arguments.of("MF with 95 bytes (not a multiple of 8)", patch(examplePacket(), 6, 0x20),
                        PacketError.BAD_FRAGMENT),
                Arguments.of("MF with an empty payload", mfEmpty(), PacketError.BAD_FRAGMENT),
                Arguments.of("empty last fragment", lastEmpty(), PacketError.BAD_FRAGMENT));
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

    private static byte[] ihl15Total40() {
        byte[] packet = new byte[60];
        System.arraycopy(hex(EXAMPLE_HEADER), 0, packet, 0, 20);
        packet[0] = 0x4f;
        packet[3] = 40;
        return packet;
    }

    private static byte[] mfEmpty() {
        byte[] packet = hex(EXAMPLE_HEADER);
        packet[3] = 20;
        packet[6] = 0x20;
        return packet;
    }

    private static byte[] lastEmpty() {
        byte[] packet = hex(EXAMPLE_HEADER);
        packet[3] = 20;
        packet[7] = 1;
        return packet;
    }

    private static byte[] withOptions(String options) {
        TestPackets.Ipv4 p = new TestPackets.Ipv4();
        p.options = hex(options);
        p.payload = new byte[8];
        return p.build();
    }
}
