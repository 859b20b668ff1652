package io.dsrgw.encap.tunnel;

import static io.dsrgw.encap.testing.TestPackets.ip;
import static io.dsrgw.encap.testing.TestPackets.ip6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.flow.FlowHash;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.flow.FlowKeyExtractor;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.testing.TestPackets;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * GUE's outer UDP source port: derived from the flow hash, different for different flows, the same for every
 * packet of one flow, always inside the configured range; plus the spec's port rules and the IPv6 checksum.
 */
class GueSourcePortTest {
    private static final int HEADROOM = 64;
    private static final FlowHash HASH = FlowHash.fromSeed("gue-test");

    private final TunnelEncapsulator encapsulator = new TunnelEncapsulator();
    private final FlowKeyExtractor extractor = new FlowKeyExtractor();
    private final FlowKey key = new FlowKey();
    private final Ipv4Flyweight ip4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ip6 = new Ipv6Flyweight();

    private static TunnelSpec spec(TunnelKind kind) {
        return kind.outerFamily() == 4
                ? TunnelSpec.ipv4Outer(kind, ip("10.0.2.2"), ip("10.0.3.10"), 64, false, 0, false)
                : TunnelSpec.ipv6Outer(kind, ip6("fd00:2::2")[0], ip6("fd00:2::2")[1], ip6("fd00:3::11")[0],
                        ip6("fd00:3::11")[1], 64, false, 0, false);
    }

    /** Encapsulates one packet the way the gateway does (port from the flow hash); returns the outer bytes. */
    private byte[] send(TunnelSpec spec, byte[] inner) {
        byte[] buf = TestPackets.withHeadroom(inner, HEADROOM);
        MemorySegment seg = MemorySegment.ofArray(buf);
        PacketError error = (inner[0] & 0xf0) == 0x40 ? (ip4.wrap(seg, HEADROOM, inner.length) == PacketError.OK
                ? extractor.extract(ip4, key) : PacketError.BAD_VERSION)
                : (ip6.wrap(seg, HEADROOM, inner.length) == PacketError.OK ? extractor.extract(ip6, key)
                : PacketError.BAD_VERSION);
        assertEquals(PacketError.OK, error);
        long hash = HASH.hash(key);
        long outer = encapsulator.encapsulate(seg, HEADROOM, inner.length, inner[0] >> 4 & 0xf, spec, 1,
                TunnelEncapsulator.flowLabel(hash), spec.gueSourcePort(hash));
        assertEquals(HEADROOM - spec.overheadBytes(), outer);
        return java.util.Arrays.copyOfRange(buf, (int) outer, HEADROOM + inner.length);
    }

    private static int udpSourcePort(byte[] outer) {
        int udp = (outer[0] & 0xf0) == 0x40 ? 20 : 40;
        return (outer[udp] & 0xff) << 8 | (outer[udp + 1] & 0xff);
    }

    @Test
    void shouldGiveTwoFlowsDifferentSourcePortsAndKeepEachFlowsPort() {
        for (TunnelKind kind : new TunnelKind[] {TunnelKind.GUE, TunnelKind.GUE6}) {
            TunnelSpec spec = spec(kind);
            byte[] flowA = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 0x02, 10);
            byte[] flowB = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40001, 80, 0x02, 10);
            int portA = udpSourcePort(send(spec, flowA));
            int portB = udpSourcePort(send(spec, flowB));
            assertNotEquals(portA, portB, kind + ": two flows, two source ports");
            // later packets of the same flows (other flags, other lengths) keep their flow's port
            assertEquals(portA, udpSourcePort(send(spec,
                    TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 0x10, 1000))), kind + ": flow A");
            assertEquals(portB, udpSourcePort(send(spec,
                    TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40001, 80, 0x18, 3))), kind + ": flow B");
        }
    }

    @Test
    void shouldSpreadManyFlowsOverTheRangeAndStayInsideIt() {
        TunnelSpec spec = spec(TunnelKind.GUE).withGuePorts(6080, 20000, 20015);
        Set<Integer> seen = new HashSet<>();
        for (int port = 30000; port < 30400; port++) {
            int source = udpSourcePort(send(spec, TestPackets.udpPacket6("fd00:1::2", "fd00:100::1", port, 53, 8)));
            assertTrue(source >= 20000 && source <= 20015, "in range: " + source);
            seen.add(source);
        }
        assertEquals(16, seen.size(), "400 flows reach all 16 ports");
    }

    @Test
    void shouldMapTheHashAsAnUnsignedNumber() {
        TunnelSpec spec = spec(TunnelKind.GUE6).withGuePorts(6080, 1000, 1009);
        assertEquals(1000 + Long.remainderUnsigned(-1L, 10), spec.gueSourcePort(-1L));
        assertEquals(1000, spec.gueSourcePort(0));
        assertEquals(1007, spec.gueSourcePort(17));
        assertEquals(0, spec(TunnelKind.IPIP).gueSourcePort(17), "not GUE: no port");
    }

    @Test
    void shouldWriteAValidIpv6UdpChecksumAndZeroUnderIpv4() {
        byte[] inner = TestPackets.udpPacket("10.0.1.2", "10.100.0.1", 40000, 53, 33);
        byte[] v4 = send(spec(TunnelKind.GUE), inner);
        assertEquals(0, (v4[26] & 0xff) << 8 | (v4[27] & 0xff), "IPv4 outer: checksum 0 (RFC 768)");
        byte[] v6 = send(spec(TunnelKind.GUE6), inner);
        MemorySegment seg = MemorySegment.ofArray(v6);
        long[] src = ip6("fd00:2::2");
        long[] dst = ip6("fd00:3::11");
        DecapResult result = new DecapResult();
        assertEquals(PacketError.OK, new TunnelDecapsulator().decapsulateIpv6Payload(seg, 40, v6.length - 40, 17,
                src[0], src[1], dst[0], dst[1], result), "checksum verifies over the pseudo-header");
        assertNotEquals(0, (v6[46] & 0xff) << 8 | (v6[47] & 0xff));
        assertEquals(TunnelKind.GUE6, result.kind());
        assertEquals(6080, result.udpDestinationPort());
    }

    @Test
    void shouldRefuseGuePortsOutsideTheirRangesAndOnOtherKinds() {
        TunnelSpec gue = spec(TunnelKind.GUE);
        assertEquals("GUE port 0 (expected: 1..65535)",
                assertThrows(IllegalArgumentException.class, () -> gue.withGuePorts(0, 1, 2)).getMessage());
        assertEquals("GUE source ports 10-9 (expected: FIRST-LAST with 1 <= FIRST <= LAST <= 65535)",
                assertThrows(IllegalArgumentException.class, () -> gue.withGuePorts(6080, 10, 9)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> gue.withGuePorts(6080, 0, 9));
        assertEquals("gre with GUE ports (expected: gue or gue6)", assertThrows(IllegalArgumentException.class,
                () -> spec(TunnelKind.GRE).withGuePorts(6080, 1, 2)).getMessage());
        assertEquals(28, gue.overheadBytes());
        assertEquals(48, spec(TunnelKind.GUE6).overheadBytes());
        assertEquals(TunnelKind.GUE.overheadBytes(), gue.overheadBytes());
        assertEquals(TunnelKind.GUE6.overheadBytes(), spec(TunnelKind.GUE6).overheadBytes());
        assertEquals("gue 10.0.2.2 -> 10.0.3.10 ttl 64 port 6080 sport 49152-65535", gue.toString());
    }
}
