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
import java.util.TreeMap;
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
import io.dsrgw.harness.netns.NftCounters;
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
 * that backend's own MAC with the VIP as destination IP (no tunnel); the same over IPv6 for a second VIP on the same
 * backends (their fd00:3::/64 addresses), and no backend answers neighbour solicitations for that VIP on the
 * segment. With the TUN ingress, a backend whose
 * interface is deleted and re-created (a new MAC, announced by the kernel's gratuitous ARP, arp_notify) keeps
 * receiving once the gateway's neighbour entry follows.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
class L2DsrEndToEndIT {
    static final String VIP = DsrScenario.VIP;
    /** The IPv6 VIP, on the same backends over the same segment (fd00:3::/64 beside 10.0.3.0/24). */
    static final String VIP6 = "fd00:100::1";
    static final String TCP_HEALTH = "{ type = tcp, port = 80, interval = 250ms, timeout = 200ms, rise = 2, fall = 3 }";
    static final long BLOB_BYTES = 4L << 20;
    static final int TUNNEL_MTU = 1400;
    /** tcpdump -e -n: "SRC > DST, ethertype IPv4 (0x0800), length N: A.B.C.D.P > VIP.80: ..." (or IPv6, 0x86dd). */
    static final Pattern FRAME = Pattern.compile(
            "([0-9a-f:]{17}) > ([0-9a-f:]{17}), ethertype (?:IPv4 \\(0x0800\\)|IPv6 \\(0x86dd\\)), length \\d+: "
                    + "([0-9a-f.:]+)\\.\\d+ > ([0-9a-f.:]+)\\.80: ");

    private DsrScenario scenario;
    private Path work;
    private NftCounters router6;
    private NftCounters gateway6;

    @BeforeAll
    void startScenario() throws Exception {
        NetnsAssumptions.assumeNetns();
        for (String tool : List.of("nft", "curl", "tcpdump", "ethtool", "clang")) {
            NetnsAssumptions.assumeTool(tool);
        }
        Path logs = Path.of(System.getProperty("dsrgw.harness.logs", "target/netns-logs"));
        Files.createDirectories(logs);
        work = Files.createTempDirectory(logs.toAbsolutePath(), "l2dsr-e2e-");
        // [::]: one dual-stack socket answers both VIPs and the health checks to either backend address.
        scenario = DsrScenario.builder().backends(3).workDir(work).httpListenHost("[::]").xdpGatewayLink()
                .l2Dsr().extraVip(VIP6).gatewayConfig(L2DsrEndToEndIT::tunConfig).start();
        // IPv6 counters beside the scenario's IPv4 ones (same nft tables: resetCounters() zeroes them too).
        router6 = NftCounters.install(scenario.topology().router(), NftCounters.Hook.POSTROUTING, Map.of(
                "to_gw_vip6", "oifname \"" + Topology.ROUTER_GATEWAY_DEVICE + "\" ip6 daddr " + VIP6,
                "client_from_vip6", "oifname \"" + Topology.ROUTER_CLIENT_DEVICE + "\" ip6 saddr " + VIP6,
                "gateway_from_vip6", "oifname \"" + Topology.ROUTER_GATEWAY_DEVICE + "\" ip6 saddr " + VIP6));
        gateway6 = NftCounters.install(scenario.topology().gateway(), NftCounters.Hook.PREROUTING, Map.of(
                "in_from_vip6", "ip6 saddr " + VIP6));
        System.out.println("[l2] topology " + scenario.topology().prefix() + " up; logs in " + work);
    }

    @AfterAll
    void stopScenario() {
        if (scenario != null) {
            scenario.close();
        }
    }

    /**
     * Two VIPs, IPv4 and IPv6, tunnel = none to the three backends' addresses of the VIP's family on the gateway's
     * bridge network, TCP health checks; tunnel-mtu 1400, which must not limit L2 DSR packets (only the 1500-byte
     * link does).
     */
    static String tunConfig(List<Backend> backends, Path adminSocket) {
        String ipip = ScenarioConfigs.vips(List.of(
                new VipEntry("web", VIP, List.of(DsrScenario.VIP_PORT),
                        backends.stream().map(b -> BackendEntry.active(b.address())).toList(), TCP_HEALTH),
                new VipEntry("web6", "\"" + VIP6 + "\"", List.of(DsrScenario.VIP_PORT),
                        backends.stream().map(b -> BackendEntry.active("\"" + b.address6() + "\"")).toList(),
                        TCP_HEALTH)), adminSocket);
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
        checkIngress6("tun");
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
        // The same for IPv6 (an unsolicited neighbour advertisement), for the IPv6 VIP of the XDP test that follows.
        ns.sysctl("net.ipv6.conf.all.ndisc_notify", "1");
        ns.sysctl("net.ipv6.conf.default.ndisc_notify", "1");
        long start = System.nanoTime();
        ns.ip("link", "del", b1.device());
        router.ip("link", "add", b1.routerPort(), "type", "veth", "peer", "name", b1.device(), "netns", ns.name());
        router.ip("link", "set", b1.routerPort(), "master", Topology.ROUTER_BRIDGE);
        router.ip("link", "set", b1.routerPort(), "up");
        ns.ip("addr", "add", b1.address() + "/24", "dev", b1.device());
        ns.ip("-6", "addr", "add", b1.address6() + "/64", "dev", b1.device(), "nodad");
        ns.ip("link", "set", b1.device(), "up");
        ns.ip("route", "add", "default", "via", Topology.ROUTER_BACKEND_ADDRESS);
        ns.ip("-6", "route", "add", "default", "via", Topology.ROUTER_BACKEND_ADDRESS6);
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
        long toGateway6 = checkIngress6("xdp");
        Map<String, Long> after6 = dsrctlCounters();
        long redirected6 = after6.getOrDefault("xdp_redirect", 0L) - counters.getOrDefault("xdp_redirect", 0L);
        System.out.println("[l2] xdp counters after IPv6: " + after6);
        // Every packet the router sent the gateway for the IPv6 VIP (counted in a window inside this one) was
        // redirected by the program, none left to the slow path's AF_PACKET socket.
        assertTrue(redirected6 >= toGateway6, "the program redirected the IPv6 VIP's packets: " + redirected6
                + " redirects for " + toGateway6 + " packets to the gateway; " + after6);
    }

    @Test
    @Order(4)
    void noBackendAnswersNeighbourSolicitationsForTheIpv6Vip() throws Exception {
        NetnsAssumptions.assumeTool("python3");
        // A backend answering ND for the VIP on the segment would draw the VIP's traffic of any on-link sender to
        // itself (the IPv6 form of arp_ignore). Linux answers a solicitation only for an address of the receiving
        // interface (the VIP is on lo); the backends' own addresses are the control that the probe works.
        Backend b1 = scenario.backend("b1");
        List<String> targets = List.of(VIP6, b1.address6(), scenario.backend("b2").address6());
        Commands.Result r = scenario.topology().gateway().execUnchecked(Duration.ofSeconds(20),
                nsProbe(targets).toArray(String[]::new));
        System.out.println("[l2] neighbour solicitations from the gateway's " + Topology.GATEWAY_BRIDGE_DEVICE
                + ":\n" + r.stdout().strip());
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        Map<String, String> answers = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length == 2) {
                answers.put(f[0], f[1]);
            }
        }
        assertEquals("answered", answers.get(b1.address6()), "control: b1's own address: " + answers);
        assertEquals("answered", answers.get(scenario.backend("b2").address6()), "control: b2's address: " + answers);
        assertEquals("silent", answers.get(VIP6), "no backend may answer ND for the VIP: " + answers);
    }

    /**
     * Sends a neighbour solicitation per target (argv[2:]) out of argv[1] (a raw ICMPv6 socket: the kernel fills in
     * the checksum), to the target's solicited-node group and to all nodes (ff02::1, which every backend's eth0
     * receives: so the kernel's answer, not only a group the backend never joined on eth0, decides), collects the
     * neighbour advertisements for 1 s, prints "TARGET answered|silent" per target.
     */
    static final String NS_PROBE = """
            import socket, struct, sys, select, time
            dev, targets = sys.argv[1], sys.argv[2:]
            s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
            idx = socket.if_nametoindex(dev)
            mac = bytes.fromhex(open('/sys/class/net/%s/address' % dev).read().strip().replace(':', ''))
            for t in targets:
                tb = socket.inet_pton(socket.AF_INET6, t)
                group = socket.inet_pton(socket.AF_INET6, 'ff02::1:ff00:0')[:13] + tb[13:]
                ns = struct.pack('!BBHI', 135, 0, 0, 0) + tb + bytes([1, 1]) + mac
                for dst in (socket.inet_ntop(socket.AF_INET6, group), 'ff02::1'):
                    s.sendto(ns, (dst, 0, 0, idx))
            answered = set()
            end = time.time() + 1.0
            while time.time() < end:
                if not select.select([s], [], [], max(0, end - time.time()))[0]:
                    break
                data = s.recv(2048)
                if len(data) >= 24 and data[0] == 136:
                    answered.add(data[8:24])
            for t in targets:
                print(t, 'answered' if socket.inet_pton(socket.AF_INET6, t) in answered else 'silent')
            """;

    private List<String> nsProbe(List<String> targets) {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", NS_PROBE, Topology.GATEWAY_BRIDGE_DEVICE));
        cmd.addAll(targets);
        return cmd;
    }

    /**
     * IPv6 over the same topology, the gateway just checked over IPv4: connections to the IPv6 VIP spread over
     * every backend with each backend's wire showing them in frames to its own MAC with the VIP as IPv6
     * destination, an upload in full-size packets arrives intact without a too-big, and no reply passes the
     * gateway. Returns the number of packets to the IPv6 VIP that the router sent the gateway meanwhile.
     */
    private long checkIngress6(String kind) throws Exception {
        awaitAllServing(Curl.url(VIP6, DsrScenario.VIP_PORT, "/"), Duration.ofSeconds(15));
        scenario.resetCounters();
        String filter = "tcp dst port 80 and ip6 dst " + VIP6;
        List<Backend> backends = scenario.topology().backends();
        DsrScenario.Spread[] spread = new DsrScenario.Spread[1];
        Map<String, List<Frame>> frames = capture(backends, filter, () -> spread[0] = DsrScenario.spread(
                scenario.topology(), Curl.url(VIP6, DsrScenario.VIP_PORT, "/"), 30, Duration.ofSeconds(5), true));
        System.out.println("[l2 " + kind + " ipv6] spread: " + spread[0].summary());
        assertTrue(spread[0].failures().isEmpty(), "failed requests: " + spread[0].failures() + "\n"
                + scenario.logTails());
        String gatewayMac = mac(scenario.topology().gateway(), Topology.GATEWAY_BRIDGE_DEVICE);
        for (Backend b : backends) {
            assertTrue(spread[0].perBackend().get(b.name()) > 0, b.name() + " got no request: " + spread[0].perBackend());
            List<Frame> fs = frames.get(b.name());
            String backendMac = mac(b.namespace(), b.device());
            assertTrue(!fs.isEmpty(), b.name() + ": no client->VIP6 frame captured");
            for (Frame f : fs) {
                assertEquals(backendMac, f.dstMac(), b.name() + ": " + f);
                assertEquals(gatewayMac, f.srcMac(), b.name() + ": sent by the gateway's bridge veth: " + f);
                assertEquals(Topology.CLIENT_ADDRESS6, f.srcIp(), f.toString());
                assertEquals(VIP6, f.dstIp(), "the VIP stays the destination IP: " + f);
            }
        }
        // Full-size (1500-byte) IPv6 packets: above tunnel-mtu, within the link MTU; no too-big may reach the client.
        scenario.client().exec("ip", "-6", "route", "flush", "cache");
        Path upload = work.resolve("upload6-" + kind + ".bin");
        byte[] chunk = new byte[1 << 16];
        new java.util.Random(11).nextBytes(chunk);
        try (java.io.OutputStream out = Files.newOutputStream(upload)) {
            for (int i = 0; i < 8; i++) {
                out.write(chunk);
            }
        }
        Curl.Upload u = Curl.upload(scenario.client(), Curl.url(VIP6, DsrScenario.VIP_PORT, "/upload"), upload,
                Duration.ofSeconds(30));
        String route = scenario.client().exec("ip", "-6", "route", "get", VIP6).stdout();
        System.out.println("[l2 " + kind + " ipv6] upload: " + u.describe() + "; client's route: " + route.strip());
        assertTrue(u.intact(), "upload: " + u.describe() + "\n" + scenario.logTails());
        assertTrue(!route.contains("mtu"), "no too-big reached the client: " + route);
        Files.delete(upload);
        Thread.sleep(150);
        Map<String, NftCounters.Count> r = new TreeMap<>(router6.read());
        r.keySet().removeIf(name -> !name.endsWith("vip6"));
        long inFromVip = gateway6.read().get("in_from_vip6").packets();
        System.out.println("[l2 " + kind + " ipv6] router: " + r + "; gateway in_from_vip6 " + inFromVip);
        assertTrue(r.get("to_gw_vip6").packets() > 0, "the client's packets went to the gateway: " + r);
        assertTrue(r.get("client_from_vip6").packets() > 0, "replies reached the client: " + r);
        assertEquals(0, r.get("gateway_from_vip6").packets(), "the router sent no reply towards the gateway: " + r);
        assertEquals(0, inFromVip, "no reply reached the gateway");
        return r.get("to_gw_vip6").packets();
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
        return capture(List.of(b), "tcp dst port 80 and ip dst " + VIP, () -> scenario.spread(requests))
                .get(b.name());
    }

    /** Traffic made while the captures run. */
    @FunctionalInterface
    interface Traffic {
        void run() throws Exception;
    }

    /** Per backend (by name), the frames matching {@code filter} that tcpdump sees on its veth during {@code traffic}. */
    private Map<String, List<Frame>> capture(List<Backend> backends, String filter, Traffic traffic)
            throws Exception {
        Map<String, Path> logs = new LinkedHashMap<>();
        List<ManagedProcess> dumps = new ArrayList<>();
        try {
            for (Backend b : backends) {
                Path log = work.resolve("logs/tcpdump-" + b.name() + "-" + System.nanoTime() + ".log");
                logs.put(b.name(), log);
                dumps.add(ManagedProcess.start("tcpdump-" + b.name(), b.namespace(), List.of("tcpdump", "-i",
                        b.device(), "-e", "-n", "-l", "-p", filter), log, Map.of()));
            }
            for (ManagedProcess dump : dumps) {
                dump.awaitLine(Pattern.compile("listening on"), Duration.ofSeconds(10));
            }
            traffic.run();
            Thread.sleep(200);
        } finally {
            for (ManagedProcess dump : dumps) {
                dump.stop(Duration.ofSeconds(2));
            }
        }
        Map<String, List<Frame>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : logs.entrySet()) {
            List<Frame> frames = new ArrayList<>();
            for (String line : Files.readAllLines(e.getValue())) {
                Matcher m = FRAME.matcher(line);
                if (m.find()) {
                    frames.add(new Frame(m.group(1), m.group(2), m.group(3), m.group(4)));
                }
            }
            out.put(e.getKey(), frames);
        }
        return out;
    }

    private static String mac(Namespace ns, String device) throws Exception {
        return ns.exec("cat", "/sys/class/net/" + device + "/address").stdout().strip();
    }

    private void awaitAllServing(Duration timeout) throws Exception {
        awaitAllServing(DsrScenario.url("/"), timeout);
    }

    /** Until 9 requests to {@code url} in a row all succeed and reach every backend. */
    private void awaitAllServing(String url, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        DsrScenario.Spread last = null;
        while (System.nanoTime() < deadline) {
            last = DsrScenario.spread(scenario.topology(), url, 9, Duration.ofSeconds(5), false);
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
