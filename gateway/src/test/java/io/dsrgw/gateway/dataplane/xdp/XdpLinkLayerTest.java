package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.conf.BackendState;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.PacketPipeline;
import io.dsrgw.gateway.dataplane.TxSink;
import io.dsrgw.gateway.dataplane.WorkerCounters;
import io.dsrgw.linux.bpf.BpfProgram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.dsrgw.gateway.dataplane.TestPackets.TCP;
import static io.dsrgw.gateway.dataplane.TestPackets.UDP;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv4;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv6;
import static io.dsrgw.gateway.dataplane.TestPackets.tcp;
import static io.dsrgw.gateway.dataplane.TestPackets.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L2 DSR ({@code tunnel = none}) on the XDP fast path against the Java pipeline (BPF_PROG_TEST_RUN in the
 * {@link XdpTestbed} namespace; root, clang, BPF): the same backend for every flow, the IP packet byte for byte
 * unchanged in a frame to that backend's MAC from the egress device's MAC; what the kernel cannot resolve or does
 * not reach on-link passes to the slow path with its reason; tunnel-mtu does not apply.
 */
class XdpLinkLayerTest {
    static final String VIP = "10.100.0.9";
    static final String VIP6 = "fd00:100::9";
    static final String SECOND = "10.0.3.11";
    static final String SECOND_MAC = "02:00:0a:00:03:0b";
    static XdpTestbed testbed;
    static XdpDataPlane plane;

    @BeforeAll
    static void setUp() throws Exception {
        TestNetns.assumeAvailable();
        testbed = XdpTestbed.create("dsrgw-xdp-l2");
        testbed.ns().ip("neigh", "add", SECOND, "lladdr", SECOND_MAC, "dev", XdpTestbed.DEV, "nud", "permanent");
        plane = XdpDataPlane.load(4096, FlowTimeouts.DEFAULT, 251, 8);
    }

    @AfterAll
    static void tearDown() throws Exception {
        XdpTestbed.close(plane, testbed);
    }

    private static ForwardingSnapshot.Backend l2(String address) throws Exception {
        return new ForwardingSnapshot.Backend(InetAddress.getByName(address), 100, BackendState.ACTIVE, TunnelKind.NONE);
    }

    /**
     * tunnel-mtu 1280 and no tunnel source: neither applies to L2 backends. VIP web: the two on-link backends;
     * "unresolved": one without a neighbour entry; "routed": one behind the testbed's router; web6: IPv6.
     */
    private static ForwardingSnapshot snapshot() throws Exception {
        return ForwardingSnapshot.builder("l2-seed", 251, 0, 64, 1280)
                .addVip("web", InetAddress.getByName(VIP), TCP, new int[] {80}, null, false,
                        List.of(l2("10.0.3.10"), l2(SECOND)))
                .addVip("unresolved", InetAddress.getByName(VIP), UDP, new int[] {53}, null, false,
                        List.of(l2("10.0.3.77")))
                .addVip("routed", InetAddress.getByName(VIP), UDP, new int[] {54}, null, false,
                        List.of(l2("10.1.0.5")))
                .addVip("web6", InetAddress.getByName(VIP6), TCP, new int[] {80}, null, false,
                        List.of(l2("fd00:3::11")))
                .build();
    }

    /** What Java sends: the neighbour's address and the packet bytes. */
    private record JavaSend(String neighbour, byte[] packet) {
    }

    private static JavaSend java(PacketPipeline pipeline, byte[] packet) {
        JavaSend[] got = new JavaSend[1];
        TxSink sink = new TxSink() {
            @Override
            public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
                throw new AssertionError("routed: L2 DSR must never be routed");
            }

            @Override
            public boolean sendIpv6(MemorySegment seg, long offset, int length, long hi, long lo) {
                throw new AssertionError("routed: L2 DSR must never be routed");
            }

            @Override
            public int sendToNeighbour(MemorySegment seg, long offset, int length, int neighbour) {
                got[0] = new JavaSend(Ipv4Addresses.format(neighbour),
                        seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
                return SENT;
            }

            @Override
            public int sendToNeighbour6(MemorySegment seg, long offset, int length, long hi, long lo) {
                got[0] = new JavaSend(Ipv6Addresses.format(hi, lo),
                        seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
                return SENT;
            }
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(PacketPipeline.HEADROOM_BYTES + packet.length);
            MemorySegment.copy(MemorySegment.ofArray(packet), 0, slot, PacketPipeline.HEADROOM_BYTES, packet.length);
            assertEquals(CounterSet.TX_PACKETS, pipeline.process(slot, PacketPipeline.HEADROOM_BYTES, packet.length,
                    sink));
        }
        return got[0];
    }

    private static byte[] expectedFrame(String dstMac, byte[] packet, boolean v6) {
        byte[] f = new byte[14 + packet.length];
        System.arraycopy(XdpTestbed.mac(dstMac), 0, f, 0, 6);
        System.arraycopy(testbed.mac(), 0, f, 6, 6);
        f[12] = (byte) (v6 ? 0x86 : 0x08);
        f[13] = (byte) (v6 ? 0xdd : 0x00);
        System.arraycopy(packet, 0, f, 14, packet.length);
        return f;
    }

    @Test
    void everyFlowGoesToJavasBackendAsTheUnchangedPacketInAFrameToThatBackendsMac() throws Exception {
        ForwardingSnapshot s = snapshot();
        plane.publish(s);
        PacketPipeline pipeline = new PacketPipeline(s, new WorkerCounters());
        Map<String, String> macs = Map.of("10.0.3.10", XdpTestbed.MAC_BACKEND4, SECOND, SECOND_MAC);
        Set<String> used = new HashSet<>();
        for (int f = 0; f < 24; f++) {
            // 1400 bytes: above tunnel-mtu 1280, which L2 DSR does not have
            byte[] packet = ipv4(0x10, f, 0x4000, 63, TCP, "10.1.77." + (f + 1), VIP, tcp(40000 + f, 80, 1400 - 40));
            JavaSend j = java(pipeline, packet);
            assertArrayEquals(packet, j.packet(), "Java sends the packet unchanged");
            // 6 bytes of Ethernet padding: not sent on
            byte[] frame = Arrays.copyOf(testbed.frame(packet), 14 + packet.length + 6);
            XdpTestbed.Result x = testbed.run(plane.program(), frame);
            assertEquals(BpfProgram.XDP_TX, x.verdict(), "flow " + f + ": " + x.verdictName());
            assertEquals(HexFormat.of().formatHex(expectedFrame(macs.get(j.neighbour()), packet, false)),
                    HexFormat.of().formatHex(x.out()), "flow " + f + " to " + j.neighbour());
            used.add(j.neighbour());
        }
        assertEquals(macs.keySet(), used, "flows spread over both backends");
    }

    @Test
    void anIpv6PacketGoesUnchangedToTheIpv6BackendsMac() throws Exception {
        ForwardingSnapshot s = snapshot();
        plane.publish(s);
        byte[] packet = ipv6(0, 5, TCP, 63, "fd00:1::7", VIP6, tcp(40000, 80, 100));
        JavaSend j = java(new PacketPipeline(s, new WorkerCounters()), packet);
        assertEquals("fd00:3::11", j.neighbour());
        XdpTestbed.Result x = testbed.run(plane.program(), testbed.frame(packet));
        assertEquals(BpfProgram.XDP_TX, x.verdict(), x.verdictName());
        assertArrayEquals(expectedFrame(XdpTestbed.MAC_BACKEND6, j.packet(), true), x.out());
    }

    @Test
    void anUnresolvedNeighbourAndARoutedBackendPassToTheSlowPathWithTheirReasons() throws Exception {
        plane.publish(snapshot());
        XdpCounters before = plane.counters();
        byte[] unresolved = ipv4(0, 1, 0, 63, UDP, "10.1.77.1", VIP, udp(40000, 53, 20));
        byte[] frame = testbed.frame(unresolved);
        XdpTestbed.Result x = testbed.run(plane.program(), frame);
        assertEquals(BpfProgram.XDP_PASS, x.verdict(), x.verdictName());
        assertArrayEquals(frame, x.out(), "passed untouched");
        byte[] routed = ipv4(0, 2, 0, 63, UDP, "10.1.77.1", VIP, udp(40000, 54, 20));
        XdpTestbed.Result r = testbed.run(plane.program(), testbed.frame(routed));
        assertEquals(BpfProgram.XDP_PASS, r.verdict(), r.verdictName());
        XdpCounters d = plane.counters().minus(before);
        assertEquals(1, d.value("pass_fib_no_neigh"));
        assertEquals(1, d.value("pass_fib_other"), "a backend behind a router is not on-link");
        assertTrue(d.value("tx") == 0 && d.value("redirect") == 0);
    }
}
