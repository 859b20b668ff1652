package io.dsrgw.gateway.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.conf.EchoMode;
import io.dsrgw.encap.testing.TestPackets;
import io.dsrgw.encap.tunnel.TunnelKind;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * GUE through the real pipeline: the outer UDP source port follows the flow (two flows, two ports; every packet
 * of a flow the same port, SYN, data and fragments of a datagram alike), inside the configured range, towards the
 * configured destination port; and GUE's 28 / 48 bytes count for too-big like any tunnel overhead.
 */
class PacketPipelineGueTest {

    private static ForwardingSnapshot snapshot(TunnelKind kind, int mtu) {
        return FixtureTablesPipelineTest.snapshot(kind, null, false, 64, mtu, EchoMode.ANSWER, 100, 7000, 40000,
                40099);
    }

    private static int udpPort(byte[] outer, int at) {
        int udp = (outer[0] & 0xf0) == 0x40 ? 20 : 40;
        return (outer[udp + at] & 0xff) << 8 | (outer[udp + at + 1] & 0xff);
    }

    private static int sourcePortOf(ForwardingSnapshot s, byte[] packet) {
        FixtureTablesPipelineTest.Run r = FixtureTablesPipelineTest.run(s, packet);
        assertEquals(CounterSet.TX_PACKETS, r.verdict());
        byte[] outer = r.packets().getFirst();
        assertEquals(7000, udpPort(outer, 2), "the configured gue-port");
        return udpPort(outer, 0);
    }

    @Test
    void shouldGiveTwoFlowsDifferentSourcePortsAndKeepEachFlowsPortOnBothOuterFamilies() {
        for (TunnelKind kind : new TunnelKind[] {TunnelKind.GUE, TunnelKind.GUE6}) {
            ForwardingSnapshot s = snapshot(kind, 1500);
            int a = sourcePortOf(s, TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 0x02, 0));
            int b = sourcePortOf(s, TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40001, 80, 0x02, 0));
            assertNotEquals(a, b, kind + ": two flows");
            assertEquals(a, sourcePortOf(s, TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 0x10, 500)));
            assertEquals(b, sourcePortOf(s, TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40001, 80, 0x18, 7)));
            assertEquals(a, sourcePortOf(snapshot(kind, 1500),
                    TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 0x10, 1)), "a new snapshot, same port");
        }
    }

    @Test
    void shouldKeepEverySourcePortInsideTheConfiguredRange() {
        ForwardingSnapshot s = snapshot(TunnelKind.GUE, 1500);
        Set<Integer> seen = new HashSet<>();
        for (int port = 20000; port < 20300; port++) {
            int source = sourcePortOf(s, TestPackets.udpPacket("10.0.1.2", "10.100.0.1", port, 53, 10));
            assertTrue(source >= 40000 && source <= 40099, "in 40000-40099: " + source);
            seen.add(source);
        }
        assertTrue(seen.size() > 80, "300 flows spread over the 100 ports: " + seen.size());
    }

    @Test
    void shouldAnswerTooBigWithTheTunnelMtuMinusGuesOverhead() {
        // DF set, 1473 bytes: 1473 + 28 > 1500 -> fragmentation needed with MTU 1472
        byte[] big = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 0x10, 1473 - 40);
        FixtureTablesPipelineTest.Run r = FixtureTablesPipelineTest.run(snapshot(TunnelKind.GUE, 1500), big);
        assertEquals(CounterSet.TX_ICMP_TOO_BIG, r.verdict());
        byte[] icmp = r.packets().getFirst();
        assertEquals(1500 - 28, (icmp[26] & 0xff) << 8 | (icmp[27] & 0xff), "next-hop MTU");
        byte[] fits = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 0x10, 1472 - 40);
        assertEquals(CounterSet.TX_PACKETS, FixtureTablesPipelineTest.run(snapshot(TunnelKind.GUE, 1500), fits)
                .verdict());
        byte[] big6 = TestPackets.tcpPacket6("fd00:1::2", "fd00:100::1", 40000, 80, 0x10, 1500 - 48 - 60 + 1);
        r = FixtureTablesPipelineTest.run(snapshot(TunnelKind.GUE6, 1500), big6);
        assertEquals(CounterSet.TX_ICMP_TOO_BIG, r.verdict());
        byte[] icmp6 = r.packets().getFirst();
        assertEquals(1500 - 48, (icmp6[44] & 0xff) << 24 | (icmp6[45] & 0xff) << 16 | (icmp6[46] & 0xff) << 8
                | (icmp6[47] & 0xff), "packet too big MTU");
    }
}
