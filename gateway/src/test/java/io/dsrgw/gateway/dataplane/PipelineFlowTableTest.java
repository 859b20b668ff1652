package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.BackendState;
import io.dsrgw.encap.ip.IpProtocol;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dsrgw.gateway.dataplane.TestPackets.ipv4;
import static io.dsrgw.gateway.dataplane.TestPackets.tcp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The packet pipeline with a worker flow table in front of Maglev (issue 5). */
class PipelineFlowTableTest {
    private static final long S = 1_000_000_000L;

    @Test
    void shouldGiveEveryGoldenPacketTheSameVerdictAndOutputWithAFlowTable() {
        ForwardingSnapshot snapshot = PacketPipelineTest.snapshot();
        for (PacketPipelineTest.Golden g : PacketPipelineTest.goldenPackets()) {
            PacketPipeline pipeline = new PacketPipeline(snapshot, new WorkerCounters());
            pipeline.flowSteering(new FlowSteering(new FlowTable(64, FlowTimeouts.DEFAULT)));
            PacketPipelineTest.CaptureSink sink = new PacketPipelineTest.CaptureSink();
            assertEquals(g.verdict(), PacketPipelineTest.run(pipeline, g.input(), sink), g.description());
            if (g.output() != null) {
                assertArrayEquals(g.output(), sink.packets.get(0), g.description());
            }
        }
    }

    @Test
    void shouldTrackTheTcpHandshakeAndKeepTheFlowWhenABackendIsAdded() {
        BackendIds ids = new BackendIds();
        ForwardingSnapshot three = build(ids, 1, "10.0.3.10", "10.0.3.11", "10.0.3.12");
        FlowTable table = new FlowTable(1024, FlowTimeouts.DEFAULT);
        PacketPipeline pipeline = new PacketPipeline(three, new WorkerCounters());
        pipeline.flowSteering(new FlowSteering(table));
        pipeline.beginBatch(S);
        // Clients whose flows the fourth backend would take over under pure Maglev.
        ForwardingSnapshot four = build(ids, 2, "10.0.3.10", "10.0.3.11", "10.0.3.12", "10.0.3.13");
        int moved = 0;
        for (int port = 40000; port < 40200; port++) {
            byte[] syn = ipv4(0, 1, 0, 63, IpProtocol.TCP, "10.0.1.2", PacketPipelineTest.WEB, tcp(port, 80, 0));
            byte[] ack = syn.clone();
            ack[20 + 13] = 0x10;
            pipeline.snapshot(three);
            PacketPipelineTest.CaptureSink sink = new PacketPipelineTest.CaptureSink();
            assertEquals(CounterSet.TX_PACKETS, PacketPipelineTest.run(pipeline, syn, sink));
            int first = sink.destinations.get(0);
            pipeline.snapshot(four);
            assertEquals(CounterSet.TX_PACKETS, PacketPipelineTest.run(pipeline, ack, sink));
            assertEquals(first, sink.destinations.get(1), "port " + port + " stays on its backend");
            if (four.backendIpv4(four.backendFor(0, four.flowHash().hash(new io.dsrgw.encap.flow.FlowKey()
                    .setIpv4(TestPackets.addr("10.0.1.2"), TestPackets.addr(PacketPipelineTest.WEB),
                            IpProtocol.TCP, port, 80, false)))) != first) {
                moved++;
            }
        }
        assertEquals(200, table.get(FlowTable.Counter.ENTRIES));
        assertEquals(200, table.get(FlowTable.Counter.HITS));
        assertEquals(true, moved > 20, "pure Maglev would have moved about a quarter: " + moved);
        // Every flow saw SYN then ACK: established (300 s), not SYN-only (10 s).
        int established = 0;
        for (int slot = 0; slot < table.capacity(); slot++) {
            if (table.backendId(slot) >= 0 && table.timeoutClass(slot) == FlowTable.CLASS_TCP_ESTABLISHED) {
                established++;
            }
        }
        assertEquals(200, established);
    }

    private static ForwardingSnapshot build(BackendIds ids, long generation, String... backends) {
        List<ForwardingSnapshot.Ipv4Backend> list = new java.util.ArrayList<>();
        for (String b : backends) {
            list.add(new ForwardingSnapshot.Ipv4Backend(TestPackets.addr(b), 100, BackendState.ACTIVE));
        }
        return ForwardingSnapshot.builder(PacketPipelineTest.SEED, 65537, TestPackets.addr("10.0.2.2"), 64, 1500)
                .generation(generation).backendIds(ids)
                .addVip("web", TestPackets.addr(PacketPipelineTest.WEB), IpProtocol.TCP, new int[] {80}, list)
                .build();
    }
}
