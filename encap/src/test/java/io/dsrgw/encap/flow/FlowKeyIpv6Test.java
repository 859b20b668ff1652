package io.dsrgw.encap.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.icmp.IcmpBuilder;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.testing.TestPackets;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The property that matters for DSR: an ICMP error about a packet the backend sent (VIP -> client) gets the
 * same key, hence the same backend, as the client's own packets of that flow. Exact keys per case are in
 * icmp-error-flow.txt.
 */
class FlowKeyIpv6Test {
    private final FlowKeyExtractor extractor = new FlowKeyExtractor();
    private final FlowHash hash = FlowHash.fromSeed("icmp");

    @Test
    void shouldKeyAnIcmpErrorAboutAReplyLikeTheClientsOwnPackets() {
        byte[] request = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 2, 0);
        byte[] reply = TestPackets.tcpPacket("10.100.0.1", "10.0.1.2", 80, 40000, 0x12, 1400);
        Ipv4Flyweight ip = new Ipv4Flyweight();
        FlowKey flow = new FlowKey();
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(request), 0, request.length));
        assertEquals(PacketError.OK, extractor.extract(ip, flow));
        // a router on the client's side answers the reply with "fragmentation needed", to the VIP
        byte[] error = new byte[600];
        int n = IcmpBuilder.fragmentationNeeded(MemorySegment.ofArray(reply), 0, reply.length, 1400, 64,
                MemorySegment.ofArray(error), 0);
        error = Arrays.copyOf(error, n);
        FlowKey fromError = new FlowKey();
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(error), 0, n));
        assertEquals(PacketError.OK, extractor.extractFromIcmpError(ip, fromError));
        assertEquals(flow, fromError);
        assertEquals(hash.hash(flow), hash.hash(fromError));
    }

    @Test
    void shouldKeyAnIcmpv6ErrorAboutAReplyLikeTheClientsOwnPackets() {
        byte[] request = TestPackets.udpPacket6("fd00:1::2", "fd00:100::1", 40000, 53, 10);
        byte[] reply = TestPackets.udpPacket6("fd00:100::1", "fd00:1::2", 53, 40000, 1400);
        Ipv6Flyweight ip = new Ipv6Flyweight();
        FlowKey flow = new FlowKey();
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(request), 0, request.length));
        assertEquals(PacketError.OK, extractor.extract(ip, flow));
        assertEquals("udp [fd00:1::2]:40000 -> [fd00:100::1]:53", flow.toString());
        byte[] error = new byte[1280];
        int n = IcmpBuilder.packetTooBig(MemorySegment.ofArray(reply), 0, reply.length, 1280, 64,
                MemorySegment.ofArray(error), 0);
        assertEquals(1280, n);
        FlowKey fromError = new FlowKey();
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(error), 0, n));
        assertEquals(PacketError.OK, extractor.extractFromIcmpv6Error(ip, fromError));
        assertEquals(flow, fromError);
        assertEquals(hash.hash(flow), hash.hash(fromError));
    }

    @Test
    void shouldGiveEveryIpv6FragmentOfADatagramTheSameKey() {
        TestPackets.Ipv6 first = new TestPackets.Ipv6();
        first.nextHeader = 44;
        first.extensions = TestPackets.hex("3c00 0001 0000 0007"); // fragment: next 60, offset 0, M, id 7
        first.payload = TestPackets.hex("1100 0104 0000 0000" + "0001 0035 0010 0000" + "00".repeat(8)); // dst opts
        TestPackets.Ipv6 last = new TestPackets.Ipv6();
        last.nextHeader = 44;
        last.extensions = TestPackets.hex("3c00 0018 0000 0007"); // offset 24, no M
        last.payload = new byte[8];
        FlowKey a = key(first.build());
        FlowKey b = key(last.build());
        assertEquals(a, b);
        assertEquals("ipv6-opts [fd00:1::2]:0 -> [fd00:100::1]:0 fragment", a.toString());
    }

    private FlowKey key(byte[] packet) {
        Ipv6Flyweight ip = new Ipv6Flyweight();
        assertEquals(PacketError.OK, ip.wrap(MemorySegment.ofArray(packet), 0, packet.length));
        FlowKey key = new FlowKey();
        assertEquals(PacketError.OK, extractor.extract(ip, key));
        return key;
    }
}
