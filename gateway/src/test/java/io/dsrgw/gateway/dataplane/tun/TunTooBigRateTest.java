package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.conf.EchoMode;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.SnapshotHolder;
import io.dsrgw.gateway.dataplane.TestPackets;
import io.dsrgw.gateway.dataplane.WorkerCounters;
import io.dsrgw.linux.NetworkNamespaces;
import io.dsrgw.linux.RawSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14: a burst of DF packets too big for an IPIP backend's tunnel, sent through a real TUN ingress, is answered
 * with at most {@code icmp.too-big-rate} ICMP messages, not one per packet. With the TUN's MTU at tunnel-mtu - 20
 * (before {@link TunIngress#DEVICE_MTU}) the gateway host's kernel answered each such packet itself with a
 * fragmentation-needed (exempt from every Linux ICMP rate limit) and the pipeline never saw them: this test then
 * counts 200 ICMP messages at the client and 0 packets read by the worker.
 *
 * <p>Two namespaces: the client ({@code 10.0.9.2}) and the gateway ({@code 10.0.9.1}, forwarding on, the TUN with
 * the VIP {@code 10.100.0.1} routed into it, one {@link TunWorker}); the client's packets carry DF and are 1500 bytes,
 * 20 too many for tunnel-mtu 1500 with IPIP. Needs root: skipped (with the reason) otherwise. About 2 s.
 */
class TunTooBigRateTest {
    private static final String VIP = "10.100.0.1";
    private static final int RATE = 5;
    private static final int BURST = 200;

    @Test
    void shouldAnswerABurstOfOversizedDfPacketsWithAtMostTheTooBigRateOfIcmpMessages() throws Exception {
        Assumptions.assumeTrue(isRoot(), "needs root (network namespaces, TUN, raw sockets)");
        String suffix = Long.toString(ProcessHandle.current().pid());
        String gw = "dsrgw-tb-gw-" + suffix;
        String client = "dsrgw-tb-cl-" + suffix;
        ExecutorService gwThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "netns-" + gw));
        ExecutorService clientThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "netns-" + client));
        TunIngress ingress = null;
        TunWorker worker = null;
        Thread workerThread = null;
        try {
            run("ip", "netns", "add", gw);
            run("ip", "netns", "add", client);
            run("ip", "-n", gw, "link", "add", "tbgw", "type", "veth", "peer", "name", "tbcl", "netns", client);
            run("ip", "-n", gw, "addr", "add", "10.0.9.1/24", "dev", "tbgw");
            run("ip", "-n", gw, "link", "set", "tbgw", "up");
            run("ip", "-n", gw, "link", "set", "lo", "up");
            run("ip", "netns", "exec", gw, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            run("ip", "-n", client, "addr", "add", "10.0.9.2/24", "dev", "tbcl");
            run("ip", "-n", client, "link", "set", "tbcl", "up");
            run("ip", "-n", client, "link", "set", "lo", "up");
            run("ip", "-n", client, "route", "add", VIP + "/32", "via", "10.0.9.1");
            call(gwThread, () -> {
                NetworkNamespaces.enterCurrentThread(gw);
                return null;
            });
            call(clientThread, () -> {
                NetworkNamespaces.enterCurrentThread(client);
                return null;
            });

            ForwardingSnapshot snapshot = ForwardingSnapshot.builder("tb-seed", 251, Ipv4Addresses.parse("10.0.9.1"),
                    64, 1500).icmp(EchoMode.ANSWER, RATE).addVip("dns", InetAddress.getByName(VIP), IpProtocol.UDP,
                    new int[] {53}, null, false, List.of(new ForwardingSnapshot.Backend(
                            InetAddress.getByName("10.0.9.50"), 100, true, TunnelKind.IPIP))).build();
            WorkerCounters counters = new WorkerCounters();
            // the TUN, its route and the worker's sockets are made in the gateway's namespace
            ingress = call(gwThread, () -> TunIngress.open("tbtun0", 1, TunIngress.DEVICE_MTU, List.of(VIP)));
            TunIngress opened = ingress;
            worker = call(gwThread, () -> new TunWorker(0, opened.queues().getFirst(), RawSocket.ipv4Raw(), null,
                    new SnapshotHolder(snapshot), counters, 64));
            workerThread = new Thread(worker, "tb-worker");
            workerThread.start();

            long icmpBefore = inDestUnreachs(client);
            byte[] packet = TestPackets.ipv4(0, 1, 0x4000, 64, IpProtocol.UDP, "10.0.9.2", VIP,
                    TestPackets.udp(40000, 53, 1500 - 28));
            call(clientThread, () -> {
                try (RawSocket raw = RawSocket.ipv4Raw(); Arena arena = Arena.ofConfined()) {
                    MemorySegment seg = arena.allocate(packet.length);
                    MemorySegment.copy(packet, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, packet.length);
                    for (int i = 0; i < BURST; i++) {
                        raw.sendIpv4(seg, 0, packet.length, Ipv4Addresses.parse(VIP));
                    }
                }
                return null;
            });
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (counters.published(CounterSet.RX_PACKETS) < BURST && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(300); // the last ICMP messages on their way to the client
            long icmp = inDestUnreachs(client) - icmpBefore;
            long sent = counters.published(CounterSet.TX_ICMP_TOO_BIG);
            String counts = "client received " + icmp + " ICMP destination-unreachable; worker read "
                    + counters.published(CounterSet.RX_PACKETS) + ", sent " + sent + " too-big, rate-limited "
                    + counters.published(CounterSet.DROP_TOO_BIG_RATE_LIMITED);
            assertEquals(BURST, counters.published(CounterSet.RX_PACKETS), "every packet reaches the pipeline, the "
                    + "kernel answers none itself: " + counts);
            // burst = rate, plus what the bucket refilled while the burst lasted (well under a second)
            assertTrue(sent >= 1 && sent <= RATE + 1, "too-big messages sent: " + counts);
            assertEquals(BURST - sent, counters.published(CounterSet.DROP_TOO_BIG_RATE_LIMITED), counts);
            assertEquals(sent, icmp, "what the client received is what the pipeline sent: " + counts);
        } finally {
            if (worker != null) {
                worker.stop();
                workerThread.join(5000);
            }
            if (ingress != null) {
                TunIngress i = ingress;
                call(gwThread, () -> {
                    i.close();
                    return null;
                });
            }
            gwThread.shutdownNow();
            clientThread.shutdownNow();
            gwThread.awaitTermination(5, TimeUnit.SECONDS);
            clientThread.awaitTermination(5, TimeUnit.SECONDS);
            runQuietly("ip", "netns", "del", gw);
            runQuietly("ip", "netns", "del", client);
        }
    }

    private static boolean isRoot() {
        try {
            return "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8).strip()) && Files.exists(Path.of("/dev/net/tun"));
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code Icmp: InDestUnreachs} of the namespace's /proc/net/snmp: every destination-unreachable received. */
    private static long inDestUnreachs(String ns) throws Exception {
        String[] lines = run("ip", "netns", "exec", ns, "cat", "/proc/net/snmp").split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].startsWith("Icmp: ") && lines[i + 1].startsWith("Icmp: ")) {
                List<String> names = List.of(lines[i].split(" "));
                return Long.parseLong(lines[i + 1].split(" ")[names.indexOf("InDestUnreachs")]);
            }
        }
        throw new IOException("no Icmp lines in /proc/net/snmp of " + ns);
    }

    private static <T> T call(ExecutorService thread, Callable<T> task) throws Exception {
        try {
            return thread.submit(task).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + out.strip());
        }
        return out;
    }

    private static void runQuietly(String... command) {
        try {
            run(command);
        } catch (IOException | InterruptedException e) {
            // cleanup: already gone
        }
    }
}
