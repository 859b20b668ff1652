package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.BackendState;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.dsrgw.gateway.dataplane.TestPackets.DF;
import static io.dsrgw.gateway.dataplane.TestPackets.TCP;
import static io.dsrgw.gateway.dataplane.TestPackets.UDP;
import static io.dsrgw.gateway.dataplane.TestPackets.hex;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv4;
import static io.dsrgw.gateway.dataplane.TestPackets.tcp;
import static io.dsrgw.gateway.dataplane.TestPackets.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L2 DSR ({@code tunnel = none}) in the pipeline: the packet leaves unchanged, through
 * {@link TxSink#sendToNeighbour} for its backend (never {@link TxSink#send}: its destination is the VIP); a
 * neighbour the sink does not know is {@code drop_no_neighbour}; only the link's MTU makes a packet too big.
 */
class LinkLayerPipelineTest {
    private static final String VIP = "10.100.0.1";
    private static final List<String> BACKENDS = List.of("10.0.3.10", "10.0.3.11", "10.0.3.12");

    /** A VIP whose three backends are L2 DSR, and no IPv4 tunnel source at all (none is needed). */
    private static ForwardingSnapshot snapshot(int tunnelMtu) throws Exception {
        List<ForwardingSnapshot.Backend> backends = new ArrayList<>();
        for (String b : BACKENDS) {
            backends.add(new ForwardingSnapshot.Backend(InetAddress.getByName(b), 100, BackendState.ACTIVE,
                    TunnelKind.NONE));
        }
        return ForwardingSnapshot.builder("seed", 65537, 0, 64, tunnelMtu)
                .addVip("web", InetAddress.getByName(VIP), TCP, new int[] {80}, null, false, backends)
                .addVip("dns", InetAddress.getByName("10.100.0.2"), UDP, new int[] {53}, null, false,
                        List.of(new ForwardingSnapshot.Backend(InetAddress.getByName("10.0.3.20"), 100,
                                BackendState.ACTIVE, TunnelKind.NONE)))
                .build();
    }

    /** Records neighbour sends; answers with {@code answer} (SENT, NO_NEIGHBOUR, or an MTU) unless SENT. */
    static class NeighbourSink implements TxSink {
        final List<byte[]> frames = new ArrayList<>();
        final List<Integer> neighbours = new ArrayList<>();
        final List<byte[]> routed = new ArrayList<>();
        int mtu;
        int answer = SENT;

        @Override
        public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
            routed.add(seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
            return true;
        }

        @Override
        public boolean sendIpv6(MemorySegment seg, long offset, int length, long hi, long lo) {
            routed.add(seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
            return true;
        }

        @Override
        public int sendToNeighbour(MemorySegment seg, long offset, int length, int neighbourIpv4) {
            if (answer != SENT) {
                return answer;
            }
            if (mtu > 0 && length > mtu) {
                return mtu;
            }
            frames.add(seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
            neighbours.add(neighbourIpv4);
            return SENT;
        }
    }

    @Test
    void theClientsPacketLeavesUnchangedForItsBackendsMacAndFlowsSpreadOverAllBackends() throws Exception {
        PacketPipeline pipeline = new PacketPipeline(snapshot(1500), new WorkerCounters());
        NeighbourSink sink = new NeighbourSink();
        Set<Integer> used = new HashSet<>();
        for (int port = 40000; port < 40060; port++) {
            byte[] syn = ipv4(0, port, DF, 63, TCP, "10.0.1.2", VIP, tcp(port, 80, 0));
            assertEquals(CounterSet.TX_PACKETS, PacketPipelineTest.run(pipeline, syn, sink));
            assertEquals(hex(syn), hex(sink.frames.getLast()), "unchanged: no header, same TTL and checksum");
            used.add(sink.neighbours.getLast());
        }
        assertEquals(BACKENDS.stream().map(TestPackets::addr).collect(java.util.stream.Collectors.toSet()), used);
        assertEquals(0, sink.routed.size(), "nothing is routed: the packet's destination is the VIP");
    }

    @Test
    void anUnknownNeighbourIsDroppedAndCountedNeverRouted() throws Exception {
        WorkerCounters counters = new WorkerCounters();
        PacketPipeline pipeline = new PacketPipeline(snapshot(1500), counters);
        NeighbourSink sink = new NeighbourSink();
        sink.answer = TxSink.NO_NEIGHBOUR;
        byte[] syn = ipv4(0, 1, DF, 63, TCP, "10.0.1.2", VIP, tcp(40000, 80, 0));
        assertEquals(CounterSet.DROP_NO_NEIGHBOUR, PacketPipelineTest.run(pipeline, syn, sink));
        assertEquals(1, counters.get(CounterSet.DROP_NO_NEIGHBOUR));
        assertEquals(0, sink.routed.size());
        sink.answer = TxSink.REFUSED;
        assertEquals(CounterSet.DROP_TX_ERROR, PacketPipelineTest.run(pipeline, syn, sink));
    }

    @Test
    void tunnelMtuDoesNotApplyOnlyTheLinkMtuDoes() throws Exception {
        // tunnel-mtu 1300: an IPIP backend would get a too-big at 1281 bytes; an L2 one passes up to the link MTU.
        PacketPipeline pipeline = new PacketPipeline(snapshot(1300), new WorkerCounters());
        NeighbourSink sink = new NeighbourSink();
        sink.mtu = 1500;
        byte[] big = ipv4(0, 2, DF, 63, UDP, "10.0.1.2", "10.100.0.2", udp(1000, 53, 1500 - 28));
        assertEquals(CounterSet.TX_PACKETS, PacketPipelineTest.run(pipeline, big, sink));
        assertEquals(1500, sink.frames.getLast().length);
        byte[] tooBig = ipv4(0, 3, DF, 63, UDP, "10.0.1.2", "10.100.0.2", udp(1000, 53, 1501 - 28));
        assertEquals(CounterSet.TX_ICMP_TOO_BIG, PacketPipelineTest.run(pipeline, tooBig, sink));
        byte[] icmp = sink.routed.getLast();
        assertEquals(3, icmp[20], "ICMP destination unreachable");
        assertEquals(4, icmp[21], "fragmentation needed");
        assertEquals(1500, (icmp[26] & 0xff) << 8 | (icmp[27] & 0xff), "MTU = the link's, not tunnel-mtu - 20");
    }

    @Test
    void anIpv4PacketWithoutDfBeyondTheLinkMtuIsFragmentedToIt() throws Exception {
        PacketPipeline pipeline = new PacketPipeline(snapshot(1500), new WorkerCounters());
        NeighbourSink sink = new NeighbourSink();
        sink.mtu = 1400;
        byte[] big = ipv4(0, 4, 0, 63, UDP, "10.0.1.2", "10.100.0.2", udp(1000, 53, 1480 - 28));
        assertEquals(CounterSet.TX_FRAGMENTS, PacketPipelineTest.run(pipeline, big, sink));
        assertEquals(2, sink.frames.size());
        for (byte[] f : sink.frames) {
            assertTrue(f.length <= 1400, "fragment of " + f.length);
            assertEquals(TestPackets.addr("10.0.3.20"), (int) sink.neighbours.getFirst());
        }
    }

    @Test
    void anIpv6VipReachesItsL2BackendUnchanged() throws Exception {
        InetAddress backend = InetAddress.getByName("fd00:3::10");
        ForwardingSnapshot s = ForwardingSnapshot.builder("seed", 65537, 0, 64, 1500)
                .addVip("web6", InetAddress.getByName("fd00:100::1"), TCP, new int[] {80}, null, false,
                        List.of(new ForwardingSnapshot.Backend(backend, 100, BackendState.ACTIVE, TunnelKind.NONE)))
                .build();
        List<String> v6Neighbours = new ArrayList<>();
        List<byte[]> v6Frames = new ArrayList<>();
        NeighbourSink sink = new NeighbourSink() {
            @Override
            public int sendToNeighbour6(MemorySegment seg, long offset, int length, long hi, long lo) {
                v6Frames.add(seg.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
                v6Neighbours.add(Ipv6Addresses.format(hi, lo));
                return SENT;
            }
        };
        byte[] syn = TestPackets.ipv6(0, 0, TCP, 63, "fd00:1::2", "fd00:100::1", tcp(40000, 80, 0));
        assertEquals(CounterSet.TX_PACKETS, PacketPipelineTest.run(new PacketPipeline(s, new WorkerCounters()), syn,
                sink));
        assertEquals(hex(syn), hex(v6Frames.getFirst()));
        assertEquals(List.of("fd00:3::10"), v6Neighbours);
    }
}
