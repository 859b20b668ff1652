package io.dsrgw.harness.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

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
import io.dsrgw.harness.netns.NetnsAssumptions;
import io.dsrgw.harness.netns.Topology;
import io.dsrgw.harness.scenario.FlowReplay.Flow;
import io.dsrgw.harness.scenario.ScenarioConfigs.BackendEntry;
import io.dsrgw.harness.scenario.ScenarioConfigs.VipEntry;
import io.dsrgw.harness.traffic.Blob;
import io.dsrgw.harness.traffic.Curl;
import io.dsrgw.harness.traffic.Ping;
import io.dsrgw.harness.traffic.RequestLoad;
import io.dsrgw.harness.traffic.RequestLoad.Request;
import io.dsrgw.harness.traffic.Wrk;

/**
 * The XDP fast path end to end (issue 11, DESIGN.md decision 13): the real {@code dsr-gateway run} with
 * {@code ingress.kind = xdp} on its veth (native mode) and {@code dsr-agent run} (userspace decapsulation) on 4
 * backends (b4 joins by reload), one topology for the class. The XDP program forwards the VIP's packets; what it
 * passes (ICMP, too big, unresolved neighbours) reaches the TUN and the Java pipeline, the slow path. Checked:
 * spread, a multi-MB download intact, replies bypassing the gateway, the VIP's packets carried by XDP (program
 * counters against nft counters), ping and a large upload through the slow path (the agents' MSS clamp is off, so
 * that the client's full-size segments no longer fit the tunnel and the program passes them: path-MTU discovery
 * then runs through the slow path), a reload and a killed backend
 * under load, and no program left on the interface after SIGTERM and after SIGKILL. The order is fixed: the last
 * tests stop the gateway.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
class XdpEndToEndIT {
    static final String VIP = DsrScenario.VIP;
    static final String TCP_HEALTH = "{ type = tcp, port = 80, interval = 250ms, timeout = 200ms, rise = 2, fall = 3 }";
    static final Pattern HEALTH_SNAPSHOT = Pattern.compile("snapshot generation \\d+ \\(health of vip web\\)");
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    static final long BLOB_BYTES = 8L << 20;
    static final long UPLOAD_BYTES = 2L << 20;
    /** Detection by 3 failed checks 250 ms apart, plus margin: no request may fail after this. */
    static final long DETECTION_LIMIT_MS = 3 * 250 + 200 + 300;

    private DsrScenario scenario;
    private Path work;
    private InetSocketAddress target;
    /** Client ports for attributable requests, each used once (a reused 4-tuple could meet its TIME_WAIT). */
    private int nextPort = 20000;

    @BeforeAll
    void startScenario() throws Exception {
        NetnsAssumptions.assumeNetns();
        NetnsAssumptions.assumeTool("nft");
        NetnsAssumptions.assumeTool("curl");
        NetnsAssumptions.assumeTool("wrk");
        NetnsAssumptions.assumeTool("ethtool");
        NetnsAssumptions.assumeTool("ping");
        NetnsAssumptions.assumeTool("clang");
        Path logs = Path.of(System.getProperty("dsrgw.harness.logs", "target/netns-logs"));
        Files.createDirectories(logs);
        work = Files.createTempDirectory(logs.toAbsolutePath(), "xdp-e2e-");
        scenario = DsrScenario.builder().backends(4).workDir(work).httpListenHost("0.0.0.0").xdpGatewayLink()
                .agentMssClamp(false)
                .gatewayConfig((backends, socket) -> config(backends.subList(0, 3), socket)).start();
        target = new InetSocketAddress(VIP, DsrScenario.VIP_PORT);
        String ready = scenario.gateway().grep(DsrScenario.GATEWAY_READY).getFirst();
        System.out.println("[xdp] topology " + scenario.topology().prefix() + " up; gateway: " + ready
                + "; logs in " + work);
        // Generous: the first requests meet cold JVMs (backends, gateway) and, on a loaded machine, slow schedulers.
        long waited = awaitServing(Set.of("b1", "b2", "b3"), Duration.ofSeconds(30));
        System.out.println("[xdp] b1..b3 serving after " + waited + " ms; XDP on eth0: "
                + scenario.topology().gateway().xdp(Topology.LEAF_DEVICE));
    }

    @AfterAll
    void stopScenario() {
        if (scenario != null) {
            scenario.close();
        }
    }

    private String config(List<Backend> backends, Path adminSocket) {
        String tun = ScenarioConfigs.vips(List.of(new VipEntry("web", VIP, List.of(DsrScenario.VIP_PORT),
                backends.stream().map(b -> BackendEntry.active(b.address())).toList(), TCP_HEALTH)), adminSocket);
        return ScenarioConfigs.xdpIngress(tun, List.of(Topology.LEAF_DEVICE), "native");
    }

    @Test
    @Order(1)
    void shouldAttachTheProgramNativelyAndSpreadNewConnectionsOverEveryBackend() throws Exception {
        String xdp = scenario.topology().gateway().xdp(Topology.LEAF_DEVICE);
        assertNotNull(xdp, "no XDP program on the gateway's " + Topology.LEAF_DEVICE);
        assertTrue(xdp.contains("\"mode\":1"), "attached in driver (native) mode: " + xdp);
        DsrScenario.Spread spread = scenario.spread(45);
        System.out.println("[xdp] spread: " + spread.summary());
        assertTrue(spread.failures().isEmpty(), "failed requests: " + spread.failures() + "\n" + scenario.logTails());
        for (String b : List.of("b1", "b2", "b3")) {
            assertTrue(spread.perBackend().get(b) > 0, b + " got no request: " + spread.perBackend());
        }
        assertEquals(0, spread.perBackend().get("b4"), "b4 is not configured yet: " + spread.perBackend());
        // The flow just served is pinned in the program's flow table, and explain reports that pin.
        int port = nextPort++;
        Request r = RequestLoad.fixedPorts(scenario.client(), target, List.of(port), REQUEST_TIMEOUT).getFirst();
        String explain = dsrctl("explain", "tcp", Topology.CLIENT_ADDRESS + ":" + port, VIP + ":80");
        System.out.println("[xdp] dsrctl explain of the flow " + port + " (served by " + r.backend() + "):\n"
                + explain.strip());
        assertTrue(r.ok(), r.describe(r.startNs()));
        assertTrue(explain.contains("\nsource pinned\ntable xdp\n"), explain);
        assertTrue(explain.contains("backend " + scenario.backend(r.backend()).address() + "\n"), explain);
    }

    @Test
    @Order(2)
    void shouldDownloadAMultiMegabyteBodyThatMatchesItsChecksum() throws Exception {
        Curl.Download d = Curl.download(scenario.client(), DsrScenario.url("/blob?bytes=" + BLOB_BYTES),
                work.resolve("blob.bin"), Duration.ofSeconds(60));
        String expected = Blob.sha256Hex(BLOB_BYTES);
        System.out.printf("[xdp] download: %d bytes in %.2f s from %s, sha256 %s%n", d.response().bytes(),
                d.response().seconds(), d.response().headers().get("x-backend"), d.sha256Hex());
        assertTrue(d.response().ok(), d.response().describe() + "\n" + scenario.logTails());
        assertEquals(BLOB_BYTES, Files.size(d.file()));
        assertEquals(expected, d.sha256Hex(), "digest of the bytes received");
        Files.delete(d.file());
    }

    @Test
    @Order(3)
    void shouldCarryTheVipPacketsInXdpWhileRepliesBypassTheGateway() throws Exception {
        settle();
        scenario.resetCounters();
        Map<String, Long> before = counters();
        DsrScenario.Spread spread = scenario.spread(20);
        Curl.Download d = Curl.download(scenario.client(), DsrScenario.url("/blob?bytes=" + (1 << 20)),
                work.resolve("blob1m.bin"), Duration.ofSeconds(30));
        settle();
        DsrEvidence e = scenario.evidence();
        Map<String, Long> delta = delta(before, counters());
        long viaXdp = delta.get("xdp_tx") + delta.get("xdp_redirect");
        long slowPath = delta.get("rx_packets");
        System.out.println("[xdp] 20 requests + a 1 MiB download:\n" + e.summary() + "\n[xdp] counter deltas: "
                + nonZero(delta));
        assertTrue(spread.failures().isEmpty() && d.response().ok(), spread.summary() + " / "
                + d.response().describe());
        assertTrue(e.clientSentToVip() > 0, "client sent to the VIP");
        assertEquals(e.clientSentToVip(), e.backendIpipInTotal(), "backends received every client->VIP packet, "
                + "encapsulated by the gateway: " + e.backendIpipIn());
        assertEquals(e.clientSentToVip(), viaXdp + slowPath, "every client->VIP packet left through XDP (xdp_tx + "
                + "xdp_redirect) or the TUN (rx_packets): " + nonZero(delta));
        assertTrue(slowPath * 20 <= e.clientSentToVip(), "the slow path saw more than 5% of the VIP's packets: "
                + nonZero(delta));
        assertEquals(slowPath, e.gatewayInClientToVip(), "netfilter on the gateway sees only what XDP passed");
        assertEquals(0, e.gatewayInFromVip(), "packets from the VIP reached the gateway");
        assertEquals(0, e.gatewayOutFromVip(), "the gateway sent packets from the VIP");
        assertEquals(0, e.routerFromVipToGateway(), "the router sent replies towards the gateway");
        // Counted in packets after GRO: fewer than 1 MiB / MTU; the bytes tell the size.
        assertTrue(e.routerRepliesFromBackends() > 0, "replies on the backend bridge");
        assertEquals(e.routerRepliesFromBackends(), e.routerRepliesToClient(), "router forwarded replies to the client");
        assertEquals(e.routerRepliesToClient(), e.clientGotFromVip(), "client received every reply");
        assertTrue(e.clientGotFromVipBytes() > 1 << 20, "the client received the 1 MiB from the VIP");
        Files.delete(d.file());
        assertMetricsCoverTheGrafanaDashboard(viaXdp);
    }

    /**
     * Issue 13: {@code /metrics} of this gateway (XDP, health checks) and of an agent parse strictly, the XDP
     * counters are there under their Prometheus names, and every metric name the sample Grafana dashboard
     * ({@code examples/grafana-dsrgw.json}) queries exists in one of the two scrapes.
     */
    private void assertMetricsCoverTheGrafanaDashboard(long viaXdp) throws Exception {
        Curl.Response g = Curl.get(scenario.topology().gateway(), "http://127.0.0.1:9180/metrics", REQUEST_TIMEOUT);
        Curl.Response a = Curl.get(scenario.topology().backends().getFirst().namespace(),
                "http://127.0.0.1:9181/metrics", REQUEST_TIMEOUT);
        assertTrue(g.ok() && a.ok(), "gateway /metrics: " + g.describe() + ", agent /metrics: " + a.describe());
        PrometheusText gm = PrometheusText.parse(g.body(), "dsrgw_");
        PrometheusText am = PrometheusText.parse(a.body(), "dsrgw_agent_");
        assertTrue(gm.sum("dsrgw_xdp_tx_packets_total") + gm.sum("dsrgw_xdp_redirected_packets_total") >= viaXdp,
                "XDP forwarded counters: " + gm.samples("dsrgw_xdp_tx_packets_total"));
        assertTrue(gm.samples("dsrgw_backend_last_probe_duration_seconds").size() >= 3, "probe durations");
        double xdpSent = gm.sum("dsrgw_xdp_tx_packets_total") + gm.sum("dsrgw_xdp_redirected_packets_total");
        assertTrue(gm.sum("dsrgw_backend_packets_total") >= xdpSent, "per-backend packets count the XDP path too: "
                + gm.samples("dsrgw_backend_packets_total") + " vs XDP sent " + xdpSent);
        java.util.Set<String> scraped = new java.util.HashSet<>(gm.types().keySet());
        scraped.addAll(am.types().keySet());
        scraped.addAll(gm.samples().stream().map(PrometheusText.Sample::name).toList());
        Path dashboard = Path.of("..", "examples", "grafana-dsrgw.json");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dashboard.toFile()); // valid JSON, or this throws
        java.util.Set<String> used = new java.util.TreeSet<>();
        for (com.fasterxml.jackson.databind.JsonNode panel : json.get("panels")) {
            for (com.fasterxml.jackson.databind.JsonNode target : panel.get("targets")) {
                java.util.regex.Matcher m = Pattern.compile("dsrgw_[a-z0-9_]+").matcher(target.get("expr").asText());
                while (m.find()) {
                    used.add(m.group());
                }
            }
        }
        java.util.Set<String> missing = new java.util.TreeSet<>(used);
        missing.removeAll(scraped);
        System.out.println("[xdp] /metrics: gateway " + gm.samples().size() + " samples, agent " + am.samples().size()
                + "; the dashboard uses " + used.size() + " metrics");
        assertTrue(used.size() >= 20, "the dashboard's queries: " + used);
        assertTrue(missing.isEmpty(), "metrics the dashboard queries but no scrape has: " + missing);
    }

    @Test
    @Order(4)
    void shouldAnswerPingAndCarryAnUploadAboveTheTunnelMtuThroughTheSlowPath() throws Exception {
        Path upload = work.resolve("upload.bin");
        byte[] chunk = new byte[1 << 16];
        new Random(11).nextBytes(chunk);
        try (OutputStream out = Files.newOutputStream(upload)) {
            for (long n = 0; n < UPLOAD_BYTES; n += chunk.length) {
                out.write(chunk);
            }
        }
        // The client must learn the path MTU afresh: the download tests above may have taught it already.
        scenario.client().exec("ip", "route", "flush", "cache");
        Map<String, Long> before = counters();
        Ping.Result ping = Ping.ping(scenario.client(), VIP, 3, 56, Duration.ofMillis(200), Duration.ofSeconds(1));
        Curl.Upload u = Curl.upload(scenario.client(), Curl.url(VIP, DsrScenario.VIP_PORT, "/upload"), upload,
                Duration.ofSeconds(30));
        settle();
        Map<String, Long> delta = delta(before, counters());
        System.out.println("[xdp] " + ping.describe() + "; upload: " + u.describe() + "\n[xdp] counter deltas: "
                + nonZero(delta));
        assertTrue(ping.allAnswered(), ping.output());
        assertTrue(delta.get("xdp_pass_icmp") >= 3, "the echo requests took the slow path: " + nonZero(delta));
        assertEquals(3, delta.get("tx_echo_reply"), "the Java pipeline answered them: " + nonZero(delta));
        assertTrue(u.intact(), "upload: " + u.describe() + "\n" + scenario.logTails());
        assertTrue(delta.get("xdp_pass_too_big") > 0, "no packet of the upload was too big for the tunnel, so this "
                + "did not test the slow path: " + nonZero(delta));
        assertTrue(delta.get("xdp_tx") + delta.get("xdp_redirect") > UPLOAD_BYTES / 1500,
                "once the client learned the path MTU, XDP carried the upload: " + nonZero(delta));
        Files.delete(upload);
    }

    @Test
    @Order(5)
    void shouldSendASlowPathPacketOfAFlowPinnedByXdpToThePinnedBackend() throws Exception {
        int port = nextPort++;
        String flow = Topology.CLIENT_ADDRESS + ":" + port;
        // 1. A plain ACK (no connection needed: the backend answers RST straight to the client): XDP pins the flow
        //    on its Maglev backend X.
        scenario.resetCounters();
        sendAck(port, false);
        settle();
        String pinned = onlyBackendWith(scenario.evidence().backendIpipIn(), 1);
        // 2. Drain X: it keeps its flows, new flows avoid it, so the flow's Maglev slot now names another backend.
        String drained = dsrctl("drain", "web", scenario.backend(pinned).address());
        try {
            String explain = dsrctl("explain", "tcp", flow, VIP + ":80");
            // 3. The same flow with IPv4 options: the program passes it, the Java pipeline forwards it. Its own flow
            //    table has never seen the flow; the program's table pins it on X, and that must win over Maglev.
            Map<String, Long> before = counters();
            scenario.resetCounters();
            sendAck(port, true);
            settle();
            Map<String, Long> delta = delta(before, counters());
            Map<String, Long> perBackend = scenario.evidence().backendIpipIn();
            System.out.println("[xdp] flow " + flow + " pinned by XDP on " + pinned + "; " + drained.strip()
                    + "; explain:\n" + explain.strip() + "\n[xdp] the same flow with IP options: per backend "
                    + perBackend + ", counter deltas " + nonZero(delta));
            assertTrue(explain.contains("\nsource pinned\ntable xdp\n"), explain);
            assertEquals(1, delta.get("xdp_pass_ip_options"), "the program passed it: " + nonZero(delta));
            assertEquals(1, delta.get("tx_packets"), "the slow path forwarded it: " + nonZero(delta));
            assertEquals(pinned, onlyBackendWith(perBackend, 1), "the slow path sent it to the backend XDP pinned");
        } finally {
            dsrctl("undrain", "web", scenario.backend(pinned).address());
        }
    }

    /**
     * Sends one TCP ACK from the client's {@code port} to the VIP through a raw socket, optionally with 4 bytes of
     * IPv4 options (NOP, NOP, NOP, EOL: IHL 6), which the XDP program leaves to the slow path.
     */
    private void sendAck(int port, boolean ipOptions) throws Exception {
        scenario.client().exec("python3", "-c", ACK_SENDER, Topology.CLIENT_ADDRESS, VIP, Integer.toString(port),
                Integer.toString(DsrScenario.VIP_PORT), ipOptions ? "1" : "0");
    }

    /** Builds IPv4 (with IP_HDRINCL: the kernel fills in the header checksum) + TCP ACK with a valid checksum. */
    static final String ACK_SENDER = """
            import socket, struct, sys
            src, dst, sport, dport, opts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
            def csum(b):
                s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
                while s >> 16:
                    s = (s & 0xffff) + (s >> 16)
                return ~s & 0xffff
            options = b'\\x01\\x01\\x01\\x00' if opts == '1' else b''
            tcp = struct.pack('!HHIIBBHHH', sport, dport, 1000, 1000, 5 << 4, 0x10, 65535, 0, 0)
            pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(tcp))
            tcp = tcp[:16] + struct.pack('!H', csum(pseudo + tcp)) + tcp[18:]
            ihl = 5 + len(options) // 4
            ip = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, ihl * 4 + len(tcp), 0x2345, 0x4000, 64, 6, 0,
                             socket.inet_aton(src), socket.inet_aton(dst)) + options
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
            s.sendto(ip + tcp, (dst, 0))
            """;

    /** The one backend (by name) whose counter is {@code n}, all others 0; fails otherwise. */
    private String onlyBackendWith(Map<String, Long> perBackend, long n) {
        List<String> hit = perBackend.entrySet().stream().filter(e -> e.getValue() != 0).map(Map.Entry::getKey)
                .toList();
        assertEquals(1, hit.size(), "exactly one backend got the packet: " + perBackend);
        assertEquals(n, perBackend.get(hit.getFirst()), "packets at " + hit.getFirst() + ": " + perBackend);
        return hit.getFirst();
    }

    @Test
    @Order(6)
    void shouldKeepEstablishedAndNewFlowsWhenABackendIsAddedByReloadUnderLoad() throws Exception {
        Wrk wrk = Wrk.start(scenario.client(), DsrScenario.url("/"), 8, Duration.ofSeconds(4),
                work.resolve("logs/wrk-reload.log"));
        List<Request> requests;
        long joined;
        long originNs = System.nanoTime();
        try (RequestLoad load = RequestLoad.start(scenario.client(), target, 2, REQUEST_TIMEOUT,
                Duration.ofMillis(2))) {
            Thread.sleep(700);
            Files.writeString(scenario.gatewayConfigFile(),
                    config(scenario.topology().backends(), scenario.adminSocket()));
            assertTrue(DsrScenario.reloadBySighup(scenario.gateway()),
                    "adding b4 was rejected\n" + scenario.gateway().tailBlock());
            joined = awaitServing(Set.of("b1", "b2", "b3", "b4"), Duration.ofSeconds(5));
            Thread.sleep(1000);
            requests = load.stop();
        }
        Wrk.Result keepAlive = wrk.await();
        List<Request> failed = requests.stream().filter(r -> !r.ok()).toList();
        System.out.printf("[xdp] reload adding b4 under load: b4 serving %d ms after the reload; %d requests, %d "
                + "failed, per backend %s; wrk: %s%n", joined, requests.size(), failed.size(), RequestLoad.perBackend(requests),
                keepAlive.summary());
        assertTrue(failed.isEmpty(), "failed requests: " + failed.stream().limit(10).map(r -> r.describe(originNs))
                .toList());
        assertEquals(0, keepAlive.errors(), "established keep-alive flows broke: " + keepAlive.summary() + "\n"
                + keepAlive.output());
        assertTrue(keepAlive.requests() > 0, "wrk made no requests");
    }

    @Test
    @Order(7)
    void shouldLoseNoRequestToTheOtherBackendsWhenABackendIsKilledUnderLoad() throws Exception {
        List<Request> requests;
        long killNs;
        long detectedNs;
        try (RequestLoad load = RequestLoad.start(scenario.client(), target, 2, REQUEST_TIMEOUT,
                Duration.ofMillis(1))) {
            Thread.sleep(1000);
            int healthLinesBefore = scenario.gateway().grep(HEALTH_SNAPSHOT).size();
            killNs = System.nanoTime();
            scenario.killServer("b3");
            detectedNs = awaitLogLines(HEALTH_SNAPSHOT, healthLinesBefore + 1, Duration.ofSeconds(5));
            Thread.sleep(1500);
            requests = load.stop();
        }
        List<Request> failed = requests.stream().filter(r -> !r.ok()).toList();
        String b3 = scenario.backend("b3").address();
        Map<Flow, String> headedFor = replayRunningConfig(failed);
        List<String> notB3 = new ArrayList<>();
        for (Request r : failed) {
            String to = headedFor.get(flow(r.localPort()));
            if (!b3.equals(to)) {
                notB3.add(r.describe(killNs) + " headed for " + to);
            }
        }
        List<Request> failedLate = failed.stream()
                .filter(r -> r.startNs() - killNs > DETECTION_LIMIT_MS * 1_000_000L).toList();
        Map<String, Integer> afterDetection = RequestLoad.perBackend(requests.stream().filter(r -> r.startNs() > detectedNs)
                .toList());
        System.out.printf("[xdp] kill b3 under load: %d requests, %d failed (all headed for b3: %s), health snapshot"
                        + " %.0f ms after the kill; after it: %s%n", requests.size(), failed.size(), notB3.isEmpty(),
                detectedNs < 0 ? -1 : (detectedNs - killNs) / 1e6, afterDetection);
        scenario.restartServer("b3");
        assertTrue(detectedNs > 0, "no health snapshot within 5 s of the kill\n" + scenario.logTails());
        assertTrue(notB3.isEmpty(), "requests to other backends failed: " + notB3);
        assertTrue(failedLate.isEmpty(), "requests failed after detection: " + failedLate.stream()
                .map(r -> r.describe(killNs)).toList());
        assertEquals(Set.of("b1", "b2", "b4"), afterDetection.keySet(), "new flows after detection");
        awaitServing(Set.of("b1", "b2", "b3", "b4"), Duration.ofSeconds(10));
    }

    @Test
    @Order(8)
    void shouldLeaveNoXdpProgramOnTheInterfaceAfterSigtermOrSigkill() throws Exception {
        DsrScenario.GatewayExit exit = scenario.stopGateway();
        String afterTerm = scenario.topology().gateway().xdp(Topology.LEAF_DEVICE);
        Map<String, Long> c = exit.counters();
        System.out.println("[xdp] SIGTERM: exit " + exit.exitCode() + ", XDP on eth0 afterwards: " + afterTerm
                + "; final counters: " + nonZero(c));
        assertEquals(0, exit.exitCode(), "gateway exit code after SIGTERM\n" + scenario.gateway().tailBlock());
        assertNull(afterTerm, "an XDP program stayed on eth0 after SIGTERM");
        assertTrue(c.getOrDefault("xdp_tx", 0L) > 0, "the final counters include the XDP program's: " + c);

        scenario.startGateway();
        assertNotNull(scenario.topology().gateway().xdp(Topology.LEAF_DEVICE), "restarted gateway attached again");
        awaitServing(Set.of("b1", "b2", "b3", "b4"), Duration.ofSeconds(10));
        long pid = scenario.gateway().pid();
        scenario.gateway().kill();
        String afterKill = awaitNoXdp(Duration.ofSeconds(3));
        System.out.println("[xdp] SIGKILL of " + pid + ": XDP on eth0 afterwards: " + afterKill);
        assertNull(afterKill, "an XDP program stayed on eth0 after SIGKILL");
    }

    // ---- helpers ----

    /** Lets packets in flight between namespaces arrive, so that counters on both ends agree. */
    private static void settle() throws InterruptedException {
        Thread.sleep(150);
    }

    /** {@code dsrctl --socket ADMIN_SOCKET ARGS...}: its output; fails unless it exits 0. */
    private String dsrctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Distributions.fromSystemProperties().gatewayLauncher().resolveSibling("dsrctl").toString(),
                "--socket", scenario.adminSocket().toString()));
        cmd.addAll(List.of(args));
        Commands.Result r = Commands.run(cmd, Duration.ofSeconds(30));
        assertEquals(0, r.exitCode(), "dsrctl " + String.join(" ", args) + ": " + r.stdout() + r.stderr());
        return r.stdout();
    }

    /**
     * The gateway's counters from {@code dsrctl status} (the TUN pipeline's and the XDP program's), read after the
     * gateway's cache of the program's counters has expired ({@code XdpMetrics.DEFAULT_MAX_AGE_NS}, 250 ms).
     */
    private Map<String, Long> counters() throws Exception {
        Thread.sleep(300);
        String status = dsrctl("status");
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : status.split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length == 2 && f[1].matches("\\d+")) {
                m.put(f[0], Long.parseLong(f[1]));
            }
        }
        assertTrue(m.containsKey("xdp_rx") && m.containsKey("rx_packets"), "dsrctl status: " + status);
        return m;
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new LinkedHashMap<>();
        after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
        return d;
    }

    private static Map<String, Long> nonZero(Map<String, Long> m) {
        return m.entrySet().stream().filter(e -> e.getValue() != 0)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    private String awaitNoXdp(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String xdp = scenario.topology().gateway().xdp(Topology.LEAF_DEVICE);
        while (xdp != null && System.nanoTime() < deadline) {
            Thread.sleep(50);
            xdp = scenario.topology().gateway().xdp(Topology.LEAF_DEVICE);
        }
        return xdp;
    }

    private long awaitLogLines(Pattern pattern, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (scenario.gateway().grep(pattern).size() >= count) {
                return System.nanoTime();
            }
            Thread.sleep(5);
        }
        return -1;
    }

    /** Where the running config (as written) sends each request's flow (a new connection: Maglev), by replay. */
    private Map<Flow, String> replayRunningConfig(List<Request> requests) throws IOException {
        if (requests.isEmpty()) {
            return Map.of();
        }
        Path in = work.resolve("replay-kill-in.pcap");
        FlowReplay.writeSyns(in, requests.stream().map(r -> flow(r.localPort())).toList());
        return FlowReplay.replay(Distributions.fromSystemProperties().gatewayLauncher(),
                scenario.gatewayConfigFile(), in, work.resolve("replay-kill-out.pcap"));
    }

    private static Flow flow(int clientPort) {
        return new Flow(Topology.CLIENT_ADDRESS, clientPort, VIP, DsrScenario.VIP_PORT);
    }

    /**
     * Batches of 30 new connections until two batches in a row succeed completely and are served by exactly
     * {@code backends}; returns the time that took in ms.
     */
    private long awaitServing(Set<String> backends, Duration timeout) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int good = 0;
        List<Request> last = List.of();
        while (System.nanoTime() < deadline) {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                ports.add(nextPort++);
            }
            last = RequestLoad.fixedPorts(scenario.client(), target, ports, REQUEST_TIMEOUT);
            boolean ok = last.stream().allMatch(Request::ok) && RequestLoad.perBackend(last).keySet().equals(backends);
            good = ok ? good + 1 : 0;
            if (good == 2) {
                return (System.nanoTime() - start) / 1_000_000;
            }
        }
        throw new AssertionError("not served by exactly " + backends + " within " + timeout + "; last batch: "
                + RequestLoad.perBackend(last) + ", failures " + last.stream().filter(r -> !r.ok()).map(r -> r.describe(start))
                .limit(5).toList() + "\n" + scenario.logTails());
    }

}
