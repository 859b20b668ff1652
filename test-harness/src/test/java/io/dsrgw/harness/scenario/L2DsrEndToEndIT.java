package io.dsrgw.harness.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.ManagedProcess;
import io.dsrgw.harness.netns.Namespace;
import io.dsrgw.harness.netns.NetnsAssumptions;
import io.dsrgw.harness.netns.Topology;
import io.dsrgw.harness.scenario.ScenarioConfigs.BackendEntry;
import io.dsrgw.harness.scenario.ScenarioConfigs.VipEntry;
import io.dsrgw.harness.traffic.Blob;
import io.dsrgw.harness.traffic.Curl;

/**
 * L2 DSR ({@code tunnel = none}) end to end, one topology for the class: the gateway has a second veth on the
 * backends' bridge, the 3 agents run with {@code tunnels = [none]} (VIP on lo, ARP sysctls, no decapsulation),
 * the real {@code dsr-gateway run} with {@code ingress.kind = tun} first, then restarted with {@code ingress.kind =
 * xdp} on both of its veths. Per ingress: connections spread over every backend, a multi-MB download arrives
 * intact, replies bypass the gateway, and a capture on a backend's veth shows the client's packets in frames to
 * that backend's own MAC with the VIP as destination IP (no tunnel). With the TUN ingress, a backend whose
 * interface is deleted and re-created (a new MAC, announced by the kernel's gratuitous ARP, arp_notify) keeps
 * receiving once the gateway's neighbour entry follows.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
class L2DsrEndToEndIT {
    static final String VIP = DsrScenario.VIP;
    static final String TCP_HEALTH = "{ type = tcp, port = 80, interval = 250ms, timeout = 200ms, rise = 2, fall = 3 }";
    static final long BLOB_BYTES = 4L << 20;
    static final int TUNNEL_MTU = 1400;
    /** tcpdump -e -n: "SRC > DST, ethertype IPv4 (0x0800), length N: A.B.C.D.P > VIP.80: ...". */
    static final Pattern FRAME = Pattern.compile(
            "([0-9a-f:]{17}) > ([0-9a-f:]{17}), ethertype IPv4 \\(0x0800\\), length \\d+: ([0-9.]+)\\.\\d+ > "
                    + "([0-9.]+)\\.80: ");

    private DsrScenario scenario;
    private Path work;

    @BeforeAll
    void startScenario() throws Exception {
        NetnsAssumptions.assumeNetns();
        for (String tool : List.of("nft", "curl", "tcpdump", "ethtool", "clang")) {
            NetnsAssumptions.assumeTool(tool);
        }
        Path logs = Path.of(System.getProperty("dsrgw.harness.logs", "target/netns-logs"));
        Files.createDirectories(logs);
        work = Files.createTempDirectory(logs.toAbsolutePath(), "l2dsr-e2e-");
        scenario = DsrScenario.builder().backends(3).workDir(work).httpListenHost("0.0.0.0").xdpGatewayLink()
                .l2Dsr().gatewayConfig(L2DsrEndToEndIT::tunConfig).start();
        System.out.println("[l2] topology " + scenario.topology().prefix() + " up; logs in " + work);
    }

    @AfterAll
    void stopScenario() {
        if (scenario != null) {
            scenario.close();
        }
    }

    /**
     * One VIP, tunnel = none to the three backends on the gateway's bridge network, TCP health checks; tunnel-mtu
     * 1400, which must not limit L2 DSR packets (only the 1500-byte link does).
     */
    static String tunConfig(List<Backend> backends, Path adminSocket) {
        String ipip = ScenarioConfigs.vips(List.of(new VipEntry("web", VIP, List.of(DsrScenario.VIP_PORT),
                backends.stream().map(b -> BackendEntry.active(b.address())).toList(), TCP_HEALTH)), adminSocket);
        String l2 = ipip.replace("tunnel = ipip", "tunnel = none").replace("  hash-seed =",
                "  tunnel-mtu = " + TUNNEL_MTU + "\n  hash-seed =");
        assertTrue(l2.contains("tunnel = none") && l2.contains("tunnel-mtu = " + TUNNEL_MTU), l2);
        return l2;
    }

    @Test
    @Order(1)
    void withTunIngressFlowsSpreadADownloadIsIntactRepliesBypassTheGatewayAndFramesGoToTheBackendsMac()
            throws Exception {
        checkIngress("tun");
    }

    @Test
    @Order(2)
    void aBackendWhoseInterfaceIsRecreatedWithANewMacKeepsReceiving() throws Exception {
        Backend b1 = scenario.backend("b1");
        Namespace ns = b1.namespace();
        Namespace router = scenario.topology().router();
        String oldMac = mac(ns, b1.device());
        // With arp_notify a host announces its address (gratuitous ARP) when its interface comes up or changes its
        // MAC; the gateway's kernel takes the new MAC into its neighbour entry, and the gateway's next-hop resolver
        // follows that entry (a neighbour notification). The announcement at link-up is lost here: the bridge
        // enables the new port a moment later (linkwatch); so, as a host's network configuration would, the test
        // gives the re-created interface its MAC once the port forwards, which announces it again.
        ns.sysctl("net.ipv4.conf.all.arp_notify", "1");
        ns.sysctl("net.ipv4.conf.default.arp_notify", "1");
        long start = System.nanoTime();
        ns.ip("link", "del", b1.device());
        router.ip("link", "add", b1.routerPort(), "type", "veth", "peer", "name", b1.device(), "netns", ns.name());
        router.ip("link", "set", b1.routerPort(), "master", Topology.ROUTER_BRIDGE);
        router.ip("link", "set", b1.routerPort(), "up");
        ns.ip("addr", "add", b1.address() + "/24", "dev", b1.device());
        ns.ip("link", "set", b1.device(), "up");
        ns.ip("route", "add", "default", "via", Topology.ROUTER_BACKEND_ADDRESS);
        long portDeadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!router.exec("bridge", "link", "show", "dev", b1.routerPort()).stdout().contains("state forwarding")
                && System.nanoTime() < portDeadline) {
            Thread.sleep(50);
        }
        String newMac = "02:00:0a:00:03:" + String.format("%02x", 0x80 + (int) (System.nanoTime() & 0x3f));
        ns.ip("link", "set", "dev", b1.device(), "address", newMac);
        assertNotEquals(oldMac, newMac, "the re-created interface has a new MAC");
        Map<String, Integer> served = new LinkedHashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (served.getOrDefault("b1", 0) == 0 && System.nanoTime() < deadline) {
            DsrScenario.Spread s = scenario.spread(9);
            s.perBackend().forEach((k, v) -> served.merge(k, v, Integer::sum));
        }
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        System.out.println("[l2] b1 re-created (" + oldMac + " -> " + newMac + "), served again after " + tookMs
                + " ms; requests meanwhile " + served);
        assertTrue(served.getOrDefault("b1", 0) > 0, "b1 never served again after its MAC changed: " + served
                + "\n" + scenario.logTails());
        List<Frame> frames = capture(scenario.backend("b1"), 12);
        assertTrue(frames.stream().anyMatch(f -> f.dstMac().equals(newMac)), "frames to b1's new MAC: " + frames);
    }

    @Test
    @Order(3)
    void withXdpIngressOnBothVethsTheSameHoldsAndTheProgramForwards() throws Exception {
        scenario.stopGateway();
        Files.writeString(scenario.gatewayConfigFile(), ScenarioConfigs.xdpIngress(
                tunConfig(scenario.topology().backends(), scenario.adminSocket()),
                List.of(Topology.LEAF_DEVICE, Topology.GATEWAY_BRIDGE_DEVICE), "native"));
        scenario.startGateway();
        checkIngress("xdp");
        Map<String, Long> counters = dsrctlCounters();
        System.out.println("[l2] xdp counters: " + counters);
        assertTrue(counters.getOrDefault("xdp_redirect", 0L) > 100, "the program redirected the VIP's packets "
                + "from eth0 to eth1: " + counters);
    }

    /** Spread, download, bypass and the frames on a backend's wire, with the gateway just started. */
    private void checkIngress(String kind) throws Exception {
        awaitAllServing(Duration.ofSeconds(30));
        scenario.resetCounters();
        DsrScenario.Spread spread = scenario.spread(30);
        System.out.println("[l2 " + kind + "] spread: " + spread.summary());
        assertTrue(spread.failures().isEmpty(), "failed requests: " + spread.failures() + "\n" + scenario.logTails());
        for (String b : List.of("b1", "b2", "b3")) {
            assertTrue(spread.perBackend().get(b) > 0, b + " got no request: " + spread.perBackend());
        }
        Curl.Download d = Curl.download(scenario.client(), DsrScenario.url("/blob?bytes=" + BLOB_BYTES),
                work.resolve("blob-" + kind + ".bin"), Duration.ofSeconds(60));
        assertTrue(d.response().ok(), d.response().describe() + "\n" + scenario.logTails());
        assertEquals(BLOB_BYTES, Files.size(d.file()));
        assertEquals(Blob.sha256Hex(BLOB_BYTES), d.sha256Hex(), "digest of the bytes received");
        Files.delete(d.file());
        // An upload in full-size (1500-byte) packets: above tunnel-mtu, within the link MTU. No too-big may reach
        // the client (it would keep a path MTU for the VIP), and the bytes arrive intact.
        scenario.client().exec("ip", "route", "flush", "cache");
        Path upload = work.resolve("upload-" + kind + ".bin");
        byte[] chunk = new byte[1 << 16];
        new java.util.Random(7).nextBytes(chunk);
        try (java.io.OutputStream out = Files.newOutputStream(upload)) {
            for (int i = 0; i < 16; i++) {
                out.write(chunk);
            }
        }
        Curl.Upload u = Curl.upload(scenario.client(), Curl.url(VIP, DsrScenario.VIP_PORT, "/upload"), upload,
                Duration.ofSeconds(30));
        String route = scenario.client().exec("ip", "route", "get", VIP).stdout();
        System.out.println("[l2 " + kind + "] upload: " + u.describe() + "; client's route: " + route.strip());
        assertTrue(u.intact(), "upload: " + u.describe() + "\n" + scenario.logTails());
        assertTrue(!route.contains("mtu"), "no too-big reached the client (tunnel-mtu " + TUNNEL_MTU
                + " does not apply to L2 DSR): " + route);
        Files.delete(upload);
        Thread.sleep(150);
        DsrEvidence e = scenario.evidence();
        System.out.println("[l2 " + kind + "] evidence:\n" + e.summary());
        // With XDP the program takes the packets before netfilter: the veth's own counters show them arriving.
        assertTrue(e.clientSentToVip() > 0 && e.gatewayVeth().rxPackets() >= e.clientSentToVip(),
                "the client's packets went through the gateway");
        assertTrue(e.routerRepliesFromBackends() > 0 && e.routerRepliesToClient() > 0, "replies from the backends");
        assertEquals(0, e.gatewayInFromVip(), "no reply reached the gateway");
        assertEquals(0, e.routerFromVipToGateway(), "the router sent no reply towards the gateway");
        assertEquals(0, e.gatewayOutIpip(), "no tunnel");
        for (String name : List.of("b2", "b3")) {
            Backend b = scenario.backend(name);
            List<Frame> frames = capture(b, 12);
            String backendMac = mac(b.namespace(), b.device());
            String gatewayMac = mac(scenario.topology().gateway(), Topology.GATEWAY_BRIDGE_DEVICE);
            assertTrue(!frames.isEmpty(), name + ": no client->VIP frame captured");
            for (Frame f : frames) {
                assertEquals(backendMac, f.dstMac(), name + ": " + f);
                assertEquals(gatewayMac, f.srcMac(), name + ": sent by the gateway's bridge veth: " + f);
                assertEquals(Topology.CLIENT_ADDRESS, f.srcIp(), f.toString());
                assertEquals(VIP, f.dstIp(), "the VIP stays the destination IP: " + f);
            }
        }
    }

    record Frame(String srcMac, String dstMac, String srcIp, String dstIp) {
    }

    /**
     * The client->VIP frames tcpdump sees on backend {@code b}'s veth while {@code requests} new connections are
     * made (Maglev sends some of them to {@code b}).
     */
    private List<Frame> capture(Backend b, int requests) throws Exception {
        Path log = work.resolve("logs/tcpdump-" + b.name() + "-" + System.nanoTime() + ".log");
        ManagedProcess dump = ManagedProcess.start("tcpdump-" + b.name(), b.namespace(), List.of("tcpdump", "-i",
                b.device(), "-e", "-n", "-l", "-p", "tcp dst port 80 and ip dst " + VIP), log, Map.of());
        try {
            dump.awaitLine(Pattern.compile("listening on"), Duration.ofSeconds(10));
            scenario.spread(requests);
            Thread.sleep(200);
        } finally {
            dump.stop(Duration.ofSeconds(2));
        }
        List<Frame> frames = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = FRAME.matcher(line);
            if (m.find()) {
                frames.add(new Frame(m.group(1), m.group(2), m.group(3), m.group(4)));
            }
        }
        return frames;
    }

    private static String mac(Namespace ns, String device) throws Exception {
        return ns.exec("cat", "/sys/class/net/" + device + "/address").stdout().strip();
    }

    private void awaitAllServing(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        DsrScenario.Spread last = null;
        while (System.nanoTime() < deadline) {
            last = scenario.spread(9);
            if (last.failures().isEmpty() && last.perBackend().values().stream().allMatch(n -> n > 0)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not served by every backend within " + timeout + ": " + last.summary() + "\n"
                + scenario.logTails());
    }

    /** The gateway's counters from {@code dsrctl status}, after the XDP counter cache (250 ms) expired. */
    private Map<String, Long> dsrctlCounters() throws Exception {
        Thread.sleep(300);
        List<String> cmd = new ArrayList<>(List.of(
                Distributions.fromSystemProperties().gatewayLauncher().resolveSibling("dsrctl").toString(),
                "--socket", scenario.adminSocket().toString(), "status"));
        Commands.Result r = Commands.run(cmd, Duration.ofSeconds(30));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length == 2 && f[1].matches("\\d+")) {
                m.put(f[0], Long.parseLong(f[1]));
            }
        }
        return m;
    }
}
