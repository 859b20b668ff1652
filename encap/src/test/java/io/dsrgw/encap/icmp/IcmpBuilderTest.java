package io.dsrgw.encap.icmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.Icmpv4Flyweight;
import io.dsrgw.encap.ip.Icmpv6Flyweight;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.testing.TestPackets;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Limits and refusals; the golden messages are in icmp-too-big.txt and echo.txt. */
class IcmpBuilderTest {
    private final byte[] out = new byte[2048];
    private final MemorySegment outSeg = MemorySegment.ofArray(out);

    @Test
    void shouldQuoteAtMost576BytesInAFragmentationNeededAndVerifyAsAValidPacket() {
        byte[] big = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 0x18, 1460);
        int n = IcmpBuilder.fragmentationNeeded(MemorySegment.ofArray(big), 0, big.length, 1476, 64, outSeg, 0);
        assertEquals(576, n);
        Ipv4Flyweight ip = new Ipv4Flyweight();
        assertEquals(PacketError.OK, ip.wrap(outSeg, 0, n));
        assertTrue(ip.checksumValid());
        assertEquals(TestPackets.ip("10.100.0.1"), ip.source());
        assertEquals(TestPackets.ip("10.0.1.2"), ip.destination());
        Icmpv4Flyweight icmp = new Icmpv4Flyweight();
        icmp.wrap(outSeg, 20, n - 20);
        assertEquals(1476, icmp.nextHopMtu());
        assertEquals(0, InternetChecksum.icmpv4(outSeg, 20, n - 20));
    }

    @Test
    void shouldQuoteAtMost1280BytesInAPacketTooBig() {
        byte[] big = TestPackets.tcpPacket6("fd00:1::2", "fd00:100::1", 40000, 80, 0x18, 1440);
        int n = IcmpBuilder.packetTooBig(MemorySegment.ofArray(big), 0, big.length, 1456, 64, outSeg, 0);
        assertEquals(1280, n);
        Ipv6Flyweight ip = new Ipv6Flyweight();
        assertEquals(PacketError.OK, ip.wrap(outSeg, 0, n));
        Icmpv6Flyweight icmp = new Icmpv6Flyweight();
        icmp.wrap(outSeg, 40, n - 40);
        assertTrue(icmp.isPacketTooBig());
        assertTrue(icmp.isError());
        assertEquals(1456, icmp.mtu());
        assertEquals(0, InternetChecksum.icmpv6(outSeg, 40, n - 40, ip.sourceHi(), ip.sourceLo(), ip.destinationHi(),
                ip.destinationLo()));
    }

    @Test
    void shouldRefuseWhatDoesNotFitOrIsNotAPacket() {
        byte[] p4 = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 2, 0);
        MemorySegment s4 = MemorySegment.ofArray(p4);
        assertEquals(-1, IcmpBuilder.fragmentationNeeded(s4, 0, p4.length, 67, 64, outSeg, 0), "MTU below 68");
        assertEquals(-1, IcmpBuilder.fragmentationNeeded(s4, 0, p4.length, 65536, 64, outSeg, 0));
        assertEquals(-1, IcmpBuilder.fragmentationNeeded(s4, 0, p4.length, 1400, 64, outSeg, 2048 - 67),
                "no room for 28 + 40 bytes");
        assertEquals(68, IcmpBuilder.fragmentationNeeded(s4, 0, p4.length, 1400, 64, outSeg, 2048 - 68));
        assertEquals(-1, IcmpBuilder.fragmentationNeeded(s4, 0, 19, 1400, 64, outSeg, 0));
        byte[] v6 = TestPackets.tcpPacket6("fd00:1::2", "fd00:100::1", 1, 80, 2, 0);
        assertEquals(-1, IcmpBuilder.fragmentationNeeded(MemorySegment.ofArray(v6), 0, v6.length, 1400, 64, outSeg,
                0), "not IPv4");
        assertEquals(-1, IcmpBuilder.packetTooBig(s4, 0, p4.length, 1280, 64, outSeg, 0), "not IPv6");
        assertEquals(-1, IcmpBuilder.packetTooBig(MemorySegment.ofArray(v6), 0, v6.length, 0, 64, outSeg, 0));
        assertEquals(-1, IcmpBuilder.echoReplyIpv4InPlace(s4, 0, p4.length, 64), "TCP is not an echo request");
        assertEquals(-1, IcmpBuilder.echoReplyIpv6InPlace(MemorySegment.ofArray(v6), 0, v6.length, 64));
        byte[] echo = TestPackets.icmpEchoPacket("10.0.1.2", "10.100.0.1", 1, 1, 8);
        assertEquals(-1, IcmpBuilder.echoReplyIpv4InPlace(MemorySegment.ofArray(echo), 0, echo.length - 1, 64),
                "total length beyond the bytes");
    }

    @Test
    void shouldAnswerAnEchoRequestTwiceIntoTheSameReply() {
        byte[] echo = TestPackets.icmpv6EchoPacket("fd00:1::2", "fd00:100::1", true, 9, 9, 100);
        MemorySegment seg = MemorySegment.ofArray(echo);
        int n = IcmpBuilder.echoReplyIpv6InPlace(seg, 0, echo.length, 64);
        assertEquals(echo.length, n);
        byte[] expected = TestPackets.icmpv6EchoPacket("fd00:100::1", "fd00:1::2", false, 9, 9, 100);
        assertArrayEquals(expected, echo, "a reply is the request from the other side");
        assertEquals(-1, IcmpBuilder.echoReplyIpv6InPlace(seg, 0, echo.length, 64), "a reply is not answered");
    }
}
