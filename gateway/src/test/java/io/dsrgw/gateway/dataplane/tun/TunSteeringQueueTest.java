package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.gateway.dataplane.TestPackets;
import io.dsrgw.linux.NetworkNamespaces;
import io.dsrgw.linux.RawSocket;
import io.dsrgw.linux.TunDevice;
import io.dsrgw.linux.bpf.Bpf;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The steering program attached to a real multi-queue TUN ({@code TUNSETSTEERINGEBPF}): 6 queues (2 workers), a
 * prefix routed into the TUN in a namespace of its own, TCP SYNs, ACKs and UDP sent with a raw socket; each packet
 * must come out of queue 3w+1 (SYN), 3w+2 (SYN of a source that sent an ACK before) or 3w (the rest), w = the model's
 * hash of its addresses modulo 2. Without the
 * program the kernel spreads by flow hash and the test fails. Needs root and BPF: skipped with the reason otherwise.
 */
class TunSteeringQueueTest {
    private static final int QUEUES = 2 * TunSteering.QUEUES_PER_WORKER;

    @Test
    void shouldQueueSynsOnTheirWorkersNewFlowQueueAndEverythingElseOnItsEstablishedQueue() throws Exception {
        assumeTrue(isRoot(), "needs root (network namespace, TUN, raw socket)");
        assumeTrue(Bpf.isAvailable(), () -> "BPF unavailable: " + Bpf.unavailabilityCause());
        String ns = "dsrgw-steer-" + ProcessHandle.current().pid();
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "netns-" + ns));
        List<TunDevice> queues = new ArrayList<>();
        try {
            run("ip", "netns", "add", ns);
            call(thread, () -> {
                NetworkNamespaces.enterCurrentThread(ns);
                return null;
            });
            run("ip", "-n", ns, "link", "set", "lo", "up");
            openSteeredTun(thread, ns, "steer0", QUEUES, "10.100.0.0/24", queues);

            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String src = "198.51.100." + (i + 1);
                String dst = "10.100.0." + (i % 3 + 1);
                sent.add(TunSteeringTest.tcp4(src, dst, 40000 + i, 0x02, 0)); // SYN
                sent.add(TunSteeringTest.tcp4(src, dst, 40000 + i, 0x10, 0)); // ACK
                sent.add(TunSteeringTest.tcp4(src, dst, 40000 + i, 0x12, 0)); // SYN+ACK
                sent.add(TestPackets.ipv4(0, 1, 0, 64, IpProtocol.UDP, src, dst, TestPackets.udp(5000 + i, 53, 4)));
                sent.add(TunSteeringTest.tcp4(src, dst, 41000 + i, 0x02, 0)); // SYN of a known source now
            }
            List<String> problems = call(thread, () -> {
                List<String> wrong = new ArrayList<>();
                java.util.Set<String> known = new java.util.HashSet<>();
                try (RawSocket raw = RawSocket.ipv4Raw(); Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(2048);
                    for (byte[] packet : sent) {
                        MemorySegment.copy(packet, 0, buffer, JAVA_BYTE, 0, packet.length);
                        raw.sendIpv4(buffer, 0, packet.length, Ipv4Addresses.parse(dotted(packet, 16)));
                        int flags = packet[9] == IpProtocol.TCP ? packet[33] & 0x17 : 0;
                        String src = dotted(packet, 12);
                        int expected = (TunSteeringTest.Model.queue(packet) + (flags == 0x02 && known.contains(src)
                                ? 1 : 0)) % QUEUES;
                        if (flags == 0x10) {
                            known.add(src);
                        }
                        int found = -1;
                        for (int q = 0; q < QUEUES; q++) {
                            int n = queues.get(q).read(buffer, 0, 2048);
                            if (n > 0) {
                                found = q;
                            }
                        }
                        if (found != expected) {
                            wrong.add(describe(packet) + ": queue " + found + " (expected " + expected + ")");
                        }
                    }
                }
                return wrong;
            });
            assertEquals(List.of(), problems);
        } finally {
            closeSteeredTun(thread, ns, queues);
        }
    }

    /**
     * Opens {@code count} queues of the TUN {@code name} on {@code thread} (which has entered {@code ns}) into
     * {@code queues}, attaches the steering program, and with ip: no IPv6 link-local address (the kernel would send
     * its own MLD/ND packets into the TUN), up, {@code route} into it. The caller closes the queues.
     */
    static void openSteeredTun(ExecutorService thread, String ns, String name, int count, String route,
                               List<TunDevice> queues) throws Exception {
        call(thread, () -> {
            for (int q = 0; q < count; q++) {
                queues.add(TunDevice.open(name, true, true));
            }
            try (TunSteering steering = TunSteering.load()) {
                steering.attach(queues.getFirst());
            }
            return null;
        });
        run("ip", "-n", ns, "link", "set", name, "addrgenmode", "none");
        run("ip", "-n", ns, "link", "set", name, "up");
        run("ip", "-n", ns, "route", "add", route, "dev", name);
    }

    /** Undoes {@link #openSteeredTun}: closes the queues on {@code thread}, ends it, deletes the namespace. */
    static void closeSteeredTun(ExecutorService thread, String ns, List<TunDevice> queues) throws Exception {
        call(thread, () -> {
            queues.forEach(TunDevice::close);
            return null;
        });
        thread.shutdownNow();
        thread.awaitTermination(5, TimeUnit.SECONDS);
        runQuietly("ip", "netns", "del", ns);
    }

    @Test
    void shouldGiveEachWorkerASteeredNewFlowQueueWhenTheIngressIsOpenedWithNewFlowQueueOn() throws Exception {
        assumeTrue(isRoot(), "needs root (network namespace, TUN, raw socket)");
        assumeTrue(Bpf.isAvailable(), () -> "BPF unavailable: " + Bpf.unavailabilityCause());
        String ns = "dsrgw-steer-in-" + ProcessHandle.current().pid();
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "netns-" + ns));
        TunIngress[] ingress = new TunIngress[2];
        try {
            run("ip", "netns", "add", ns);
            run("ip", "-n", ns, "link", "set", "lo", "up");
            List<String> problems = call(thread, () -> {
                NetworkNamespaces.enterCurrentThread(ns);
                ingress[0] = TunIngress.open("steerin0", 2, TunIngress.DEVICE_MTU, List.of("10.100.0.1"), "on");
                ingress[1] = TunIngress.open("steerin1", 2, TunIngress.DEVICE_MTU, List.of("10.100.1.1"), "off");
                List<String> wrong = new ArrayList<>();
                if (!ingress[0].hasNewFlowQueue() || ingress[0].queues().size() != 2
                        || ingress[0].newFlowQueue(1) == null || ingress[0].newFlowQueueProblem() != null) {
                    wrong.add("on: new-flow queue " + ingress[0].hasNewFlowQueue() + ", " + ingress[0].queues().size()
                            + " established queues, problem " + ingress[0].newFlowQueueProblem());
                }
                if (ingress[0].knownSourceQueue(1) == null || ingress[1].knownSourceQueue(0) != null) {
                    wrong.add("known sources' queues: on " + ingress[0].knownSourceQueue(1) + ", off "
                            + ingress[1].knownSourceQueue(0));
                }
                if (ingress[1].hasNewFlowQueue() || ingress[1].queues().size() != 2
                        || ingress[1].newFlowQueue(0) != null) {
                    wrong.add("off: new-flow queue " + ingress[1].hasNewFlowQueue());
                }
                try (RawSocket raw = RawSocket.ipv4Raw(); Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(2048);
                    for (int i = 0; i < 16; i++) {
                        for (int flags : new int[] {0x02, 0x10}) {
                            byte[] p = TunSteeringTest.tcp4("198.51.100." + (i + 1), "10.100.0.1", 40000, flags, 0);
                            MemorySegment.copy(p, 0, buffer, JAVA_BYTE, 0, p.length);
                            raw.sendIpv4(buffer, 0, p.length, Ipv4Addresses.parse("10.100.0.1"));
                            int q = TunSteeringTest.Model.queue(p) % (2 * TunSteering.QUEUES_PER_WORKER);
                            TunDevice expected = q % 3 == 1 ? ingress[0].newFlowQueue(q / 3)
                                    : ingress[0].queues().get(q / 3);
                            if (expected.read(buffer, 0, 2048) <= 0) {
                                wrong.add(describe(p) + ": not on worker " + q / 3 + "'s "
                                        + (q % 3 == 1 ? "new-flow" : "established") + " queue");
                            }
                        }
                    }
                }
                return wrong;
            });
            assertEquals(List.of(), problems);
        } finally {
            call(thread, () -> {
                for (TunIngress i : ingress) {
                    if (i != null) {
                        i.close();
                    }
                }
                return null;
            });
            thread.shutdownNow();
            thread.awaitTermination(5, TimeUnit.SECONDS);
            runQuietly("ip", "netns", "del", ns);
        }
    }

    @Test
    void shouldFallBackToOneQueuePerWorkerWithAutoAndRefuseToStartWithOnWhenTheProgramCannotBeAttached()
            throws Exception {
        assumeTrue(isRoot(), "needs root (network namespace, TUN)");
        String ns = "dsrgw-steer-no-" + ProcessHandle.current().pid();
        String problem = "bpf_object__load(dsrgw_tun_steer): EPERM (Operation not permitted)";
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "netns-" + ns));
        TunIngress[] ingress = new TunIngress[1];
        try {
            run("ip", "netns", "add", ns);
            String refused = call(thread, () -> {
                NetworkNamespaces.enterCurrentThread(ns);
                ingress[0] = TunIngress.open("steerno0", 2, TunIngress.DEVICE_MTU, List.of("10.100.0.1"), "auto",
                        q -> problem);
                try {
                    TunIngress.open("steerno1", 2, TunIngress.DEVICE_MTU, List.of("10.100.1.1"), "on", q -> problem)
                            .close();
                    return "opened";
                } catch (IOException e) {
                    return e.getMessage();
                }
            });
            assertEquals(false, ingress[0].hasNewFlowQueue());
            assertEquals(problem, ingress[0].newFlowQueueProblem());
            assertEquals(2, ingress[0].queues().size());
            assertEquals(null, ingress[0].newFlowQueue(0));
            // the queues beyond one per worker were closed: the device has 2, as with off
            String queues = run("ip", "netns", "exec", ns, "ls", "/sys/class/net/steerno0/queues");
            assertEquals(2, queues.lines().filter(l -> l.startsWith("tx-")).count(), queues);
            assertEquals("ingress.new-flow-queue = on: " + problem + " (expected: the steering program loads and "
                    + "attaches; ingress.new-flow-queue = auto runs without it)", refused);
            String links = run("ip", "-n", ns, "link", "show");
            assertEquals(false, links.contains("steerno1"), "the refused device is removed again: " + links);
        } finally {
            call(thread, () -> {
                if (ingress[0] != null) {
                    ingress[0].close();
                }
                return null;
            });
            thread.shutdownNow();
            thread.awaitTermination(5, TimeUnit.SECONDS);
            runQuietly("ip", "netns", "del", ns);
        }
    }

    private static String dotted(byte[] p, int off) {
        return (p[off] & 0xff) + "." + (p[off + 1] & 0xff) + "." + (p[off + 2] & 0xff) + "." + (p[off + 3] & 0xff);
    }

    private static String describe(byte[] p) {
        String kind = p[9] == IpProtocol.UDP ? "UDP" : "TCP flags 0x" + Integer.toHexString(p[33] & 0xff);
        return kind + " " + dotted(p, 12) + " > " + dotted(p, 16);
    }

    static boolean isRoot() {
        try {
            return "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8).strip()) && Files.exists(Path.of("/dev/net/tun"));
        } catch (IOException e) {
            return false;
        }
    }

    static <T> T call(ExecutorService thread, Callable<T> task) throws Exception {
        try {
            return thread.submit(task).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + out.strip());
        }
        return out;
    }

    static void runQuietly(String... command) {
        try {
            run(command);
        } catch (IOException | InterruptedException e) {
            // cleanup: already gone
        }
    }
}
