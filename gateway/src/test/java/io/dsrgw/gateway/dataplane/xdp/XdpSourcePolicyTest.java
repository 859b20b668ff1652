package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.PacketPipelineSourcePolicyTest;
import io.dsrgw.linux.bpf.BpfProgram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.dsrgw.gateway.dataplane.TestPackets.DF;
import static io.dsrgw.gateway.dataplane.TestPackets.TCP;
import static io.dsrgw.gateway.dataplane.TestPackets.UDP;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv4;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv6;
import static io.dsrgw.gateway.dataplane.TestPackets.tcp;
import static io.dsrgw.gateway.dataplane.TestPackets.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Issue 14: the XDP program applies the slow path's source policy to packets for a VIP service (martians in the
 * program, VIPs / backends / tunnel sources / deny prefixes through the dsrgw_src trie filled from the snapshot):
 * XDP_DROP with the same drop_source_* reason as {@link io.dsrgw.gateway.dataplane.PacketPipeline}; ordinary
 * clients are never dropped; a reload that removes a deny prefix lets its sources through again
 * ({@code BPF_PROG_TEST_RUN} in a test namespace; root).
 */
class XdpSourcePolicyTest {
    static XdpTestbed testbed;
    static XdpDataPlane plane;

    @BeforeAll
    static void setUp() throws Exception {
        TestNetns.assumeAvailable();
        testbed = XdpTestbed.create("dsrgw-xdp-src");
        plane = XdpDataPlane.load(4096, FlowTimeouts.DEFAULT, 251, 8);
    }

    @AfterAll
    static void tearDown() throws Exception {
        XdpTestbed.close(plane, testbed);
    }

    private static List<byte[]> packets4(String src) {
        return List.of(ipv4(0, 1, DF, 63, TCP, src, "10.100.0.1", tcp(40000, 80, 0)),
                ipv4(0, 2, 0, 63, UDP, src, "10.100.0.1", udp(40000, 53, 8)));
    }

    private static List<byte[]> packets6(String src) {
        return List.of(ipv6(0, 0, TCP, 63, src, "fd00:100::1", tcp(40000, 80, 0)));
    }

    private static void assertDropped(ForwardingSnapshot s, byte[] packet, String src) throws Exception {
        CounterSet java = XdpFixtureTablesTest.java(s, packet).verdict();
        XdpCounters before = plane.counters();
        XdpTestbed.Result x = testbed.run(plane.program(), testbed.frame(packet));
        XdpCounters delta = plane.counters().minus(before);
        assertEquals(BpfProgram.XDP_DROP, x.verdict(), src + ": " + x.verdictName());
        assertEquals(1, delta.value(java.id()), src + ": java " + java + ", the same counter in the program");
    }

    private static void assertNotDropped(ForwardingSnapshot s, byte[] packet, String src) throws Exception {
        assertNotEquals(CounterSet.DROP_SOURCE_DENIED, XdpFixtureTablesTest.java(s, packet).verdict(), src);
        XdpCounters before = plane.counters();
        XdpTestbed.Result x = testbed.run(plane.program(), testbed.frame(packet));
        XdpCounters delta = plane.counters().minus(before);
        assertNotEquals(BpfProgram.XDP_DROP, x.verdict(), src);
        for (String c : List.of("drop_source_martian", "drop_source_own", "drop_source_denied")) {
            assertEquals(0, delta.value(c), src + ": " + c);
        }
    }

    @Test
    void shouldDropEverySourceTheSlowPathDropsWithTheSameReasonAndNoOrdinaryClient() throws Exception {
        ForwardingSnapshot s = PacketPipelineSourcePolicyTest.snapshot();
        plane.publish(s);
        for (Map.Entry<String, CounterSet> e : PacketPipelineSourcePolicyTest.BAD_SOURCES4.entrySet()) {
            for (byte[] p : packets4(e.getKey())) {
                assertDropped(s, p, e.getKey());
            }
        }
        for (Map.Entry<String, CounterSet> e : PacketPipelineSourcePolicyTest.BAD_SOURCES6.entrySet()) {
            for (byte[] p : packets6(e.getKey())) {
                assertDropped(s, p, e.getKey());
            }
        }
        for (String src : PacketPipelineSourcePolicyTest.CLIENTS4) {
            for (byte[] p : packets4(src)) {
                assertNotDropped(s, p, src);
            }
        }
        for (String src : PacketPipelineSourcePolicyTest.CLIENTS6) {
            for (byte[] p : packets6(src)) {
                assertNotDropped(s, p, src);
            }
        }
    }

    @Test
    void shouldForgetADenyPrefixAReloadRemoves() throws Exception {
        ForwardingSnapshot with = PacketPipelineSourcePolicyTest.snapshot();
        plane.publish(with);
        byte[] p = packets4("198.51.100.77").getFirst();
        assertDropped(with, p, "198.51.100.77");
        ForwardingSnapshot without = PacketPipelineSourcePolicyTest.snapshot(List.of());
        plane.publish(without);
        assertNotDropped(without, p, "198.51.100.77 after the reload");
        byte[] own = packets4("10.0.3.10").getFirst();
        assertDropped(without, own, "a backend is still own");
    }
}
