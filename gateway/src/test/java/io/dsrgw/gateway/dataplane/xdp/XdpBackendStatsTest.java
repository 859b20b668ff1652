package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.gateway.dataplane.BackendIds;
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
import java.util.Arrays;
import java.util.List;

import static io.dsrgw.gateway.dataplane.TestPackets.UDP;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv4;
import static io.dsrgw.gateway.dataplane.TestPackets.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13: the program counts packets and inner bytes per stable backend id in dsrgw_backend_stats, exactly as the
 * Java pipeline counts them in {@link WorkerCounters} (same backend, same byte definition), so the two can be added
 * ({@code BPF_PROG_TEST_RUN} in a test namespace; root).
 */
class XdpBackendStatsTest {
    static final String VIP = "10.100.0.7";
    static final List<String> BACKENDS = List.of("10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4");
    static XdpTestbed testbed;
    static XdpDataPlane plane;

    @BeforeAll
    static void setUp() throws Exception {
        TestNetns.assumeAvailable();
        testbed = XdpTestbed.create("dsrgw-xdp-bstats");
        plane = XdpDataPlane.load(4096, FlowTimeouts.DEFAULT, 251, 8);
    }

    @AfterAll
    static void tearDown() throws Exception {
        XdpTestbed.close(plane, testbed);
    }

    /** Ids 0..2 go to backends of another (unpublished) VIP first, so the VIP's ids are not its indices. */
    private static ForwardingSnapshot snapshot(List<String> backends) {
        BackendIds ids = new BackendIds();
        for (int i = 0; i < 3; i++) {
            ids.idOf("gone", "192.0.2." + i);
        }
        ForwardingSnapshot.Builder b = ForwardingSnapshot.builder("stats-seed", 251, Ipv4Addresses.parse("10.0.3.1"),
                64, 1500).backendIds(ids);
        b.addVip("svc", Ipv4Addresses.parse(VIP), UDP, new int[] {53}, backends.stream()
                .map(a -> new ForwardingSnapshot.Ipv4Backend(Ipv4Addresses.parse(a), 1, true)).toList());
        return b.build();
    }

    private static void runJava(PacketPipeline pipeline, byte[] packet) {
        TxSink sink = new TxSink() {
            @Override
            public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
                return true;
            }

            @Override
            public boolean sendIpv6(MemorySegment seg, long offset, int length, long hi, long lo) {
                return true;
            }
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(PacketPipeline.HEADROOM_BYTES + packet.length);
            MemorySegment.copy(MemorySegment.ofArray(packet), 0, slot, PacketPipeline.HEADROOM_BYTES, packet.length);
            assertEquals(CounterSet.TX_PACKETS,
                    pipeline.process(slot, PacketPipeline.HEADROOM_BYTES, packet.length, sink));
        }
    }

    @Test
    void shouldCountEachForwardedPacketAndItsInnerBytesInTheSlotOfTheBackendJavaChooses() throws Exception {
        ForwardingSnapshot s = snapshot(BACKENDS);
        plane.publish(s);
        long[] before = plane.backendStats();
        WorkerCounters java = new WorkerCounters();
        PacketPipeline pipeline = new PacketPipeline(s, java);
        pipeline.beginBatch(0);
        int flows = 12;
        int perFlow = 5;
        long sent = 0;
        long sentBytes = 0;
        for (int f = 0; f < flows; f++) {
            for (int n = 0; n < perFlow; n++) {
                // lengths differ per packet: the bytes must be the sum of the packets' own inner lengths
                byte[] packet = ipv4(0, n, 0, 63, UDP, "10.1.77." + (f + 1), VIP, udp(40000 + f, 53, 10 * f + n));
                runJava(pipeline, packet);
                // 7 bytes of Ethernet padding behind the IP packet: not part of the inner length
                byte[] frame = Arrays.copyOf(testbed.frame(packet), 14 + packet.length + 7);
                XdpTestbed.Result x = testbed.run(plane.program(), frame);
                assertEquals(BpfProgram.XDP_TX, x.verdict(), "flow " + f + ": " + x.verdictName());
                sent++;
                sentBytes += packet.length;
            }
        }
        java.publish();
        long[] after = plane.backendStats();
        int used = 0;
        long packets = 0;
        long bytes = 0;
        for (int id = 0; id < 3 + BACKENDS.size(); id++) {
            long p = at(after, 2 * id) - at(before, 2 * id);
            long b = at(after, 2 * id + 1) - at(before, 2 * id + 1);
            assertEquals(java.publishedBackendPackets(id), p, "packets of id " + id);
            assertEquals(java.publishedBackendBytes(id), b, "bytes of id " + id);
            if (id < 3) {
                assertEquals(0, p, "id " + id + " is no backend of the VIP");
            }
            if (p > 0) {
                used++;
                assertEquals(0, p % perFlow, "id " + id + ": whole flows, " + p);
            }
            packets += p;
            bytes += b;
        }
        assertEquals(sent, packets, "every forwarded packet counted once");
        assertEquals(sentBytes, bytes, "inner bytes, without padding or tunnel overhead");
        assertTrue(used >= 2, "flows spread over " + used + " backends (expected: at least 2 of 4)");
        assertEquals(2 * (3 + BACKENDS.size()), after.length, "one pair per id ever published");
    }

    @Test
    void shouldNotCountPassedPacketsForAnyBackend() throws Exception {
        ForwardingSnapshot s = snapshot(BACKENDS);
        plane.publish(s);
        long[] before = plane.backendStats();
        XdpCounters counters = plane.counters();
        // too big for tunnel-mtu 1500 with IPIP: the program passes it to the slow path, which forwards or answers
        byte[] big = ipv4(0, 1, 0x4000, 63, UDP, "10.1.77.1", VIP, udp(40000, 53, 1460));
        XdpTestbed.Result x = testbed.run(plane.program(), testbed.frame(big));
        assertEquals(BpfProgram.XDP_PASS, x.verdict(), x.verdictName());
        assertEquals(1, plane.counters().minus(counters).value("pass_too_big"));
        assertEquals(Arrays.toString(before), Arrays.toString(plane.backendStats()));
    }

    private static long at(long[] a, int i) {
        return i < a.length ? a[i] : 0;
    }
}
