package io.dsrgw.encap.flow;

import static io.dsrgw.encap.testing.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.TcpFlyweight;
import io.dsrgw.encap.testing.TestPackets;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class FlowKeyExtractorTest {
    private final Ipv4Flyweight ip = new Ipv4Flyweight();
    private final FlowKeyExtractor extractor = new FlowKeyExtractor();
    private final FlowKey key = new FlowKey();

    private PacketError extract(byte[] packet) {
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(packet), 0, packet.length));
        return extractor.extract(ip, key);
    }

    @Test
    void shouldExtractTheTcpFiveTupleAndKeepTheTcpViewForFlags() {
        byte[] packet = TestPackets.tcpPacket("192.0.2.7", "10.100.0.1", 51234, 443, TcpFlyweight.FLAG_SYN, 0);
        assertEquals(PacketError.OK, extract(packet));
        assertEquals(new FlowKey().setIpv4(ip("192.0.2.7"), ip("10.100.0.1"), IpProtocol.TCP, 51234, 443, false),
                key);
        assertEquals(4, key.family());
        assertEquals(0, key.sourceHi());
        assertEquals(0xc0000207L, key.sourceLo());
        assertEquals(ip("10.100.0.1"), key.destinationIpv4());
        assertTrue(extractor.tcp().syn());
        assertEquals("tcp 192.0.2.7:51234 -> 10.100.0.1:443", key.toString());
    }

    @Test
    void shouldExtractTheUdpFiveTuple() {
        assertEquals(PacketError.OK, extract(TestPackets.udpPacket("192.0.2.7", "10.100.0.1", 5353, 53, 20)));
        assertEquals(IpProtocol.UDP, key.protocol());
        assertEquals(5353, key.sourcePort());
        assertEquals(53, key.destinationPort());
        assertFalse(key.fragment());
    }

    @Test
    void shouldUseTheEchoIdentifierAsSourcePortForIcmpEcho() {
        assertEquals(PacketError.OK, extract(TestPackets.icmpEchoPacket("192.0.2.7", "10.100.0.1", 0xbeef, 3, 56)));
        assertEquals(IpProtocol.ICMP, key.protocol());
        assertEquals(0xbeef, key.sourcePort());
        assertEquals(0, key.destinationPort());
    }

    @Test
    void shouldUsePortZeroForIcmpErrorsAndOtherProtocols() {
        TestPackets.Ipv4 p = new TestPackets.Ipv4();
        p.protocol = IpProtocol.ICMP;
        p.payload = TestPackets.hex("0304 0000 0000 05c8");
        assertEquals(PacketError.OK, extract(p.build()));
        assertEquals(0, key.sourcePort());
        p.protocol = IpProtocol.GRE;
        p.payload = new byte[4];
        assertEquals(PacketError.OK, extract(p.build()));
        assertEquals(IpProtocol.GRE, key.protocol());
        assertEquals(0, key.sourcePort());
        assertEquals(0, key.destinationPort());
    }

    @Test
    void shouldKeyEveryFragmentIncludingTheFirstOnSourceDestinationAndProtocol() {
        TestPackets.Ipv4 p = new TestPackets.Ipv4();
        p.protocol = IpProtocol.UDP;
        p.dontFragment = false;
        p.moreFragments = true;
        // first fragment: carries the UDP header with real ports, which must NOT be used
        byte[] udp = TestPackets.udp(p.source, p.destination, 5353, 53, new byte[1472]);
        p.payload = java.util.Arrays.copyOf(udp, 1480);
        assertEquals(PacketError.OK, extract(p.build()));
        FlowKey first = new FlowKey().copyFrom(key);
        assertTrue(first.fragment());
        assertEquals(0, first.sourcePort());
        assertEquals(0, first.destinationPort());
        // last fragment: offset 1480, no transport header
        p.moreFragments = false;
        p.fragmentOffsetBytes = 1480;
        p.payload = new byte[8];
        assertEquals(PacketError.OK, extract(p.build()));
        assertEquals(first, key);
        FlowHash hash = FlowHash.fromSeed("x");
        assertEquals(hash.hash(first), hash.hash(key));
    }

    @Test
    void shouldDropTruncatedTransportHeaders() {
        TestPackets.Ipv4 p = new TestPackets.Ipv4();
        p.protocol = IpProtocol.TCP;
        p.payload = new byte[19];
        assertEquals(PacketError.TRUNCATED, extract(p.build()));
        p.protocol = IpProtocol.UDP;
        p.payload = new byte[7];
        assertEquals(PacketError.TRUNCATED, extract(p.build()));
        p.protocol = IpProtocol.ICMP;
        assertEquals(PacketError.TRUNCATED, extract(p.build()));
        p.protocol = IpProtocol.UDP;
        p.payload = TestPackets.hex("0035 0035 0040 0000"); // UDP length 64 in an 8-byte payload
        assertEquals(PacketError.BAD_TRANSPORT_HEADER, extract(p.build()));
    }
}
