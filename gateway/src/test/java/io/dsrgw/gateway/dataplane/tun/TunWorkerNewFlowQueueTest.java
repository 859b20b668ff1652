package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.conf.EchoMode;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.SnapshotHolder;
import io.dsrgw.gateway.dataplane.WorkerCounters;
import io.dsrgw.linux.NetworkNamespaces;
import io.dsrgw.linux.RawSocket;
import io.dsrgw.linux.TunDevice;
import io.dsrgw.linux.bpf.Bpf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static io.dsrgw.gateway.dataplane.tun.TunSteeringQueueTest.call;
import static io.dsrgw.gateway.dataplane.tun.TunSteeringQueueTest.run;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A {@link TunWorker} of three queues (steered TUN, one worker) with all queues full: 40 ACKs of established flows,
 * 40 SYNs of new sources and 4 SYNs of the ACKs' (now known) sources wait when the worker runs its first batch (size
 * 16). Each batch must read the known sources' SYNs first, at most 2 (an eighth), then the established queue up to
 * what is left less 2 (the new flows' minimum share), and give the new-flow queue the rest: batches (known +
 * established + new) of 2+12+2, 2+12+2, 0+14+2, 0+2+14, 0+0+16, 0+0+4. A worker that read the new-flow queue first,
 * starved it or the known queue while established packets wait, or let the known queue take more than its share,
 * fails. Both read paths: io_uring and read(2) per packet (the fallback).
 * Needs root and BPF: skipped with the reason otherwise.
 */
class TunWorkerNewFlowQueueTest {
    private static final String VIP = "10.100.0.1";
    private static final int BATCH = 16;
    private static final int EACH = 40;
    private static final int KNOWN = 4;

    @ParameterizedTest(name = "io_uring {0}")
    @ValueSource(booleans = {true, false})
    void shouldReadEstablishedPacketsFirstAndStillGiveNewFlowsTheirMinimumShare(boolean ioUring) throws Exception {
        assumeTrue(TunSteeringQueueTest.isRoot(), "needs root (network namespace, TUN, raw sockets)");
        assumeTrue(Bpf.isAvailable(), () -> "BPF unavailable: " + Bpf.unavailabilityCause());
        String ns = "dsrgw-nfq-" + ProcessHandle.current().pid();
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "netns-" + ns));
        List<TunDevice> queues = new ArrayList<>();
        TunWorker[] worker = new TunWorker[1];
        try {
            run("ip", "netns", "add", ns);
            run("ip", "-n", ns, "link", "set", "lo", "up");
            // the backend's subnet on a veth pair with a static neighbour: the worker's sends succeed and vanish
            run("ip", "-n", ns, "link", "add", "nfqa", "type", "veth", "peer", "name", "nfqb");
            run("ip", "-n", ns, "addr", "add", "10.0.9.1/24", "dev", "nfqa");
            run("ip", "-n", ns, "link", "set", "nfqa", "up");
            run("ip", "-n", ns, "link", "set", "nfqb", "up");
            run("ip", "-n", ns, "neigh", "add", "10.0.9.50", "lladdr", "02:00:00:00:00:01", "dev", "nfqa");
            call(thread, () -> {
                NetworkNamespaces.enterCurrentThread(ns);
                return null;
            });
            TunSteeringQueueTest.openSteeredTun(thread, ns, "nfq0", TunSteering.QUEUES_PER_WORKER, VIP + "/32",
                    queues);
            ForwardingSnapshot snapshot = ForwardingSnapshot.builder("nfq-seed", 251, Ipv4Addresses.parse("10.0.9.1"),
                    64, 1500).icmp(EchoMode.ANSWER, 5).addVip("web", InetAddress.getByName(VIP), IpProtocol.TCP,
                    new int[] {80}, null, false, List.of(new ForwardingSnapshot.Backend(
                            InetAddress.getByName("10.0.9.50"), 100, true, TunnelKind.IPIP))).build();
            WorkerCounters counters = new WorkerCounters();
            worker[0] = call(thread, () -> new TunWorker(0, queues.get(0), queues.get(1), queues.get(2),
                    RawSocket.ipv4Raw(), null, new SnapshotHolder(snapshot), counters, BATCH, ioUring));

            call(thread, () -> {
                try (RawSocket raw = RawSocket.ipv4Raw(); Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(2048);
                    for (int i = 0; i < 2 * EACH; i++) {
                        // established traffic first into the TUN, then the SYNs: the queues are full before reading
                        boolean syn = i >= EACH;
                        // the SYNs from other sources: a source with an ACK on record would be "known"
                        byte[] p = TunSteeringTest.tcp4((syn ? "203.0.113." : "198.51.100.") + (i % EACH + 1), VIP,
                                40000 + i, syn ? 0x02 : 0x10, syn ? 0 : 20);
                        MemorySegment.copy(p, 0, buffer, JAVA_BYTE, 0, p.length);
                        raw.sendIpv4(buffer, 0, p.length, Ipv4Addresses.parse(VIP));
                    }
                    for (int i = 0; i < KNOWN; i++) {
                        // sources that sent an ACK above: known to the program
                        byte[] p = TunSteeringTest.tcp4("198.51.100." + (i + 1), VIP, 50000 + i, 0x02, 0);
                        MemorySegment.copy(p, 0, buffer, JAVA_BYTE, 0, p.length);
                        raw.sendIpv4(buffer, 0, p.length, Ipv4Addresses.parse(VIP));
                    }
                }
                return null;
            });
            // A local raw send reaches the TUN's queue within the send call (the TUN's own tx counters only move
            // when a packet is read, so there is nothing to wait for here).
            List<String> batches = new ArrayList<>();
            long known = 0;
            long established = 0;
            long newFlows = 0;
            for (int b = 0; b < 7; b++) {
                call(thread, () -> worker[0].cycle(System.nanoTime()));
                long rx = counters.published(CounterSet.RX_PACKETS);
                long rxNew = counters.published(CounterSet.RX_NEW_FLOW_PACKETS);
                long rxKnown = counters.published(CounterSet.RX_KNOWN_SOURCE_PACKETS);
                batches.add((rxKnown - known) + "+" + (rx - rxNew - rxKnown - established) + "+" + (rxNew - newFlows));
                known = rxKnown;
                established = rx - rxNew - rxKnown;
                newFlows = rxNew;
            }
            // known sources' SYNs + established + new flows per batch
            assertEquals(List.of("2+12+2", "2+12+2", "0+14+2", "0+2+14", "0+0+16", "0+0+4", "0+0+0"), batches);
            assertEquals(2, TunWorker.minNewFlowReads(BATCH));
            assertEquals("0", run("ip", "netns", "exec", ns, "cat", "/sys/class/net/nfq0/statistics/tx_dropped")
                    .strip(), "TUN queue drops");
        } finally {
            if (worker[0] != null) {
                // run() of a stopped worker only releases what it owns (sockets, ring, slots)
                worker[0].stop();
                call(thread, () -> {
                    worker[0].run();
                    return null;
                });
            }
            TunSteeringQueueTest.closeSteeredTun(thread, ns, queues);
        }
    }

}
